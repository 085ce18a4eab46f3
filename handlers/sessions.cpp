// /api/v1/auth/sessions: the caller's logins, and revoking them.
#include "app.h"
#include "auth/audit.h"
#include "auth/session_store.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using http::Response;

constexpr db::Query kList{
    "sessions_list",
    "SELECT id, " STOA_SQL_TS("created_at") ", " STOA_SQL_TS("last_used_at") ", ip, user_agent "
    "FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now() "
    "ORDER BY last_used_at DESC LIMIT 200"};
constexpr db::Query kRevokeOwn{
    "sessions_revoke_own",
    "UPDATE sessions SET revoked_at = now(), revoked_reason = 'revoked_by_user' "
    "WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL"};

Response list_sessions(RequestContext& ctx) {
    auto r = ctx.app.db.exec(kList, ctx.caller().id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) {
        Json s = Json::object();
        s.set("id", r.str(i, 0))
            .set("created_at", r.str(i, 1))
            .set("last_used_at", r.str(i, 2))
            .set("ip", r.str(i, 3))
            .set("user_agent", r.str(i, 4))
            .set("current", r.str(i, 0) == ctx.caller().session_id);
        items.push(std::move(s));
    }
    Json body = Json::object();
    body.set("items", std::move(items));
    return Response::json(200, body);
}

Response revoke_one(RequestContext& ctx) {
    const std::string& id = ctx.req.param("id");
    // Another user's session, an unknown id, or garbage: all the same 404.
    if (!auth::plausible_session_id(id) || ctx.app.db.exec(kRevokeOwn, id, ctx.caller().id).affected() == 0)
        throw http::Problem::not_found("no such session");
    auth::record_event(ctx, ctx.caller().id, "session_revoked", Json::object().set("session_id", id));
    return Response::no_content();
}

Response revoke_others(RequestContext& ctx) {
    auto n = auth::revoke_user_sessions(ctx.app.db, ctx.caller().id, ctx.caller().session_id, "revoked_by_user");
    auth::record_event(ctx, ctx.caller().id, "sessions_revoked", Json::object().set("count", n));
    return Response::no_content();
}

}  // namespace

void register_session_routes(http::Router& r) {
    using http::Role;
    r.get("/api/v1/auth/sessions", list_sessions, http::needs(Role::guest));
    r.del("/api/v1/auth/sessions", revoke_others, http::needs(Role::guest));
    r.del("/api/v1/auth/sessions/{id}", revoke_one, http::needs(Role::guest));
}

}  // namespace stoa::handlers
