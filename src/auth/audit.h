// The account log: security events and admin actions, each with time, IP,
// user agent and request id. Never holds a secret or a token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app.h"
#include "db/result.h"
#include "json/json.h"

// The start of an account-log insert, for statements that record their
// event in the same transaction as the change they make; the values follow
// in this column order.
#define STOA_SQL_AUDIT_INSERT \
    "INSERT INTO account_logs (user_id, actor_id, event, detail, ip, user_agent, request_id) "

namespace stoa::auth {

void record_event(RequestContext& ctx, std::optional<std::int64_t> user_id, std::string_view event,
                  const Json& detail = Json(), std::optional<std::int64_t> actor_id = std::nullopt);

// The caller's User-Agent as the account log and the sessions store it:
// printable, at most 512 characters.
std::string recorded_user_agent(const RequestContext& ctx);

// The log line of an event: record_event writes it, and so must a caller
// whose own statement inserted the row (STOA_SQL_AUDIT_INSERT).
void log_event(std::optional<std::int64_t> user_id, std::string_view event,
               std::optional<std::int64_t> actor_id = std::nullopt);

// An account-log row as JSON; the query selects id, event, detail::text, ip,
// user_agent and created_at (RFC 3339 text) as its first six columns.
Json log_entry_json(const db::PgResult& r, int row);

}  // namespace stoa::auth
