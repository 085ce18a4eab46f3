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

namespace stoa::auth {

struct NewSession {
    std::string session_id;
    std::string refresh_token;  // plain, handed to the client once
};

// Creates a session for the user with a first refresh token (one statement).
NewSession create_session(RequestContext& ctx, std::int64_t user_id);

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
