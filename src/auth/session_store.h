// Sessions (one per login) and their rotating refresh tokens. Only token
// hashes are stored; rotation hangs on one atomic UPDATE, so of two requests
// with the same token exactly one wins and the other is reuse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app.h"
#include "auth/rate_limiter.h"
#include "auth/user_record.h"

// Two CTEs for a statement that signs in: `session`, a new session (RETURNING
// id) for the user_id of each row of the relation `source`, and
// `session_token`, its first refresh token. ttl (seconds), ip, user agent and
// token hash are SQL expressions, typically parameters.
#define STOA_SQL_SESSION_START(source, ttl, ip, user_agent, token_hash)                                 \
    "session AS ("                                                                                      \
    " INSERT INTO sessions (user_id, expires_at, ip, user_agent)"                                       \
    " SELECT src.user_id, now() + make_interval(secs => " ttl "::int), " ip ", " user_agent             \
    " FROM " source " AS src RETURNING id"                                                              \
    "), session_token AS ("                                                                             \
    " INSERT INTO refresh_tokens (session_id, token_hash, expires_at)"                                  \
    " SELECT session.id, " token_hash ", now() + make_interval(secs => " ttl "::int) FROM session"      \
    ")"

namespace stoa::auth {

enum class RotateStatus { rotated, invalid, expired, reused, password_change_required };

struct RotateOutcome {
    RotateStatus status = RotateStatus::invalid;
    std::int64_t user_id = 0;
    std::string session_id;
    std::string refresh_token;  // the new one, when rotated
    UserRecord user;            // the session's user, when rotated
};

// Exchanges a refresh token for a new one, counting `limit` in the same
// statement: over it, nothing is rotated and 429 is thrown. A token already
// rotated revokes the whole session (reuse detection). The rotation itself
// is one statement; only refusals need more.
RotateOutcome rotate_refresh(RequestContext& ctx, const std::string& refresh_token, const RateCharge& limit);

// Revokes one session; true if it was active.
bool revoke_session(db::Connection& db, const std::string& session_id, const std::string& reason);
// Revokes every session of a user but `except_session` (empty: all).
std::int64_t revoke_user_sessions(db::Connection& db, std::int64_t user_id, const std::string& except_session,
                                  const std::string& reason);

// Session ids are UUIDs; anything else is refused before it reaches SQL.
bool plausible_session_id(std::string_view id);

}  // namespace stoa::auth
