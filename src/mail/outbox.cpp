#include "mail/outbox.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include "crypto/token.h"
#include "json/json.h"
#include "mail/address.h"
#include "mail/encoding.h"
#include "mail/message.h"

namespace stoa::mail {
namespace {

constexpr db::Query kInsert{
    "mail_outbox_insert",
    "INSERT INTO outbox (recipient, recipient_name, subject, body_text, body_html, extra_headers, message_id) "
    "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)"};

std::string lower(const std::string& s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

void check(const OutgoingMail& mail) {
    if (mail.to_address.empty()) throw std::invalid_argument("mail: no recipient address");
    if (!header_safe(mail.to_address) || !header_safe(mail.to_name) || !header_safe(mail.subject))
        throw std::invalid_argument("mail: a header value contains CR, LF or another control character");
    std::set<std::string> names;
    for (const auto& [name, value] : mail.headers) {
        if (Status ok = check_extra_header(name, value); !ok) throw std::invalid_argument("mail: " + ok.error());
        if (!names.insert(lower(name)).second) throw std::invalid_argument("mail: header " + name + " given twice");
    }
}

}  // namespace

void enqueue(db::Connection& db, const Config& config, const OutgoingMail& mail) {
    check(mail);
    Json headers = Json::object();
    for (const auto& [name, value] : mail.headers) headers.set(name.c_str(), value);
    std::string message_id = crypto::random_token(18) + "@" + message_id_domain(config);
    db.exec(kInsert, mail.to_address, mail.to_name, mail.subject, mail.text, mail.html, headers.dump(), message_id);
}

}  // namespace stoa::mail
