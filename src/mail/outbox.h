// The outbox: how code that changes state asks for a mail. Handlers never
// talk to a mail server; they add a row in their own transaction and
// `stoactl mail` sends it later (so a rolled-back change sends nothing).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "db/connection.h"

namespace stoa::mail {

struct OutgoingMail {
    std::string to_address;
    std::string to_name;  // may be empty
    std::string subject;  // UTF-8
    std::string text;     // plain-text body, UTF-8
    std::optional<std::string> html;
    std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. List-Unsubscribe
};

// Inserts one message into the outbox through `db`; call it inside the
// transaction of the state change that causes the mail. Generates the
// Message-ID (random@domain of MAIL_FROM or PUBLIC_BASE_URL).
// Throws std::invalid_argument when a header value holds CR/LF (or another
// control character), an extra header is refused or named twice: a bug in
// the caller, never the recipient's fault. Database errors throw as exec does.
void enqueue(db::Connection& db, const Config& config, const OutgoingMail& mail);

}  // namespace stoa::mail
