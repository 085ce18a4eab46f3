// Mailbox: a display name and an address, as in "Stoa <no-reply@example.org>";
// the parsing and checks every header that carries an address goes through.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "util/result.h"

namespace stoa::mail {

struct Mailbox {
    std::string name;     // display name, UTF-8, may be empty
    std::string address;  // addr-spec: local@domain, ASCII
};

// True for a plain ASCII addr-spec we can put in a header and an SMTP
// envelope: dot-atom local part (at most 64 bytes), '@', a domain name or an
// address literal; at most 254 bytes. Quoted local parts are refused.
[[nodiscard]] bool valid_address(std::string_view address);

// "Name <local@domain>", "\"Quoted, Name\" <local@domain>", "<local@domain>"
// or "local@domain".
[[nodiscard]] Result<Mailbox> parse_mailbox(std::string_view text);

// The domain part of an address ("example.org" for "a@example.org").
[[nodiscard]] std::string address_domain(std::string_view address);

// The host of an http(s) URL, without port; empty when there is none.
[[nodiscard]] std::string url_host(std::string_view url);

// The From of every mail: MAIL_FROM, or "Stoa <no-reply@HOST>" with the host
// of PUBLIC_BASE_URL (no-reply@localhost when that is not a domain name).
[[nodiscard]] Result<Mailbox> sender_mailbox(const Config& config);

// The right-hand side of Message-IDs: the domain of MAIL_FROM, else the host
// of PUBLIC_BASE_URL, else "localhost".
[[nodiscard]] std::string message_id_domain(const Config& config);

}  // namespace stoa::mail
