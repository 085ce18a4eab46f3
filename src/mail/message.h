// Renders one outbox row as an RFC 5322 message: the bytes a transport sends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mail/address.h"
#include "util/result.h"

namespace stoa::mail {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One message as the outbox stores it.
struct StoredMail {
    std::int64_t id = 0;
    std::string recipient;
    std::string recipient_name;
    std::string subject;
    std::string body_text;
    std::optional<std::string> body_html;
    HeaderList headers;
    std::string message_id;  // without angle brackets
};

// Why an extra header cannot be used: a name that is not RFC 5322 ftext, one
// the renderer writes itself (From, To, Subject, Date, Message-ID, MIME and
// Content-* fields, Bcc...), or a value with CR, LF or other controls.
[[nodiscard]] Status check_extra_header(std::string_view name, std::string_view value);

// Fails, naming the field, when any value could break out of its header
// (CR/LF/controls), an address is invalid or an extra header is refused:
// such a row can never be sent and is marked failed, not retried.
// Line ends are CRLF; `unix_time` is the Date.
[[nodiscard]] Result<std::string> render_message(const StoredMail& mail, const Mailbox& from, std::int64_t unix_time);

// "Tue, 01 Jul 2025 09:05:00 +0000" (RFC 5322 3.3), in UTC.
[[nodiscard]] std::string rfc5322_date(std::int64_t unix_time);

}  // namespace stoa::mail
