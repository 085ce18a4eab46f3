// /api/v1/auth: register, login, refresh, logout, me.
#include "app.h"
#include "auth/authenticator.h"
#include "auth/user_record.h"
#include "handlers/auth_flows.h"
#include "handlers/routes.h"
#include "http/cookies.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using http::Response;

Response register_route(RequestContext& ctx) {
    auto user = register_account(ctx, http::Fields::from_json(ctx.req.json_body()));
    Json body = Json::object();
    body.set("user", auth::user_json(user));
    Response res = Response::json(201, body);
    res.header("Location", "/api/v1/users/" + user.username);
    return res;
}

Response login_route(RequestContext& ctx) {
    return token_response(ctx, login(ctx, http::Fields::from_json(ctx.req.json_body())));
}

// The refresh token comes from the body, else from the stoa_refresh cookie
// (then the request is cookie-authenticated and needs the CSRF header).
std::optional<std::string> refresh_token_of(RequestContext& ctx) {
    // An empty body (with or without a Content-Type) means "use the cookie".
    if (!ctx.req.body().empty()) {
        if (auto t = http::Fields::from_json(ctx.req.json_body()).string("refresh_token")) return t;
    }
    auto cookie = ctx.req.cookie(http::kRefreshCookie);
    if (!cookie || cookie->empty()) return std::nullopt;
    AuthUser cookie_caller;
    cookie_caller.via_cookie = true;
    RequestContext check{ctx.app, ctx.req, cookie_caller, std::nullopt};
    auth::check_csrf(check);
    return cookie;
}

Response refresh_route(RequestContext& ctx) {
    auto token = refresh_token_of(ctx);
    if (!token) throw http::Problem(401, "token_invalid", "send refresh_token in the body or the stoa_refresh cookie");
    return token_response(ctx, refresh(ctx, *token));
}

Response logout_route(RequestContext& ctx) {
    std::optional<std::string> token;
    if (!ctx.user) token = refresh_token_of(ctx);
    logout(ctx, token);
    Response res = Response::no_content();
    clear_session_cookies(ctx, res);
    return res;
}

// The user row came with the session check (auth::admit): no query here.
Response me_route(RequestContext& ctx) {
    Json body = Json::object();
    body.set("user", auth::user_json(ctx.caller().account));
    return Response::json(200, body);
}

}  // namespace

void register_auth_routes(http::Router& r) {
    using http::Role;
    r.post("/api/v1/auth/register", register_route);
    r.post("/api/v1/auth/login", login_route);
    r.post("/api/v1/auth/refresh", refresh_route);
    r.post("/api/v1/auth/logout", logout_route, http::optional_auth().allowed_during_forced_reset());
    r.get("/api/v1/auth/me", me_route, http::needs(Role::guest).allowed_during_forced_reset());
}

}  // namespace stoa::handlers
