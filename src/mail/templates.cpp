#include "mail/templates.h"

#include <cctype>

#include "util/text.h"

namespace stoa::mail {
namespace {

std::string link(const Config& config, const char* path, const std::string& token) {
    return config.public_base_url + path + "?token=" + percent_encode(token);
}

std::string greeting(const std::string& username) {
    return "Hello " + username + ",\n\n";
}

std::string signature(const Config& config) {
    std::string out = "\n-- \nThis message was sent automatically";
    if (!config.public_base_url.empty()) out += " by " + config.public_base_url;
    return out + ".\nReplies to it are not read.\n";
}

OutgoingMail mail_to(const std::string& to, const std::string& username, std::string subject, std::string text) {
    return OutgoingMail{to, username, std::move(subject), std::move(text), std::nullopt, {}};
}

}  // namespace

OutgoingMail verification_mail(const Config& config, const std::string& to, const std::string& username,
                               const std::string& token) {
    return mail_to(to, username, "Confirm your email address",
                   greeting(username) + "please confirm your email address by opening this link:\n\n" +
                       link(config, "/auth/verify-email", token) +
                       "\n\n"
                       "The link works once and expires in 24 hours. If you did not\n"
                       "create an account, ignore this message.\n" +
                       signature(config));
}

OutgoingMail password_reset_mail(const Config& config, const std::string& to, const std::string& username,
                                 const std::string& token) {
    return mail_to(to, username, "Reset your password",
                   greeting(username) +
                       "someone asked to reset the password of your account. To choose a\n"
                       "new password, open this link:\n\n" +
                       link(config, "/auth/reset-password", token) +
                       "\n\n"
                       "The link works once and expires in 1 hour. If you did not ask\n"
                       "for this, ignore this message: your password stays the same.\n" +
                       signature(config));
}

OutgoingMail lockout_mail(const Config& config, const std::string& to, const std::string& username, int minutes) {
    std::string duration = std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
    return mail_to(to, username, "Your account is locked for " + duration,
                   greeting(username) +
                       "after too many failed sign-in attempts, signing in to your account\n"
                       "is blocked for " +
                       duration +
                       ".\n\n"
                       "If that was not you, someone may be guessing your password:\n"
                       "choose a stronger one once you can sign in again.\n" +
                       signature(config));
}

OutgoingMail password_changed_mail(const Config& config, const std::string& to, const std::string& username) {
    return mail_to(to, username, "Your password was changed",
                   greeting(username) +
                       "the password of your account was just changed, and other\n"
                       "sessions were signed out.\n\n"
                       "If you did not do this, reset your password at once and contact\n"
                       "the site's administrators.\n" +
                       signature(config));
}

OutgoingMail two_factor_mail(const Config& config, const std::string& to, const std::string& username, bool enabled) {
    if (enabled) {
        return mail_to(to, username, "Two-factor authentication was enabled",
                       greeting(username) +
                           "two-factor authentication was enabled on your account: signing in\n"
                           "now needs a code from your authenticator app (or a backup code).\n\n"
                           "If you did not do this, contact the site's administrators.\n" +
                           signature(config));
    }
    return mail_to(to, username, "Two-factor authentication was disabled",
                   greeting(username) +
                       "two-factor authentication was disabled on your account: signing in\n"
                       "now needs only your password.\n\n"
                       "If you did not do this, change your password at once and contact\n"
                       "the site's administrators.\n" +
                       signature(config));
}

OutgoingMail new_sign_in_mail(const Config& config, const std::string& to, const std::string& username,
                              const std::string& ip, const std::string& user_agent) {
    std::string agent = clean_header_text(user_agent, 200);
    return mail_to(to, username, "New sign-in to your account",
                   greeting(username) +
                       "your account was just signed in to from:\n\n"
                       "  address: " +
                       clean_header_text(ip, 64) + "\n" +
                       "  browser: " + (agent.empty() ? std::string("unknown") : agent) +
                       "\n\n"
                       "If that was you, there is nothing to do. If not, change your\n"
                       "password and sign out your other sessions.\n" +
                       signature(config));
}

}  // namespace stoa::mail
