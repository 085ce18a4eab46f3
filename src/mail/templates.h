// The mails Stoa sends: short English plain text, links on lines of their
// own, built from PUBLIC_BASE_URL. Each returns what enqueue takes.
#pragma once

#include <string>

#include "config/config.h"
#include "mail/outbox.h"

namespace stoa::mail {

// Link: PUBLIC_BASE_URL/auth/verify-email?token=TOKEN (valid 24 hours).
OutgoingMail verification_mail(const Config& config, const std::string& to, const std::string& username,
                               const std::string& token);
// Link: PUBLIC_BASE_URL/auth/reset-password?token=TOKEN (valid 1 hour).
OutgoingMail password_reset_mail(const Config& config, const std::string& to, const std::string& username,
                                 const std::string& token);
OutgoingMail lockout_mail(const Config& config, const std::string& to, const std::string& username, int minutes);
OutgoingMail password_changed_mail(const Config& config, const std::string& to, const std::string& username);
OutgoingMail two_factor_mail(const Config& config, const std::string& to, const std::string& username, bool enabled);
// `ip` and `user_agent` are what the client sent: cleaned and shortened here.
OutgoingMail new_sign_in_mail(const Config& config, const std::string& to, const std::string& username,
                              const std::string& ip, const std::string& user_agent);

}  // namespace stoa::mail
