// Transports: how a rendered message leaves. The sendmail interface (the
// Debian convention, works with any MTA) or SMTP through libcurl.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/result.h"

namespace stoa::mail {

class Transport {
public:
    virtual ~Transport() = default;
    // `message` has CRLF line ends. A failure's text goes to the outbox row
    // and the log, so it never holds a password.
    [[nodiscard]] virtual Status send(const std::string& from_addr, const std::string& to_addr,
                                      const std::string& message) = 0;
};

// Runs `program -t -i` (fork and exec, no shell) with the message on stdin,
// LF line ends as local submission expects. A non-zero exit, a signal or the
// timeout is a failure carrying the program's stderr.
class SendmailTransport final : public Transport {
public:
    explicit SendmailTransport(std::string program, std::chrono::milliseconds timeout = std::chrono::seconds(60));
    [[nodiscard]] Status send(const std::string& from_addr, const std::string& to_addr,
                              const std::string& message) override;

private:
    std::string program_;
    std::chrono::milliseconds timeout_;
};

struct SmtpSettings {
    std::string url;  // smtp://host:587 (STARTTLS required) or smtps://host:465
    std::string user;
    std::string password;
    std::string ca_file;  // empty: the system's trust store
    std::chrono::milliseconds timeout = std::chrono::seconds(60);
};

// SMTP with libcurl: STARTTLS is required on smtp://, smtps:// is TLS from
// the start; the server certificate is always verified, and credentials are
// only ever sent inside TLS. One connection per message. libcurl runs with
// CURLOPT_NOSIGNAL, so the process must ignore SIGPIPE (stoactl mail does).
class SmtpTransport final : public Transport {
public:
    explicit SmtpTransport(SmtpSettings settings);
    ~SmtpTransport() override;
    SmtpTransport(const SmtpTransport&) = delete;
    SmtpTransport& operator=(const SmtpTransport&) = delete;
    [[nodiscard]] Status send(const std::string& from_addr, const std::string& to_addr,
                              const std::string& message) override;

private:
    SmtpSettings settings_;
};

// The transport MAIL_TRANSPORT names. `smtp_ca_file` is MAIL_SMTP_CA_FILE.
std::unique_ptr<Transport> make_transport(const Config& config, const std::string& smtp_ca_file = "");

}  // namespace stoa::mail
