#include "auth/authenticator.h"

#include "auth/session_store.h"
#include "crypto/token.h"
#include "http/cookies.h"
#include "http/problem.h"
#include "log/log.h"
#include "util/time.h"

namespace stoa::auth {
namespace {

constexpr db::Query kSessionUser{
    "auth_session_user",
    "SELECT u.role, u.password_change_required FROM sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()"};

struct Credentials {
    std::string token;
    bool via_cookie = false;
};

std::optional<Credentials> credentials(const http::Request& req) {
    if (auto h = req.header("Authorization")) {
        std::string_view v = *h;
        if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer "))
            return Credentials{std::string(v.substr(7)), false};
        throw http::Problem(401, "token_invalid", "the Authorization header must be \"Bearer <token>\"")
            .header("WWW-Authenticate", "Bearer");
    }
    if (auto c = req.cookie(http::kAccessCookie); c && !c->empty()) return Credentials{*c, true};
    return std::nullopt;
}

http::Problem token_problem(const std::string& code, const std::string& detail) {
    return http::Problem(401, code, detail).header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
}

}  // namespace

bool is_unsafe_method(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

void check_csrf(const RequestContext& ctx) {
    if (!ctx.user || !ctx.user->via_cookie || !is_unsafe_method(ctx.req.method())) return;
    auto header = ctx.req.header("X-CSRF-Token");
    auto cookie = ctx.req.cookie(http::kCsrfCookie);
    if (!header || !cookie || cookie->empty() || !crypto::constant_time_equal(*header, *cookie))
        throw http::Problem(403, "csrf_failed", "send the stoa_csrf cookie's value in the X-CSRF-Token header");
}

void authenticate(RequestContext& ctx, const http::RouteOptions& route) {
    bool required = route.role.has_value();
    // Routes that take their credentials from the body (login, register,
    // refresh) are not cookie-authenticated: no session, no CSRF check.
    if (!required && !route.optional_auth) return;
    std::optional<Credentials> cred;
    try {
        cred = credentials(ctx.req);
    } catch (const http::Problem&) {
        if (required) throw;
    }
    if (!cred) {
        if (required) throw http::Problem(401, "unauthorized", "sign in first").header("WWW-Authenticate", "Bearer");
        return;
    }
    auto outcome = ctx.app.jwt.verify(cred->token, unix_now());
    if (!outcome.ok()) {
        if (!required) return;
        log::info("token_refused", Json::object().set("reason", outcome.reason()));
        bool expired = outcome.error() == crypto::TokenError::expired;
        throw token_problem(expired ? "token_expired" : "token_invalid",
                            expired ? "the access token has expired; refresh it" : "the access token is not valid");
    }
    const auto& claims = outcome.claims();
    std::int64_t user_id = 0;
    try {
        user_id = std::stoll(claims.sub);
    } catch (...) {
        user_id = 0;
    }
    auto rows = user_id > 0 && plausible_session_id(claims.sid) ? ctx.app.db.exec(kSessionUser, claims.sid, user_id)
                                                                 : db::PgResult();
    if (rows.empty()) {
        if (!required) return;
        throw token_problem("token_invalid", "the session has ended; sign in again");
    }
    AuthUser u;
    u.id = user_id;
    u.role = http::parse_role(rows.str(0, 0)).value_or(http::Role::guest);
    u.session_id = claims.sid;
    u.password_change_required = rows.boolean(0, 1);
    u.via_cookie = cred->via_cookie;
    ctx.user = u;

    if (route.role && static_cast<int>(u.role) < static_cast<int>(*route.role))
        throw http::Problem::forbidden(std::string("this needs the role ") + http::role_name(*route.role) + " or higher");
    if (u.password_change_required && !route.during_forced_reset && !required) {
        ctx.user.reset();  // public routes serve them as anyone else
        return;
    }
    if (u.password_change_required && !route.during_forced_reset)
        throw http::Problem(403, "password_change_required",
                            "an administrator requires a new password: change it with POST /api/v1/auth/password/change");
    if (!route.csrf_in_form) check_csrf(ctx);
}

}  // namespace stoa::auth
