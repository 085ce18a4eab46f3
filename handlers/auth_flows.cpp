#include "handlers/auth_flows.h"

#include <sodium.h>

#include "auth/audit.h"
#include "auth/email_tokens.h"
#include "auth/identity.h"
#include "auth/password_policy.h"
#include "auth/rate_limiter.h"
#include "auth/two_factor.h"
#include "auth/session_store.h"
#include "crypto/token.h"
#include "db/errors.h"
#include "http/cookies.h"
#include "http/problem.h"
#include "log/log.h"
#include "mail/outbox.h"
#include "mail/templates.h"
#include "util/text.h"
#include "util/time.h"

namespace stoa::handlers {
namespace {

constexpr db::Query kInsertUser{
    "user_insert",
    "INSERT INTO users AS u (username, email, password_hash, first_name, last_name) VALUES ($1, $2, $3, $4, $5) "
    "RETURNING " STOA_USER_COLUMNS};
constexpr db::Query kLoginFailed{
    "user_login_failed",
    "UPDATE users u SET "
    " failed_logins = CASE WHEN u.failed_logins + 1 >= $2 THEN 0 ELSE u.failed_logins + 1 END, "
    " locked_until = CASE WHEN u.failed_logins + 1 >= $2 THEN now() + make_interval(secs => $3::int) "
    "                ELSE u.locked_until END "
    "WHERE u.id = $1 RETURNING u.locked_until > now()"};

// Before the hash, one round trip: the hit on login_ip ($1-$3) and, under
// that limit only, the account ($4: a normalised email or username, NULL if
// none) and the hit on login_account, keyed by the account found ($7 || id)
// or else by what was typed ($5): unknown logins count too, so a 429
// reveals nothing.
#define STOA_LOGIN_ADMIT(match)                                                                              \
    "WITH ip_hit AS ("                                                                                       \
    STOA_SQL_RATE_LIMIT_HIT("(SELECT $1::text AS key, $2::int AS window_seconds)")                           \
    "), found AS ("                                                                                          \
    " SELECT " STOA_USER_COLUMNS " FROM users u"                                                             \
    " WHERE " match " = $4::text AND (SELECT hits FROM ip_hit) <= $3::int"                                   \
    "), account_hit AS ("                                                                                    \
    STOA_SQL_RATE_LIMIT_HIT("(SELECT coalesce((SELECT $7::text || f.id FROM found f), $5::text) AS key,"     \
                            " $6::int AS window_seconds WHERE (SELECT hits FROM ip_hit) <= $3::int)")        \
    ") "                                                                                                     \
    "SELECT found.*, i.hits AS ip_hits, i.reset AS ip_reset, a.hits AS account_hits, a.reset AS account_reset " \
    "FROM ip_hit i LEFT JOIN found ON true LEFT JOIN account_hit a ON true"
constexpr db::Query kLoginAdmitByEmail{"login_admit_email", STOA_LOGIN_ADMIT("lower(u.email)")};
constexpr db::Query kLoginAdmitByUsername{"login_admit_username", STOA_LOGIN_ADMIT("lower(u.username)")};

// After the hash, one transaction: the failure count reset, last_login_at,
// the new hash if the parameters changed ($2), the session with its first
// refresh token, and the login_ok event.
constexpr db::Query kLoginComplete{
    "login_complete",
    "WITH signed_in AS ("
    " UPDATE users u SET failed_logins = 0, locked_until = NULL, last_login_at = now(),"
    "  password_hash = coalesce($2, u.password_hash) WHERE u.id = $1 RETURNING " STOA_USER_COLUMNS_WITHOUT_HASH
    "), " STOA_SQL_SESSION_START("(SELECT id AS user_id FROM signed_in)", "$3", "$4", "$5", "$6") ", logged AS ("
    STOA_SQL_AUDIT_INSERT
    " SELECT $1, NULL, 'login_ok', jsonb_build_object('session_id', session.id, 'rehashed', $2::text IS NOT NULL),"
    "  $4, $5, $7 FROM session"
    ") "
    "SELECT signed_in.*, session.id AS session_id FROM signed_in, session"};

constexpr std::size_t kMaxPasswordBytes = 1024;

// Names are shown to others: printable text only, at most 100 characters.
void check_name(http::Validation& v, const char* field, const std::optional<std::string>& value) {
    if (!value) return;
    if (!auth::valid_utf8(*value)) {
        v.add(field, "invalid", "must be valid UTF-8 text");
        return;
    }
    if (utf8_length(*value) > 100) v.add(field, "too_long", "at most 100 characters");
    for (char ch : *value) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
            v.add(field, "invalid", "must not contain control characters");
            break;
        }
    }
}

std::string required_or_flag(http::Validation& v, const std::optional<std::string>& value, const char* field) {
    if (!value || value->empty()) {
        v.add(field, "required", std::string(field) + " is required");
        return {};
    }
    return *value;
}

}  // namespace

auth::UserRecord register_account(RequestContext& ctx, const http::Fields& fields) {
    http::Validation v;
    auto username_in = fields.string("username");
    auto email_in = fields.string("email");
    auto password_in = fields.string("password");
    auto first_name = fields.string("first_name");
    auto last_name = fields.string("last_name");

    std::string username = required_or_flag(v, username_in, "username");
    std::string email = required_or_flag(v, email_in, "email");
    std::string password = required_or_flag(v, password_in, "password");
    std::optional<std::string> norm_username, norm_email;
    if (!username.empty()) {
        norm_username = auth::normalize_username(username);
        if (!norm_username) v.add("username", "invalid", std::string("username: ") + auth::kUsernameRule);
    }
    if (!email.empty()) {
        norm_email = auth::normalize_email(email);
        if (!norm_email) v.add("email", "invalid", "email: an address like name@example.org, at most 254 characters");
    }
    if (!password.empty()) {
        if (!auth::valid_utf8(password)) throw http::Problem::bad_request("password must be valid UTF-8");
        for (const auto& violation :
             auth::check_password(password, norm_username.value_or(username), norm_email.value_or(email)))
            v.add("password", violation.code, violation.message);
    }
    check_name(v, "first_name", first_name);
    check_name(v, "last_name", last_name);
    v.throw_if_any();

    auth::enforce_rate_limit(ctx, "register_ip", ctx.req.client_ip());
    auto hash = ctx.app.hasher.hash(password);
    sodium_memzero(password.data(), password.size());
    if (!hash) throw std::runtime_error("password hashing failed: " + hash.error());

    auth::UserRecord user;
    db::Transaction tx(ctx.app.db);
    try {
        auto r = ctx.app.db.exec(kInsertUser, *norm_username, *norm_email, *hash, first_name.value_or(""),
                                 last_name.value_or(""));
        user = auth::read_user(r, 0);
    } catch (const db::DbError& e) {
        if (!e.unique_violation()) throw;
        if (e.constraint == "users_email_key")
            throw http::Problem::conflict("email_taken", "an account with this email exists");
        throw http::Problem::conflict("username_taken", "this username is taken");
    }
    auth::record_event(ctx, user.id, "register");
    std::string token = auth::issue_email_token(ctx.app.db, user.id, auth::EmailTokenPurpose::verify_email, user.email,
                                                auth::kVerifyTokenTtl);
    mail::enqueue(ctx.app.db, ctx.app.config, mail::verification_mail(ctx.app.config, user.email, user.username, token));
    tx.commit();
    return user;
}

SignedIn login(RequestContext& ctx, const http::Fields& fields) {
    const Config& cfg = ctx.app.config;
    auto per_ip = auth::rate_charge(cfg, "login_ip", ctx.req.client_ip());
    http::Validation v;
    std::string login_in = required_or_flag(v, fields.string("login"), "login");
    std::string password = required_or_flag(v, fields.string("password"), "password");
    if (!v.empty()) {
        auth::enforce_rate_limit(ctx, per_ip);  // over the limit, 429 comes first
        v.throw_if_any();
    }

    auto invalid = [] { return http::Problem(401, "invalid_credentials", "wrong login or password"); };
    bool by_email = login_in.find('@') != std::string::npos;
    std::optional<std::string> norm = by_email ? auth::normalize_email(login_in) : auth::normalize_username(login_in);
    auto unknown = auth::rate_charge(cfg, "login_account", "login:" + norm.value_or(login_in).substr(0, 254));
    auto admitted = ctx.app.db.exec(by_email ? kLoginAdmitByEmail : kLoginAdmitByUsername, per_ip.key,
                                    per_ip.rule.window_seconds, per_ip.rule.limit, norm, unknown.key,
                                    unknown.rule.window_seconds, auth::rate_charge(cfg, "login_account", "user:").key);
    auth::record_rate_hit(ctx, per_ip,
                          auth::RateHit{admitted.int64(0, "ip_hits"), static_cast<int>(admitted.int64(0, "ip_reset"))});
    std::optional<auth::UserRecord> user;
    if (!admitted.is_null(0, 0)) user = auth::read_user(admitted, 0);
    auth::record_rate_hit(
        ctx, unknown,  // the same rule whichever counter it went to
        auth::RateHit{admitted.int64(0, "account_hits"), static_cast<int>(admitted.int64(0, "account_reset"))});
    if (!user || password.size() > kMaxPasswordBytes) {
        // Same cost as a wrong password, so timing does not reveal accounts.
        ctx.app.hasher.verify_dummy(password);
        auth::record_event(ctx, user ? std::optional(user->id) : std::nullopt, "login_failed",
                           Json::object().set("reason", user ? "password_too_long" : "unknown_user"));
        throw invalid();
    }
    if (user->locked_seconds_left) {
        auth::record_event(ctx, user->id, "login_failed", Json::object().set("reason", "locked"));
        std::string wait = std::to_string(*user->locked_seconds_left);
        throw http::Problem(423, "account_locked", "too many failed logins; try again in " + wait + " seconds")
            .header("Retry-After", wait);
    }
    if (!ctx.app.hasher.verify(user->password_hash, password)) {
        auto r = ctx.app.db.exec(kLoginFailed, user->id, cfg.lockout_threshold, cfg.lockout_seconds);
        auth::record_event(ctx, user->id, "login_failed", Json::object().set("reason", "bad_password"));
        if (!r.empty() && r.boolean(0, 0)) {
            auth::record_event(ctx, user->id, "lockout", Json::object().set("seconds", cfg.lockout_seconds));
            mail::enqueue(ctx.app.db, cfg,
                          mail::lockout_mail(cfg, user->email, user->username, (cfg.lockout_seconds + 59) / 60));
        }
        throw invalid();
    }
    if (user->totp_enabled) auth::check_second_factor(ctx, *user, fields);
    if (cfg.require_email_verification && !user->email_verified) {
        auth::record_event(ctx, user->id, "login_failed", Json::object().set("reason", "email_not_verified"));
        throw http::Problem(403, "email_not_verified", "verify your email address first");
    }
    std::optional<std::string> new_hash;
    if (ctx.app.hasher.needs_rehash(user->password_hash)) {
        auto h = ctx.app.hasher.hash(password);
        if (h) new_hash = std::move(h).value();
    }
    sodium_memzero(password.data(), password.size());

    SignedIn s;
    s.refresh_token = crypto::random_token(32);
    auto r = ctx.app.db.exec(kLoginComplete, user->id, new_hash, cfg.refresh_token_ttl, ctx.req.client_ip(),
                             auth::recorded_user_agent(ctx), crypto::token_hash(s.refresh_token), ctx.req.request_id());
    auth::log_event(user->id, "login_ok");
    s.user = auth::read_user(r, 0);
    s.session_id = r.str(0, "session_id");
    s.access_token = ctx.app.jwt.sign(ctx.app.jwt.claims_for(std::to_string(s.user.id), s.user.role, s.session_id,
                                                             unix_now(), cfg.access_token_ttl));
    if (cfg.mail_new_sign_in)
        mail::enqueue(ctx.app.db, cfg,
                      mail::new_sign_in_mail(cfg, s.user.email, s.user.username, ctx.req.client_ip(),
                                             clean_header_text(ctx.req.header("User-Agent").value_or(""), 200)));
    return s;
}

SignedIn refresh(RequestContext& ctx, const std::string& refresh_token) {
    auto outcome =
        auth::rotate_refresh(ctx, refresh_token, auth::rate_charge(ctx.app.config, "refresh_ip", ctx.req.client_ip()));
    switch (outcome.status) {
        case auth::RotateStatus::invalid:
            throw http::Problem(401, "token_invalid", "the refresh token is not valid; sign in again");
        case auth::RotateStatus::expired:
            throw http::Problem(401, "token_expired", "the refresh token has expired; sign in again");
        case auth::RotateStatus::reused:
            auth::record_event(ctx, outcome.user_id, "refresh_token_reused",
                               Json::object().set("session_id", outcome.session_id));
            throw http::Problem(401, "token_reused",
                                "this refresh token was already used; the session has been revoked for safety");
        case auth::RotateStatus::password_change_required:
            throw http::Problem(403, "password_change_required",
                                "an administrator requires a new password: change it with POST /api/v1/auth/password/change");
        case auth::RotateStatus::rotated: break;
    }
    SignedIn s;
    s.session_id = outcome.session_id;
    s.refresh_token = outcome.refresh_token;
    s.access_token = ctx.app.jwt.sign(ctx.app.jwt.claims_for(std::to_string(outcome.user.id), outcome.user.role,
                                                             s.session_id, unix_now(), ctx.app.config.access_token_ttl));
    s.user = std::move(outcome.user);
    return s;
}

// The session named by an access token we signed that has expired since
// (its cookie outlives it, so a late logout still ends the session).
std::optional<std::pair<std::int64_t, std::string>> expired_session(const RequestContext& ctx) {
    std::optional<std::string> token = ctx.req.cookie(http::kAccessCookie);
    if (auto h = ctx.req.header("Authorization"); h && h->starts_with("Bearer ")) token = std::string(h->substr(7));
    if (!token || token->empty()) return std::nullopt;
    auto outcome = ctx.app.jwt.verify(*token, unix_now());
    if (outcome.ok() || !outcome.expired_claims()) return std::nullopt;
    try {
        return std::pair{std::stoll(outcome.expired_claims()->sub), outcome.expired_claims()->sid};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void logout(RequestContext& ctx, const std::optional<std::string>& refresh_token) {
    if (ctx.user) {
        auth::revoke_session(ctx.app.db, ctx.user->session_id, "logout");
        auth::record_event(ctx, ctx.user->id, "logout", Json::object().set("session_id", ctx.user->session_id));
        return;
    }
    if (auto expired = expired_session(ctx)) {
        constexpr db::Query kRevokeOwned{
            "logout_revoke_owned",
            "UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' "
            "WHERE id::text = $1 AND user_id = $2 AND revoked_at IS NULL"};
        if (auth::plausible_session_id(expired->second) &&
            ctx.app.db.exec(kRevokeOwned, expired->second, expired->first).affected() > 0) {
            auth::record_event(ctx, expired->first, "logout", Json::object().set("session_id", expired->second));
            return;
        }
    }
    if (!refresh_token || refresh_token->size() < 16 || refresh_token->size() > 128) return;
    constexpr db::Query kSessionOf{
        "logout_session_of",
        "UPDATE sessions s SET revoked_at = now(), revoked_reason = 'logout' FROM refresh_tokens t "
        "WHERE t.token_hash = $1 AND s.id = t.session_id AND s.revoked_at IS NULL RETURNING s.user_id, s.id"};
    auto r = ctx.app.db.exec(kSessionOf, crypto::token_hash(*refresh_token));
    if (!r.empty()) auth::record_event(ctx, r.int64(0, 0), "logout", Json::object().set("session_id", r.str(0, 1)));
}

void set_session_cookies(const RequestContext& ctx, http::Response& res, const SignedIn& s) {
    const Config& cfg = ctx.app.config;
    // The cookie outlives the token inside it (which expires on its own), so
    // a logout after the token expired still names the session to end.
    res.header("Set-Cookie", http::set_cookie({http::kAccessCookie, s.access_token, "/", cfg.refresh_token_ttl, true,
                                               cfg.cookie_secure}));
    res.header("Set-Cookie", http::set_cookie({http::kRefreshCookie, s.refresh_token, http::kRefreshCookiePath,
                                               cfg.refresh_token_ttl, true, cfg.cookie_secure}));
    // Keep a CSRF token the client already holds, so requests in flight stay valid.
    auto existing = ctx.req.cookie(http::kCsrfCookie);
    bool keep = existing && existing->size() >= 32 && existing->size() <= 64 &&
                existing->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                    std::string::npos;
    res.header("Set-Cookie", http::set_cookie({http::kCsrfCookie, keep ? *existing : crypto::random_token(32), "/",
                                               cfg.refresh_token_ttl, false, cfg.cookie_secure}));
}

void clear_session_cookies(const RequestContext& ctx, http::Response& res) {
    bool secure = ctx.app.config.cookie_secure;
    res.header("Set-Cookie", http::set_cookie({http::kAccessCookie, "", "/", 0, true, secure}));
    res.header("Set-Cookie", http::set_cookie({http::kRefreshCookie, "", http::kRefreshCookiePath, 0, true, secure}));
    res.header("Set-Cookie", http::set_cookie({http::kCsrfCookie, "", "/", 0, false, secure}));
}

http::Response token_response(const RequestContext& ctx, const SignedIn& s) {
    Json body = Json::object();
    body.set("access_token", s.access_token)
        .set("token_type", "Bearer")
        .set("expires_in", ctx.app.config.access_token_ttl)
        .set("refresh_token", s.refresh_token)
        .set("user", auth::user_json(s.user));
    http::Response res = http::Response::json(200, body);
    set_session_cookies(ctx, res, s);
    return res;
}

}  // namespace stoa::handlers
