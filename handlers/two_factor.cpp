// /api/v1/auth/2fa: set up, enable and disable TOTP two-factor
// authentication. The login side is auth::check_second_factor.
#include "auth/two_factor.h"

#include <sodium.h>

#include "app.h"
#include "auth/audit.h"
#include "auth/rate_limiter.h"
#include "auth/user_record.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/problem.h"
#include "mail/outbox.h"
#include "mail/templates.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

constexpr const char* kSetupPath = "/api/v1/auth/2fa/setup";
constexpr const char* kEnablePath = "/api/v1/auth/2fa/enable";
constexpr const char* kDisablePath = "/api/v1/auth/2fa/disable";

auth::UserRecord caller_record(RequestContext& ctx) {
    auto user = auth::find_user_by_id(ctx.app.db, ctx.caller().id);
    if (!user) throw Problem(401, "token_invalid", "the account no longer exists");
    return std::move(*user);
}

std::string required(http::Validation& v, const std::optional<std::string>& value, const char* field,
                     const char* message) {
    if (!value || value->empty()) {
        v.add(field, "required", message);
        return {};
    }
    return *value;
}

// The "two-factor was enabled/disabled" notice, queued in the caller's transaction.
void queue_two_factor_mail(RequestContext& ctx, const auth::UserRecord& user, bool enabled) {
    mail::enqueue(ctx.app.db, ctx.app.config,
                  mail::two_factor_mail(ctx.app.config, user.email, user.username, enabled));
}

Response setup_two_factor(RequestContext& ctx) {
    auto user = caller_record(ctx);
    db::Transaction tx(ctx.app.db);
    auto enrolment = auth::store_pending_secret(ctx, user.id, user.username);
    if (!enrolment)
        throw Problem::conflict("conflict",
                                "two-factor authentication is already enabled; disable it first to "
                                "enrol a new authenticator");
    auth::record_event(ctx, user.id, "2fa_setup");
    tx.commit();
    Json body = Json::object();
    body.set("secret", enrolment->secret).set("otpauth_uri", enrolment->otpauth_uri).set("qr_svg", enrolment->qr_svg);
    Response res = Response::json(200, body);
    res.header("Cache-Control", "no-store");
    return res;
}

Response enable_two_factor(RequestContext& ctx) {
    auto fields = http::Fields::from_json(ctx.req.json_body());
    http::Validation v;
    std::string code = required(v, fields.string("code"), "code", "code is required: the 6 digits the app shows");
    v.throw_if_any();

    auto user = caller_record(ctx);
    db::Transaction tx(ctx.app.db);
    auto outcome = auth::activate_pending_secret(ctx, user.id, code);
    switch (outcome.status) {
        case auth::EnableStatus::already_enabled:
            throw Problem::conflict("conflict", "two-factor authentication is already enabled");
        case auth::EnableStatus::no_pending_setup:
            throw Problem::conflict("conflict", "no two-factor setup is pending: call POST " + std::string(kSetupPath) +
                                                    " first, then enable with a code from the app");
        case auth::EnableStatus::invalid_code:
            throw Problem::validation().field("code", "invalid_totp",
                                              "code: not the current 6-digit code of the secret from setup (check "
                                              "the device clock)");
        case auth::EnableStatus::enabled:
            break;
    }
    auth::record_event(ctx, user.id, "2fa_enabled");
    queue_two_factor_mail(ctx, user, true);
    tx.commit();

    Json codes = Json::array();
    for (const auto& c : outcome.backup_codes) codes.push(Json::string(c));
    Json body = Json::object();
    body.set("backup_codes", std::move(codes));
    Response res = Response::json(200, body);
    res.header("Cache-Control", "no-store");
    return res;
}

Response disable_two_factor(RequestContext& ctx) {
    auto fields = http::Fields::from_json(ctx.req.json_body());
    http::Validation v;
    std::string password = required(v, fields.string("password"), "password", "password is required");
    std::string code =
        required(v, fields.string("code"), "code", "code is required: a 6-digit code from the app or a backup code");
    v.throw_if_any();

    auto user = caller_record(ctx);
    if (!user.totp_enabled) throw Problem::conflict("conflict", "two-factor authentication is not enabled");
    // Password and code guesses from a stolen session are limited like logins of the account.
    auth::enforce_rate_limit(ctx, "login_account", "2fa_disable:user:" + std::to_string(user.id));
    bool password_ok = ctx.app.hasher.verify(user.password_hash, password);
    sodium_memzero(password.data(), password.size());
    if (!password_ok) {
        auth::record_event(ctx, user.id, "2fa_disable_failed", Json::object().set("reason", "bad_password"));
        throw Problem(401, "invalid_credentials", "the password is wrong");
    }

    bool disabled = false;
    {
        db::Transaction tx(ctx.app.db);
        // The code is consumed in this transaction: a parallel request with it waits, then fails.
        if (auth::consume_second_factor(ctx, user.id, code)) {
            if (!auth::remove_second_factor(ctx, user.id))
                throw Problem::conflict("conflict", "two-factor authentication is not enabled");
            auth::record_event(ctx, user.id, "2fa_disabled");
            queue_two_factor_mail(ctx, user, false);
            tx.commit();
            disabled = true;
        }
    }
    if (!disabled) {
        auth::record_event(ctx, user.id, "2fa_disable_failed", Json::object().set("reason", "invalid_totp"));
        throw Problem(401, "invalid_totp", "the code is wrong or was already used");
    }
    return Response::no_content();
}

}  // namespace

void register_two_factor_routes(http::Router& r) {
    using http::Role;
    r.post(kSetupPath, setup_two_factor, http::needs(Role::guest));
    r.post(kEnablePath, enable_two_factor, http::needs(Role::guest));
    r.post(kDisablePath, disable_two_factor, http::needs(Role::guest));
}

}  // namespace stoa::handlers
