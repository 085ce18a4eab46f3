#include "auth/authenticator.h"

#include <stdexcept>

#include "auth/rate_limiter.h"
#include "auth/session_store.h"
#include "auth/user_record.h"
#include "crypto/token.h"
#include "http/cookies.h"
#include "http/problem.h"
#include "log/log.h"
#include "util/time.h"

namespace stoa::auth {
namespace {

// One round trip for a request with a verified token: the per-IP hit, the
// session with its user, and the per-user hit. The per-user hit is counted
// only when the request gets that far (per-IP limit kept, session alive,
// guards passed: $6 roles enough, $7 served during a forced reset, $8 CSRF
// satisfied), as when these ran one after another. $1/$9 NULL: unlimited.
constexpr db::Query kAdmitCaller{
    "auth_admit_caller",
    "WITH ip_hit AS ("
    STOA_SQL_RATE_LIMIT_HIT("(SELECT $1::text AS key, $2::int AS window_seconds WHERE $1::text IS NOT NULL)")
    "), caller AS ("
    " SELECT " STOA_USER_COLUMNS_WITHOUT_HASH ","
    "  u.role = ANY($6::text[]) AND (NOT u.password_change_required OR $7::bool) AND $8::bool AS passes_guards"
    " FROM sessions s JOIN users u ON u.id = s.user_id"
    " WHERE s.id = $4 AND s.user_id = $5 AND s.revoked_at IS NULL AND s.expires_at > now()"
    "), user_hit AS ("
    STOA_SQL_RATE_LIMIT_HIT("(SELECT $9::text AS key, $10::int AS window_seconds FROM caller"
                            " WHERE caller.passes_guards AND $9::text IS NOT NULL"
                            " AND NOT EXISTS (SELECT FROM ip_hit WHERE ip_hit.hits > $3::int))")
    ") "
    "SELECT caller.*, h.key AS rate_key, h.hits AS rate_hits, h.reset AS rate_reset "
    "FROM (SELECT) AS one LEFT JOIN caller ON true "
    "LEFT JOIN (SELECT * FROM ip_hit UNION ALL SELECT * FROM user_hit) AS h ON true"};

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

http::Problem session_ended() {
    return token_problem("token_invalid", "the session has ended; sign in again");
}

// A token that verified: the session it names is still to be checked.
struct Bearer {
    std::int64_t user_id = 0;
    std::string session_id;
    bool via_cookie = false;
};

// The credentials as far as they can be checked without the database.
struct Examined {
    std::optional<Bearer> bearer;
    std::optional<http::Problem> refusal;      // without a bearer: the answer when credentials are required
    std::optional<std::string> token_refused;  // why the token failed verification, for the log
};

Examined examine(const RequestContext& ctx) {
    Examined e;
    std::optional<Credentials> cred;
    try {
        cred = credentials(ctx.req);
    } catch (const http::Problem& p) {
        e.refusal = p;
        return e;
    }
    if (!cred) {
        e.refusal = http::Problem(401, "unauthorized", "sign in first").header("WWW-Authenticate", "Bearer");
        return e;
    }
    auto outcome = ctx.app.tokens.verify(cred->token, unix_now());
    if (!outcome.ok()) {
        bool expired = outcome.error() == crypto::TokenError::expired;
        e.token_refused = outcome.reason();
        e.refusal =
            token_problem(expired ? "token_expired" : "token_invalid",
                          expired ? "the access token has expired; refresh it" : "the access token is not valid");
        return e;
    }
    const auto& claims = outcome.claims();
    std::int64_t user_id = 0;
    try {
        user_id = std::stoll(claims.sub);
    } catch (...) {
        user_id = 0;
    }
    if (user_id <= 0 || !plausible_session_id(claims.sid)) {
        e.refusal = session_ended();
        return e;
    }
    e.bearer = Bearer{user_id, claims.sid, cred->via_cookie};
    return e;
}

bool csrf_satisfied(const http::Request& req, bool via_cookie) {
    if (!via_cookie || !is_unsafe_method(req.method())) return true;
    auto header = req.header("X-CSRF-Token");
    auto cookie = req.cookie(http::kCsrfCookie);
    return header && cookie && !cookie->empty() && crypto::constant_time_equal(*header, *cookie);
}

// The roles a route admits, as a text[] literal of the fixed role names.
std::string roles_at_least(std::optional<http::Role> least) {
    std::string out = "{";
    for (int r = least ? static_cast<int>(*least) : 0; r <= static_cast<int>(http::Role::admin); ++r) {
        if (out.size() > 1) out += ',';
        out += http::role_name(static_cast<http::Role>(r));
    }
    return out + "}";
}

// Role, forced reset and CSRF, in this order. A public route serves a caller
// with a pending forced reset as anyone else (ctx.user reset).
void apply_guards(RequestContext& ctx, const http::RouteOptions& route) {
    const AuthUser& u = *ctx.user;
    bool required = route.role.has_value();
    if (route.role && static_cast<int>(u.role) < static_cast<int>(*route.role))
        throw http::Problem::forbidden(std::string("this needs the role ") + http::role_name(*route.role) +
                                       " or higher");
    if (u.password_change_required && !route.during_forced_reset && !required) {
        ctx.user.reset();
        return;
    }
    if (u.password_change_required && !route.during_forced_reset)
        throw http::Problem(
            403, "password_change_required",
            "an administrator requires a new password: change it with POST /api/v1/auth/password/change");
    if (!route.csrf_in_form) check_csrf(ctx);
}

std::optional<RateHit> hit_for(const db::PgResult& r, const std::optional<RateCharge>& charge) {
    if (!charge) return std::nullopt;
    int key = r.column("rate_key");
    for (int row = 0; row < r.rows(); ++row) {
        if (!r.is_null(row, key) && r.text(row, key) == charge->key)
            return RateHit{r.int64(row, "rate_hits"), static_cast<int>(r.int64(row, "rate_reset"))};
    }
    return std::nullopt;
}

void admit_bearer(RequestContext& ctx, const http::RouteOptions& route, const Bearer& b,
                  const std::optional<RateCharge>& per_ip) {
    std::optional<RateCharge> per_user;
    if (per_ip) per_user = rate_charge(ctx.app.config, "default_user", "user:" + std::to_string(b.user_id));
    bool csrf_ok = route.csrf_in_form || csrf_satisfied(ctx.req, b.via_cookie);
    auto r = ctx.app.db.exec(
        kAdmitCaller, per_ip ? std::optional(per_ip->key) : std::nullopt, per_ip ? per_ip->rule.window_seconds : 0,
        per_ip ? per_ip->rule.limit : 0, b.session_id, b.user_id, roles_at_least(route.role), route.during_forced_reset,
        csrf_ok, per_user ? std::optional(per_user->key) : std::nullopt, per_user ? per_user->rule.window_seconds : 0);
    if (per_ip) {
        auto hit = hit_for(r, per_ip);
        if (!hit) throw std::logic_error("auth_admit_caller counted no per-IP hit");
        record_rate_hit(ctx, *per_ip, *hit);
    }
    if (r.is_null(0, 0)) {
        if (!route.role) return;
        throw session_ended();
    }
    AuthUser u;
    u.account = read_user(r, 0);
    u.id = b.user_id;
    u.role = http::parse_role(u.account.role).value_or(http::Role::guest);
    u.session_id = b.session_id;
    u.password_change_required = u.account.password_change_required;
    u.via_cookie = b.via_cookie;
    ctx.user = std::move(u);
    apply_guards(ctx, route);
    if (!ctx.user || !per_user) return;
    if (auto hit = hit_for(r, per_user)) {
        record_rate_hit(ctx, *per_user, *hit);
    } else {
        // The statement's guards judged otherwise than apply_guards (a bug):
        // count the hit on its own rather than not at all.
        log::warn("rate_limit_user_uncounted", Json::object().set("path", ctx.req.path()));
        enforce_rate_limit(ctx, *per_user);
    }
}

}  // namespace

bool is_unsafe_method(const std::string& method) {
    return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

void check_csrf(const RequestContext& ctx) {
    if (!ctx.user || csrf_satisfied(ctx.req, ctx.user->via_cookie)) return;
    throw http::Problem(403, "csrf_failed", "send the stoa_csrf cookie's value in the X-CSRF-Token header");
}

void admit(RequestContext& ctx, const http::RouteOptions& route) {
    std::optional<RateCharge> per_ip;
    if (!route.unlimited) per_ip = rate_charge(ctx.app.config, "default_ip", ctx.req.client_ip());
    bool required = route.role.has_value();
    // A read served to anyone may run its first query before the per-IP
    // verdict is in: the hit then shares that query's round trip.
    bool read = ctx.req.method() == "GET" || ctx.req.method() == "HEAD";
    auto count_per_ip = [&] {
        if (!per_ip) return;
        if (read && !required) defer_rate_limit(ctx, *per_ip);
        else enforce_rate_limit(ctx, *per_ip);
    };
    // Routes that take their credentials from the body (login, register,
    // refresh) are not cookie-authenticated: no session, no CSRF check.
    if (!required && !route.optional_auth) {
        count_per_ip();
        return;
    }
    Examined e = examine(ctx);
    if (e.bearer) {
        admit_bearer(ctx, route, *e.bearer, per_ip);
        return;
    }
    count_per_ip();
    if (!required) return;
    if (e.token_refused) log::info("token_refused", Json::object().set("reason", *e.token_refused));
    throw *e.refusal;
}

}  // namespace stoa::auth
