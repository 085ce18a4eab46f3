// Unit tests for src/mail/templates.*: each mail carries the right link on a
// line of its own, built from PUBLIC_BASE_URL, and renders with any username.
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "mail/message.h"
#include "mail/templates.h"

namespace {

using namespace stoa::mail;

stoa::Config config() {
    stoa::Config c;
    c.public_base_url = "https://accounts.example.org";
    return c;
}

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

class MailTemplates : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(MailTemplates, VerificationLinkIsOnItsOwnLine) {
    auto m = verification_mail(config(), "ann@example.org", "ann", "tok_en-123");
    EXPECT_EQ(m.to_address, "ann@example.org");
    EXPECT_EQ(m.to_name, "ann");
    EXPECT_FALSE(m.subject.empty());
    EXPECT_TRUE(has_line(m.text, "https://accounts.example.org/auth/verify-email?token=tok_en-123")) << m.text;
    EXPECT_NE(m.text.find("ann"), std::string::npos);
    EXPECT_FALSE(m.html.has_value());
}

TEST_F(MailTemplates, PasswordResetLinkExpiresInOneHour) {
    auto m = password_reset_mail(config(), "ann@example.org", "ann", "RESET");
    EXPECT_TRUE(has_line(m.text, "https://accounts.example.org/auth/reset-password?token=RESET")) << m.text;
    EXPECT_NE(m.text.find("1 hour"), std::string::npos) << m.text;
    EXPECT_EQ(m.text.find("verify-email"), std::string::npos);
}

TEST_F(MailTemplates, TokensAreUrlEscaped) {
    auto m = verification_mail(config(), "ann@example.org", "ann", "a+b/c=&d");
    EXPECT_TRUE(has_line(m.text, "https://accounts.example.org/auth/verify-email?token=a%2Bb%2Fc%3D%26d")) << m.text;
}

TEST_F(MailTemplates, NoticesSayWhatHappened) {
    auto lock = lockout_mail(config(), "ann@example.org", "ann", 15);
    EXPECT_NE(lock.text.find("15 minutes"), std::string::npos) << lock.text;
    auto changed = password_changed_mail(config(), "ann@example.org", "ann");
    EXPECT_NE(changed.subject.find("password"), std::string::npos);
    auto on = two_factor_mail(config(), "ann@example.org", "ann", true);
    auto off = two_factor_mail(config(), "ann@example.org", "ann", false);
    EXPECT_NE(on.subject.find("enabled"), std::string::npos);
    EXPECT_NE(off.subject.find("disabled"), std::string::npos);
    EXPECT_NE(on.text, off.text);
}

TEST_F(MailTemplates, NewSignInShowsCleanedAddressAndBrowser) {
    auto m = new_sign_in_mail(config(), "ann@example.org", "ann", "203.0.113.9", "Firefox/128\r\nBcc: x@example.net");
    EXPECT_NE(m.text.find("203.0.113.9"), std::string::npos);
    EXPECT_NE(m.text.find("Firefox/128"), std::string::npos);
    EXPECT_EQ(m.text.find("\r"), std::string::npos) << "control characters from the client are replaced";
    EXPECT_EQ(m.text.find("Firefox/128\n"), std::string::npos);
}

TEST_F(MailTemplates, EveryTemplateRendersWithANonAsciiUsername) {
    const std::string name = "zo\xC3\xAB_\xE6\x9D\x8E";
    const OutgoingMail mails[] = {
        verification_mail(config(), "z@example.org", name, "t"),
        password_reset_mail(config(), "z@example.org", name, "t"),
        lockout_mail(config(), "z@example.org", name, 1),
        password_changed_mail(config(), "z@example.org", name),
        two_factor_mail(config(), "z@example.org", name, true),
        new_sign_in_mail(config(), "z@example.org", name, "::1", "curl"),
    };
    for (const auto& m : mails) {
        EXPECT_NE(m.text.find("Hello " + name + ","), std::string::npos) << m.text;
        StoredMail row{1, m.to_address, m.to_name, m.subject, m.text, m.html, m.headers, "x@example.org"};
        auto raw = render_message(row, {"Stoa", "no-reply@example.org"}, 0);
        ASSERT_TRUE(raw.ok()) << raw.error();
        EXPECT_NE(raw.value().find("To: =?UTF-8?B?"), std::string::npos) << raw.value();
        EXPECT_NE(raw.value().find("Hello zo=C3=AB_=E6=9D=8E,"), std::string::npos) << raw.value();
        // Plain text, short lines: nothing needs a soft break but the link.
        for (std::size_t start = 0; start < m.text.size();) {
            auto end = m.text.find('\n', start);
            std::string line = m.text.substr(start, end - start);
            if (line.find("https://") == std::string::npos) {
                EXPECT_LE(line.size(), 76u) << line;
            }
            start = end == std::string::npos ? m.text.size() : end + 1;
        }
    }
}

}  // namespace
