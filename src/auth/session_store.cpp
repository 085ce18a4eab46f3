#include "auth/session_store.h"

#include <algorithm>

#include "auth/audit.h"
#include "crypto/token.h"

namespace stoa::auth {
namespace {

// Rotation in one statement. The hit on the limit comes first: over it,
// nothing is consumed. Consuming is the atomic step: only one caller can set
// used_at on a given token. A consumed token of an ended session, or past
// its lifetime, stays consumed and gets no successor.
constexpr db::Query kRotateRefresh{
    "refresh_rotate",
    "WITH hit AS ("
    STOA_SQL_RATE_LIMIT_HIT("(SELECT $2::text AS key, $3::int AS window_seconds)")
    "), consumed AS ("
    " UPDATE refresh_tokens t SET used_at = now()"
    " FROM sessions s JOIN users u ON u.id = s.user_id"
    " WHERE t.token_hash = $1 AND t.used_at IS NULL AND s.id = t.session_id AND NOT u.password_change_required"
    "  AND (SELECT hit.hits FROM hit) <= $4::int"
    " RETURNING t.session_id, s.user_id, t.expires_at <= now() AS token_expired,"
    "  s.revoked_at IS NOT NULL OR s.expires_at <= now() AS session_ended"
    "), issued AS ("
    " INSERT INTO refresh_tokens (session_id, token_hash, expires_at)"
    " SELECT c.session_id, $5, now() + make_interval(secs => $6::int) FROM consumed c"
    " WHERE NOT c.token_expired AND NOT c.session_ended RETURNING session_id"
    "), touched AS ("
    " UPDATE sessions s SET last_used_at = now(), ip = $7, user_agent = $8,"
    "  expires_at = now() + make_interval(secs => $6::int)"
    " FROM issued i WHERE s.id = i.session_id RETURNING s.user_id"
    ") "
    "SELECT " STOA_USER_COLUMNS_WITHOUT_HASH ", hit.hits AS rate_hits, hit.reset AS rate_reset,"
    " c.session_id AS consumed_session, c.user_id AS consumed_user, c.token_expired, c.session_ended "
    "FROM hit LEFT JOIN consumed c ON true LEFT JOIN touched x ON true LEFT JOIN users u ON u.id = x.user_id"};

constexpr db::Query kFindRefresh{
    "refresh_find",
    "SELECT t.session_id, s.user_id, t.used_at IS NOT NULL, u.password_change_required, "
    " s.revoked_at IS NOT NULL OR s.expires_at <= now(), t.expires_at <= now() "
    "FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id "
    "WHERE t.token_hash = $1"};
constexpr db::Query kRevokeSession{
    "session_revoke",
    "UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL"};
constexpr db::Query kRevokeUserSessions{
    "session_revoke_user",
    "UPDATE sessions SET revoked_at = now(), revoked_reason = $3 "
    "WHERE user_id = $1 AND revoked_at IS NULL AND ($2 = '' OR id::text <> $2)"};

// A token the rotation did not consume: never issued, held back by a forced
// reset, or rotated before (reuse: the whole login is revoked). A statement
// of its own sees what a concurrent rotation of the same token committed.
RotateOutcome unconsumed(db::Connection& db, const std::string& hash) {
    RotateOutcome out;
    auto known = db.exec(kFindRefresh, hash);
    if (known.empty()) return out;  // never issued: invalid
    out.session_id = known.str(0, 0);
    out.user_id = known.int64(0, 1);
    if (!known.boolean(0, 2) && known.boolean(0, 3)) {
        // Not used, only held back: the token stays valid for after the change,
        // unless it is dead anyway (the forced reset revoked its session).
        if (known.boolean(0, 4)) return out;  // invalid
        out.status = known.boolean(0, 5) ? RotateStatus::expired : RotateStatus::password_change_required;
        return out;
    }
    // Rotated before: someone replays an old token. Kill the whole login.
    out.status = RotateStatus::reused;
    revoke_session(db, out.session_id, "refresh_token_reused");
    return out;
}

}  // namespace

bool plausible_session_id(std::string_view id) {
    if (id.size() != 36) return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        char c = id[i];
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !std::isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
}

RotateOutcome rotate_refresh(RequestContext& ctx, const std::string& refresh_token, const RateCharge& limit) {
    RotateOutcome out;
    // Tokens we issue are 43 base64url characters; refuse anything absurd early.
    if (refresh_token.size() < 16 || refresh_token.size() > 128) {
        enforce_rate_limit(ctx, limit);
        return out;
    }
    const Config& cfg = ctx.app.config;
    std::string hash = crypto::token_hash(refresh_token);
    std::string next = crypto::random_token(32);
    auto r = ctx.app.db.exec(kRotateRefresh, hash, limit.key, limit.rule.window_seconds, limit.rule.limit,
                             crypto::token_hash(next), cfg.refresh_token_ttl, ctx.req.client_ip(), recorded_user_agent(ctx));
    record_rate_hit(ctx, limit, RateHit{r.int64(0, "rate_hits"), static_cast<int>(r.int64(0, "rate_reset"))});
    if (r.is_null(0, "consumed_session")) return unconsumed(ctx.app.db, hash);
    out.session_id = r.str(0, "consumed_session");
    out.user_id = r.int64(0, "consumed_user");
    if (r.boolean(0, "session_ended")) return out;  // revoked or past its lifetime: invalid
    if (r.boolean(0, "token_expired")) {
        out.status = RotateStatus::expired;
        return out;
    }
    out.refresh_token = std::move(next);
    out.user = read_user(r, 0);
    out.status = RotateStatus::rotated;
    return out;
}

bool revoke_session(db::Connection& db, const std::string& session_id, const std::string& reason) {
    if (!plausible_session_id(session_id)) return false;
    return db.exec(kRevokeSession, session_id, reason).affected() > 0;
}

std::int64_t revoke_user_sessions(db::Connection& db, std::int64_t user_id, const std::string& except_session,
                                  const std::string& reason) {
    return db.exec(kRevokeUserSessions, user_id, except_session, reason).affected();
}

}  // namespace stoa::auth
