#include "mail/message.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>

#include "crypto/token.h"
#include "mail/encoding.h"
#include "util/time.h"

namespace stoa::mail {
namespace {

// Fields the renderer owns; an extra header may not repeat or override them.
// clang-format off
constexpr std::array<std::string_view, 16> kOwnedFields{
    "from", "sender", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version",
    "content-type", "content-transfer-encoding", "content-disposition", "return-path", "received",
    "auto-submitted", "resent-to"};
// clang-format on

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::size_t last_line_length(const std::string& s) {
    auto nl = s.rfind('\n');
    return nl == std::string::npos ? s.size() : s.size() - nl - 1;
}

// "Name <addr>" with the name encoded, folded before "<" when the line is full.
std::string format_mailbox(const Mailbox& m, std::size_t used) {
    if (m.name.empty()) return m.address;
    std::string out = encode_phrase(m.name, used);
    std::size_t line = (out.find('\n') == std::string::npos ? used : 0) + last_line_length(out);
    out += line + m.address.size() + 3 > 78 ? "\r\n <" : " <";
    out += m.address;
    out += '>';
    return out;
}

bool valid_message_id(std::string_view id) {
    auto at = id.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == id.size() || id.size() > 250) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f && c != '<' && c != '>' && c != '"' && c != '\\' && c != ',' && c != ';';
    });
}

void add_header(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

std::string body_part_headers(const char* type) {
    return std::string("Content-Type: ") + type +
           "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
}

std::string encoded_body(std::string_view text) {
    std::string out = quoted_printable(text);
    if (!out.ends_with("\r\n")) out += "\r\n";
    return out;
}

}  // namespace

Status check_extra_header(std::string_view name, std::string_view value) {
    bool ftext = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 33 && u <= 126 && c != ':';
    });
    if (!ftext)
        return fail("header name \"" + std::string(name) + "\" is not 1 to 64 printable ASCII characters without ':'");
    if (std::find(kOwnedFields.begin(), kOwnedFields.end(), lower(name)) != kOwnedFields.end())
        return fail("header " + std::string(name) + " is written by the mailer and cannot be set");
    if (!header_safe(value))
        return fail("header " + std::string(name) + " contains CR, LF or another control character");
    if (value.size() > 900) return fail("header " + std::string(name) + " is longer than 900 bytes");
    return Ok{};
}

std::string rfc5322_date(std::int64_t unix_time) { return imf_date(unix_time, "+0000"); }

Result<std::string> render_message(const StoredMail& mail, const Mailbox& from, std::int64_t unix_time) {
    if (!header_safe(from.name) || !valid_address(from.address)) return fail("From: MAIL_FROM is not a valid mailbox");
    if (!valid_address(mail.recipient))
        return fail("To: the recipient is not an address like name@example.org that the mailer can send to");
    if (!header_safe(mail.recipient_name)) return fail("To: the name contains CR, LF or another control character");
    if (!header_safe(mail.subject)) return fail("Subject: contains CR, LF or another control character");
    if (!valid_message_id(mail.message_id)) return fail("Message-ID: not of the form random@domain");
    for (const auto& [name, value] : mail.headers) {
        if (Status ok = check_extra_header(name, value); !ok) return fail(ok.error());
    }

    std::string out;
    add_header(out, "From", format_mailbox(from, 6));
    add_header(out, "To", format_mailbox({mail.recipient_name, mail.recipient}, 4));
    add_header(out, "Subject", encode_unstructured(mail.subject, 9));
    add_header(out, "Date", rfc5322_date(unix_time));
    add_header(out, "Message-ID", "<" + mail.message_id + ">");
    add_header(out, "MIME-Version", "1.0");
    // RFC 3834: no vacation replies or bounces-as-replies to transactional mail.
    add_header(out, "Auto-Submitted", "auto-generated");
    for (const auto& [name, value] : mail.headers) add_header(out, name, encode_unstructured(value, name.size() + 2));

    if (!mail.body_html) {
        out += body_part_headers("text/plain");
        out += encoded_body(mail.body_text);
        return out;
    }
    // "=_" cannot occur in quoted-printable text, so the boundary cannot either.
    std::string boundary = "=_stoa_" + crypto::random_token(18);
    add_header(out, "Content-Type", "multipart/alternative;\r\n boundary=\"" + boundary + "\"");
    out += "\r\n";
    // The CRLF before each delimiter belongs to it, not to the part's text.
    out += "--" + boundary + "\r\n" + body_part_headers("text/plain") + quoted_printable(mail.body_text) + "\r\n";
    out += "--" + boundary + "\r\n" + body_part_headers("text/html") + quoted_printable(*mail.body_html) + "\r\n";
    out += "--" + boundary + "--\r\n";
    return out;
}

}  // namespace stoa::mail
