// Unit tests for src/mail/message.* and src/mail/address.*: the rendered
// message has every header, encodes what is not ASCII, and no value can
// inject a header of its own.
#include <gtest/gtest.h>
#include <sodium.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "config/config.h"
#include "mail/address.h"
#include "mail/message.h"

namespace {

using stoa::mail::Mailbox;
using stoa::mail::render_message;
using stoa::mail::StoredMail;

const Mailbox kFrom{"Stoa", "no-reply@example.org"};
constexpr std::int64_t kTime = 1700000000;  // Tue, 14 Nov 2023 22:13:20 +0000

StoredMail sample() {
    StoredMail m;
    m.id = 7;
    m.recipient = "ann@example.org";
    m.recipient_name = "ann";
    m.subject = "Confirm your email address";
    m.body_text = "Hello ann,\n\nhttps://example.org/auth/verify-email?token=abc\n";
    m.message_id = "r4nd0m@example.org";
    return m;
}

struct Parsed {
    std::vector<std::pair<std::string, std::string>> headers;  // unfolded, in order
    std::string body;
    std::string header(const std::string& name) const {
        for (const auto& [n, v] : headers)
            if (n == name) return v;
        return "<missing>";
    }
    int count(const std::string& name) const {
        int n = 0;
        for (const auto& h : headers) n += h.first == name ? 1 : 0;
        return n;
    }
};

Parsed parse(const std::string& message) {
    Parsed p;
    auto end = message.find("\r\n\r\n");
    EXPECT_NE(end, std::string::npos) << "no blank line after the headers";
    std::string head = message.substr(0, end + 2);
    p.body = message.substr(end + 4);
    std::size_t i = 0;
    while (i < head.size()) {
        auto eol = head.find("\r\n", i);
        std::string line = head.substr(i, eol - i);
        i = eol + 2;
        EXPECT_LE(line.size(), 78u) << "header line too long: " << line;
        if (line[0] == ' ' || line[0] == '\t') {
            p.headers.back().second += line;
            continue;
        }
        auto colon = line.find(": ");
        EXPECT_NE(colon, std::string::npos) << line;
        p.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    return p;
}

class MailMessage : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};
class MailAddress : public ::testing::Test {};

TEST_F(MailMessage, HasEveryHeaderOnce) {
    std::string raw = render_message(sample(), kFrom, kTime).value();
    Parsed p = parse(raw);
    for (const char* name : {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
                             "Content-Transfer-Encoding", "Auto-Submitted"})
        EXPECT_EQ(p.count(name), 1) << name;
    EXPECT_EQ(p.header("From"), "Stoa <no-reply@example.org>");
    EXPECT_EQ(p.header("To"), "ann <ann@example.org>");
    EXPECT_EQ(p.header("Subject"), "Confirm your email address");
    EXPECT_EQ(p.header("Date"), "Tue, 14 Nov 2023 22:13:20 +0000");
    EXPECT_EQ(p.header("Message-ID"), "<r4nd0m@example.org>");
    EXPECT_EQ(p.header("MIME-Version"), "1.0");
    EXPECT_EQ(p.header("Content-Type"), "text/plain; charset=UTF-8");
    EXPECT_EQ(p.header("Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_EQ(p.body, "Hello ann,\r\n\r\nhttps://example.org/auth/verify-email?token=3Dabc\r\n");
}

TEST_F(MailMessage, EveryLineEndsWithCrlf) {
    std::string raw = render_message(sample(), kFrom, kTime).value();
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\n') {
            ASSERT_TRUE(i > 0 && raw[i - 1] == '\r') << "bare LF at " << i;
        }
        if (raw[i] == '\r') {
            ASSERT_TRUE(i + 1 < raw.size() && raw[i + 1] == '\n') << "bare CR at " << i;
        }
    }
    EXPECT_TRUE(raw.ends_with("\r\n"));
}

TEST_F(MailMessage, NonAsciiNameAndSubjectAreEncodedWords) {
    StoredMail m = sample();
    m.recipient_name = "Zo\xC3\xAB";
    m.subject = "Bienvenue, Zo\xC3\xAB";
    Parsed p = parse(render_message(m, {"Caf\xC3\xA9 Stoa", "no-reply@example.org"}, kTime).value());
    EXPECT_EQ(p.header("To"), "=?UTF-8?B?Wm/Dqw==?= <ann@example.org>");
    EXPECT_EQ(p.header("Subject"), "=?UTF-8?B?QmllbnZlbnVlLCBab8Or?=");
    EXPECT_EQ(p.header("From"), "=?UTF-8?B?Q2Fmw6kgU3RvYQ==?= <no-reply@example.org>");
}

TEST_F(MailMessage, NamesWithSpecialsAreQuoted) {
    StoredMail m = sample();
    m.recipient_name = "Lee, Ann";
    EXPECT_EQ(parse(render_message(m, kFrom, kTime).value()).header("To"), "\"Lee, Ann\" <ann@example.org>");
    m.recipient_name = "";
    EXPECT_EQ(parse(render_message(m, kFrom, kTime).value()).header("To"), "ann@example.org");
}

TEST_F(MailMessage, ExtraHeadersAreWritten) {
    StoredMail m = sample();
    m.headers = {{"List-Unsubscribe", "<https://example.org/unsubscribe?u=1>"}, {"X-Stoa-Kind", "verification"}};
    Parsed p = parse(render_message(m, kFrom, kTime).value());
    EXPECT_EQ(p.header("List-Unsubscribe"), "<https://example.org/unsubscribe?u=1>");
    EXPECT_EQ(p.header("X-Stoa-Kind"), "verification");
}

TEST_F(MailMessage, HtmlMakesMultipartAlternative) {
    StoredMail m = sample();
    m.body_html = "<p>Hello <b>ann</b></p>";
    std::string raw = render_message(m, kFrom, kTime).value();
    Parsed p = parse(raw);
    std::smatch match;
    std::string type = p.header("Content-Type");
    ASSERT_TRUE(
        std::regex_match(type, match, std::regex(R"(multipart/alternative; boundary="(=_stoa_[A-Za-z0-9_-]+)\")")))
        << type;
    std::string boundary = match[1];
    EXPECT_NE(p.body.find("--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
    EXPECT_NE(p.body.find("--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\n"), std::string::npos);
    EXPECT_NE(p.body.find("<p>Hello <b>ann</b></p>"), std::string::npos);
    EXPECT_TRUE(p.body.ends_with("--" + boundary + "--\r\n"));
    EXPECT_EQ(p.count("Content-Transfer-Encoding"), 0) << "only the parts have one";
}

TEST_F(MailMessage, HeaderInjectionIsRefusedInEveryField) {
    struct Case {
        const char* what;
        void (*poison)(StoredMail&);
    };
    const Case cases[] = {
        {"Subject", [](StoredMail& m) { m.subject = "Hi\r\nBcc: victim@example.net"; }},
        {"Subject LF", [](StoredMail& m) { m.subject = "Hi\nBcc: victim@example.net"; }},
        {"Subject CR", [](StoredMail& m) { m.subject = "Hi\rBcc: victim@example.net"; }},
        {"To name", [](StoredMail& m) { m.recipient_name = "Ann\r\nBcc: victim@example.net"; }},
        {"To address", [](StoredMail& m) { m.recipient = "ann@example.org\r\nBcc: victim@example.net"; }},
        {"To address with comma", [](StoredMail& m) { m.recipient = "ann@example.org, victim@example.net"; }},
        {"Message-ID", [](StoredMail& m) { m.message_id = "x@example.org>\r\nBcc: victim@example.net"; }},
        {"extra value",
         [](StoredMail& m) {
             m.headers = {{"X-Kind", "a\r\nBcc: victim@example.net"}};
         }},
        {"extra name",
         [](StoredMail& m) {
             m.headers = {{"X-Kind: a\r\nBcc", "victim@example.net"}};
         }},
        {"extra Bcc",
         [](StoredMail& m) {
             m.headers = {{"bcc", "victim@example.net"}};
         }},
        {"extra Content-Type",
         [](StoredMail& m) {
             m.headers = {{"Content-Type", "text/html"}};
         }},
        {"extra From",
         [](StoredMail& m) {
             m.headers = {{"From", "ceo@example.org"}};
         }},
    };
    for (const auto& c : cases) {
        StoredMail m = sample();
        c.poison(m);
        auto r = render_message(m, kFrom, kTime);
        EXPECT_FALSE(r.ok()) << c.what << " was rendered:\n" << (r.ok() ? r.value() : "");
    }
    auto bad_from = render_message(sample(), {"Stoa\r\nBcc: victim@example.net", "no-reply@example.org"}, kTime);
    EXPECT_FALSE(bad_from.ok());
}

TEST_F(MailMessage, RefusalNamesTheField) {
    StoredMail m = sample();
    m.subject = "a\nb";
    auto r = render_message(m, kFrom, kTime);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find("Subject"), std::string::npos) << r.error();
}

TEST_F(MailMessage, DateIsRfc5322InUtc) {
    EXPECT_EQ(stoa::mail::rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(stoa::mail::rfc5322_date(951782400), "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST_F(MailAddress, ParsesTheUsualForms) {
    auto a = stoa::mail::parse_mailbox("Stoa <no-reply@example.org>").value();
    EXPECT_EQ(a.name, "Stoa");
    EXPECT_EQ(a.address, "no-reply@example.org");
    auto b = stoa::mail::parse_mailbox("\"Stoa, \\\"the\\\" site\" <a@example.org>").value();
    EXPECT_EQ(b.name, "Stoa, \"the\" site");
    auto c = stoa::mail::parse_mailbox("  a.b+c@mail.example.org ").value();
    EXPECT_EQ(c.name, "");
    EXPECT_EQ(c.address, "a.b+c@mail.example.org");
    EXPECT_EQ(stoa::mail::parse_mailbox("<x@[127.0.0.1]>").value().address, "x@[127.0.0.1]");
}

TEST_F(MailAddress, RefusesWhatIsNotOneAddress) {
    for (const char* bad : {"", "no-at-sign", "a@", "@example.org", "a..b@example.org", "a@-example.org",
                            "a@example..org", "Stoa <a@example.org", "a@example.org, b@example.org", "a b@example.org",
                            "Stoa\r\n <a@example.org>", "j\xC3\xB6rg@example.org"}) {
        EXPECT_FALSE(stoa::mail::parse_mailbox(bad).ok()) << bad;
    }
}

TEST_F(MailAddress, SenderAndMessageIdDomainFollowTheConfig) {
    stoa::Config c;
    c.public_base_url = "https://accounts.example.net:8443";
    EXPECT_EQ(stoa::mail::sender_mailbox(c).value().address, "no-reply@accounts.example.net");
    EXPECT_EQ(stoa::mail::message_id_domain(c), "accounts.example.net");
    c.mail_from = "Stoa <hello@example.org>";
    EXPECT_EQ(stoa::mail::sender_mailbox(c).value().address, "hello@example.org");
    EXPECT_EQ(stoa::mail::message_id_domain(c), "example.org");
    c.mail_from = "not an address";
    EXPECT_FALSE(stoa::mail::sender_mailbox(c).ok());
    c.mail_from.clear();
    c.public_base_url = "https://127.0.0.1:8443";
    EXPECT_EQ(stoa::mail::sender_mailbox(c).value().address, "no-reply@localhost");
    EXPECT_EQ(stoa::mail::message_id_domain(c), "127.0.0.1");
}

}  // namespace
