// Email verification and passwords: /api/v1/auth/verify-email,
// resend-verification, password/forgot, password/reset, password/change,
// and the links mailed to users (/auth/verify-email, /auth/reset-password).
#include <sodium.h>

#include "app.h"
#include "auth/audit.h"
#include "auth/email_tokens.h"
#include "auth/identity.h"
#include "auth/password_policy.h"
#include "auth/rate_limiter.h"
#include "auth/session_store.h"
#include "auth/user_record.h"
#include "crypto/token.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/problem.h"
#include "mail/outbox.h"
#include "mail/templates.h"

namespace stoa::handlers {
namespace {

using auth::EmailTokenPurpose;
using auth::EmailTokenStatus;
using http::Problem;
using http::Response;

constexpr db::Query kMarkVerified{
    "user_mark_verified",
    "UPDATE users u SET email_verified_at = coalesce(u.email_verified_at, now()), "
    " role = CASE WHEN u.role = 'guest' THEN 'user' ELSE u.role END, updated_at = now() "
    "WHERE u.id = $1 AND lower(u.email) = lower($2) RETURNING " STOA_USER_COLUMNS};
constexpr db::Query kSetPassword{
    "user_set_password",
    "UPDATE users SET password_hash = $2, password_change_required = false, failed_logins = 0, "
    " locked_until = NULL, updated_at = now() WHERE id = $1"};

std::string required_token(const http::Fields& f) {
    auto token = f.string("token");
    if (!token || token->empty()) throw Problem::validation().field("token", "required", "token is required");
    return *token;
}

Problem token_problem(EmailTokenStatus s) {
    return s == EmailTokenStatus::expired ? Problem(400, "token_expired", "the link has expired; ask for a new one")
                                          : Problem(400, "token_invalid", "the link is not valid or was already used");
}

// Verifies the address a token was mailed to; throws on a bad token.
auth::UserRecord verify_email_token(RequestContext& ctx, const std::string& token) {
    db::Transaction tx(ctx.app.db);
    auto outcome = auth::consume_email_token(ctx.app.db, token, EmailTokenPurpose::verify_email);
    if (outcome.status != EmailTokenStatus::ok) throw token_problem(outcome.status);
    auto r = ctx.app.db.exec(kMarkVerified, outcome.user_id, outcome.email);
    // The address changed since the mail was sent: the token proves nothing now.
    if (r.empty()) throw token_problem(EmailTokenStatus::invalid);
    auto user = auth::read_user(r, 0);
    auth::record_event(ctx, user.id, "email_verified");
    tx.commit();
    return user;
}

// API.md names the field of every password rule "password", whatever the
// body field is called (new_password here).
void check_new_password(const std::string& password, const auth::UserRecord& user) {
    if (!auth::valid_utf8(password)) throw Problem::bad_request("new_password must be valid UTF-8");
    http::Validation v;
    for (const auto& violation : auth::check_password(password, user.username, user.email))
        v.add("password", violation.code, violation.message);
    v.throw_if_any();
}

std::string hash_or_throw(RequestContext& ctx, std::string& password) {
    auto hash = ctx.app.hasher.hash(password);
    sodium_memzero(password.data(), password.size());
    if (!hash) throw std::runtime_error("password hashing failed: " + hash.error());
    return std::move(hash).value();
}

Response verify_email_route(RequestContext& ctx) {
    auto user = verify_email_token(ctx, required_token(http::Fields::from_json(ctx.req.json_body())));
    Json body = Json::object();
    body.set("user", auth::user_json(user));
    return Response::json(200, body);
}

// A link already used for an address that is verified now (a second click,
// or a mail scanner that opened it first) still lands on the success page.
bool already_verified_by(RequestContext& ctx, const std::string& token) {
    constexpr db::Query kUsedAndVerified{
        "email_token_used_verified",
        "SELECT 1 FROM email_tokens t JOIN users u ON u.id = t.user_id "
        "WHERE t.token_hash = $1 AND t.purpose = 'verify_email' AND t.used_at IS NOT NULL "
        "  AND u.email_verified_at IS NOT NULL AND lower(u.email) = lower(t.email)"};
    if (token.empty() || token.size() > 128) return false;
    return !ctx.app.db.exec(kUsedAndVerified, crypto::token_hash(token)).empty();
}

Response verify_email_link(RequestContext& ctx) {
    std::string token = ctx.req.query("token").value_or("");
    try {
        verify_email_token(ctx, token);
        return Response::redirect(303, "/stoa/verified.html");
    } catch (const Problem&) {
        return Response::redirect(303, already_verified_by(ctx, token) ? "/stoa/verified.html" : "/stoa/verify-failed.html");
    }
}

Response reset_password_link(RequestContext& ctx) {
    std::string token = ctx.req.query("token").value_or("");
    bool plausible = !token.empty() && token.size() <= 128 &&
                     token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                         std::string::npos;
    // The token travels in the fragment, so it never reaches logs or Referer headers.
    Response res = Response::redirect(303, plausible ? "/stoa/reset-password.html#token=" + token
                                                     : std::string("/stoa/reset-password.html#error=token_invalid"));
    res.header("Referrer-Policy", "no-referrer");
    return res;
}

// The per-account resend limit must not answer 429: that would tell which
// addresses have accounts. Past it, the request is accepted and nothing sent.
bool within_resend_limit(RequestContext& ctx, std::int64_t user_id) {
    auto per_ip = ctx.rate;
    try {
        auth::enforce_rate_limit(ctx, "verify_account", "user:" + std::to_string(user_id));
        ctx.rate = per_ip;  // the headers describe the per-IP limit only
        return true;
    } catch (const Problem& p) {
        if (p.status() != 429) throw;
        ctx.rate = per_ip;
        return false;
    }
}

// Answers 202 whatever the address, so it reveals no accounts.
Response resend_verification(RequestContext& ctx) {
    auto fields = http::Fields::from_json(ctx.req.json_body());
    auto email = auth::normalize_email(fields.string("email").value_or(""));
    if (!email) throw Problem::validation().field("email", "invalid", "email: an address like name@example.org");
    auto user = auth::find_user_by_login(ctx.app.db, *email);
    if (user && !user->email_verified && within_resend_limit(ctx, user->id)) {
        db::Transaction tx(ctx.app.db);
        std::string token = auth::issue_email_token(ctx.app.db, user->id, EmailTokenPurpose::verify_email, user->email,
                                                    auth::kVerifyTokenTtl);
        mail::enqueue(ctx.app.db, ctx.app.config, mail::verification_mail(ctx.app.config, user->email, user->username, token));
        auth::record_event(ctx, user->id, "verification_resent");
        tx.commit();
    }
    Json body = Json::object();
    body.set("status", "accepted");
    return Response::json(202, body);
}

Response forgot_password(RequestContext& ctx) {
    auto fields = http::Fields::from_json(ctx.req.json_body());
    auto email = auth::normalize_email(fields.string("email").value_or(""));
    if (!email) throw Problem::validation().field("email", "invalid", "email: an address like name@example.org");
    auth::enforce_rate_limit(ctx, "password_ip", ctx.req.client_ip());
    auto user = auth::find_user_by_login(ctx.app.db, *email);
    if (user) {
        db::Transaction tx(ctx.app.db);
        std::string token = auth::issue_email_token(ctx.app.db, user->id, EmailTokenPurpose::password_reset,
                                                    user->email, auth::kResetTokenTtl);
        mail::enqueue(ctx.app.db, ctx.app.config,
                      mail::password_reset_mail(ctx.app.config, user->email, user->username, token));
        auth::record_event(ctx, user->id, "password_reset_requested");
        tx.commit();
    }
    Json body = Json::object();
    body.set("status", "accepted");
    return Response::json(202, body);
}

Response reset_password(RequestContext& ctx) {
    auth::enforce_rate_limit(ctx, "password_ip", ctx.req.client_ip());
    auto fields = http::Fields::from_json(ctx.req.json_body());
    std::string token = required_token(fields);
    auto password = fields.string("new_password");
    if (!password || password->empty())
        throw Problem::validation().field("new_password", "required", "new_password is required");
    auto peek = auth::peek_email_token(ctx.app.db, token, EmailTokenPurpose::password_reset);
    if (peek.status != EmailTokenStatus::ok) throw token_problem(peek.status);
    auto user = auth::find_user_by_id(ctx.app.db, peek.user_id);
    if (!user) throw token_problem(EmailTokenStatus::invalid);
    check_new_password(*password, *user);
    std::string hash = hash_or_throw(ctx, *password);

    db::Transaction tx(ctx.app.db);
    auto used = auth::consume_email_token(ctx.app.db, token, EmailTokenPurpose::password_reset);
    if (used.status != EmailTokenStatus::ok) throw token_problem(used.status);
    ctx.app.db.exec(kSetPassword, user->id, hash);
    auth::revoke_user_sessions(ctx.app.db, user->id, "", "password_reset");
    mail::enqueue(ctx.app.db, ctx.app.config, mail::password_changed_mail(ctx.app.config, user->email, user->username));
    auth::record_event(ctx, user->id, "password_reset");
    tx.commit();
    return Response::no_content();
}

Response change_password(RequestContext& ctx) {
    auto fields = http::Fields::from_json(ctx.req.json_body());
    auto current = fields.string("current_password");
    auto password = fields.string("new_password");
    http::Validation v;
    if (!current || current->empty()) v.add("current_password", "required", "current_password is required");
    if (!password || password->empty()) v.add("new_password", "required", "new_password is required");
    v.throw_if_any();
    auto user = auth::find_user_by_id(ctx.app.db, ctx.caller().id);
    if (!user) throw Problem(401, "token_invalid", "the account no longer exists");
    // A stolen session must not become a way to guess the password.
    auth::enforce_rate_limit(ctx, "login_account", "reauth:user:" + std::to_string(user->id));
    if (!ctx.app.hasher.verify(user->password_hash, *current)) {
        auth::record_event(ctx, user->id, "password_change_failed", Json::object().set("reason", "bad_password"));
        throw Problem(401, "invalid_credentials", "the current password is wrong");
    }
    if (*current == *password)
        throw Problem::validation().field("new_password", "unchanged", "the new password must differ from the current one");
    check_new_password(*password, *user);
    std::string hash = hash_or_throw(ctx, *password);

    db::Transaction tx(ctx.app.db);
    ctx.app.db.exec(kSetPassword, user->id, hash);
    auth::revoke_user_sessions(ctx.app.db, user->id, ctx.caller().session_id, "password_changed");
    mail::enqueue(ctx.app.db, ctx.app.config, mail::password_changed_mail(ctx.app.config, user->email, user->username));
    auth::record_event(ctx, user->id, "password_changed");
    tx.commit();
    return Response::no_content();
}

}  // namespace

void register_password_and_email_routes(http::Router& r) {
    using http::Role;
    r.post("/api/v1/auth/verify-email", verify_email_route);
    r.post("/api/v1/auth/resend-verification", resend_verification);
    r.post("/api/v1/auth/password/forgot", forgot_password);
    r.post("/api/v1/auth/password/reset", reset_password);
    r.post("/api/v1/auth/password/change", change_password, http::needs(Role::guest).allowed_during_forced_reset());
    r.get("/auth/verify-email", verify_email_link);
    r.get("/auth/reset-password", reset_password_link);
}

}  // namespace stoa::handlers
