#include "auth/session_store.h"

#include <algorithm>

#include "crypto/token.h"
#include "util/text.h"

namespace stoa::auth {
namespace {

constexpr db::Query kCreateSession{
    "session_create",
    "INSERT INTO sessions (user_id, expires_at, ip, user_agent) "
    "VALUES ($1, now() + make_interval(secs => $2::int), $3, $4) RETURNING id"};
constexpr db::Query kInsertRefresh{
    "refresh_insert",
    "INSERT INTO refresh_tokens (session_id, token_hash, expires_at) "
    "VALUES ($1, $2, now() + make_interval(secs => $3::int))"};
// The atomic step: only one caller can set used_at on a given token.
constexpr db::Query kConsumeRefresh{
    "refresh_consume",
    "UPDATE refresh_tokens t SET used_at = now() "
    "FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE t.token_hash = $1 AND t.used_at IS NULL AND s.id = t.session_id AND NOT u.password_change_required "
    "RETURNING t.session_id, s.user_id, t.expires_at <= now(), s.revoked_at IS NOT NULL OR s.expires_at <= now()"};
constexpr db::Query kFindRefresh{
    "refresh_find",
    "SELECT t.session_id, s.user_id, t.used_at IS NOT NULL, u.password_change_required, "
    " s.revoked_at IS NOT NULL OR s.expires_at <= now() "
    "FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id "
    "WHERE t.token_hash = $1"};
constexpr db::Query kTouchSession{
    "session_touch",
    "UPDATE sessions SET last_used_at = now(), ip = $2, user_agent = $3, "
    "expires_at = now() + make_interval(secs => $4::int) WHERE id = $1"};
constexpr db::Query kRevokeSession{
    "session_revoke",
    "UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL"};
constexpr db::Query kRevokeUserSessions{
    "session_revoke_user",
    "UPDATE sessions SET revoked_at = now(), revoked_reason = $3 "
    "WHERE user_id = $1 AND revoked_at IS NULL AND ($2 = '' OR id::text <> $2)"};

std::string user_agent(const RequestContext& ctx) {
    return clean_header_text(ctx.req.header("User-Agent").value_or(""), 512);
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

NewSession create_session(RequestContext& ctx, std::int64_t user_id) {
    const Config& cfg = ctx.app.config;
    NewSession s;
    auto r = ctx.app.db.exec(kCreateSession, user_id, cfg.refresh_token_ttl, ctx.req.client_ip(), user_agent(ctx));
    s.session_id = r.str(0, 0);
    s.refresh_token = crypto::random_token(32);
    ctx.app.db.exec(kInsertRefresh, s.session_id, crypto::token_hash(s.refresh_token), cfg.refresh_token_ttl);
    return s;
}

RotateOutcome rotate_refresh(RequestContext& ctx, const std::string& refresh_token) {
    RotateOutcome out;
    // Tokens we issue are 43 base64url characters; refuse anything absurd early.
    if (refresh_token.size() < 16 || refresh_token.size() > 128) return out;
    std::string hash = crypto::token_hash(refresh_token);
    auto& db = ctx.app.db;

    db::Transaction tx(db);
    auto consumed = db.exec(kConsumeRefresh, hash);
    if (consumed.empty()) {
        auto known = db.exec(kFindRefresh, hash);
        if (known.empty()) return out;  // never issued: invalid
        out.session_id = known.str(0, 0);
        out.user_id = known.int64(0, 1);
        if (!known.boolean(0, 2) && known.boolean(0, 4)) return out;  // session over: invalid
        if (!known.boolean(0, 2) && known.boolean(0, 3)) {
            // Not used, only held back: the token stays valid for after the change.
            out.status = RotateStatus::password_change_required;
            return out;
        }
        // Already rotated: someone replays an old token. Kill the whole login.
        out.status = RotateStatus::reused;
        revoke_session(db, out.session_id, "refresh_token_reused");
        tx.commit();
        return out;
    }
    out.session_id = consumed.str(0, 0);
    out.user_id = consumed.int64(0, 1);
    if (consumed.boolean(0, 3)) {
        tx.commit();
        out.status = RotateStatus::invalid;  // session revoked or past its lifetime
        return out;
    }
    if (consumed.boolean(0, 2)) {
        tx.commit();
        out.status = RotateStatus::expired;
        return out;
    }
    const Config& cfg = ctx.app.config;
    out.refresh_token = crypto::random_token(32);
    db.exec(kInsertRefresh, out.session_id, crypto::token_hash(out.refresh_token), cfg.refresh_token_ttl);
    db.exec(kTouchSession, out.session_id, ctx.req.client_ip(), user_agent(ctx), cfg.refresh_token_ttl);
    tx.commit();
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
