#include "mail/transport.h"

namespace stoa::mail {

std::unique_ptr<Transport> make_transport(const Config& config, const std::string& smtp_ca_file) {
    if (config.mail_transport == "smtp") {
        return std::make_unique<SmtpTransport>(
            SmtpSettings{config.mail_smtp_url, config.mail_smtp_user, config.mail_smtp_password, smtp_ca_file});
    }
    return std::make_unique<SendmailTransport>(config.mail_sendmail);
}

}  // namespace stoa::mail
