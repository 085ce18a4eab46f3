// /api/v1/account/notifications: which notification mails the caller gets
// (reply mails; for moderators, mails about waiting comments). The same
// switches the unsubscribe links in those mails turn off.
#include "app.h"
#include "auth/audit.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

constexpr db::Query kRead{"notification_settings_read",
                          "SELECT notify_replies, notify_moderation FROM users WHERE id = $1"};
constexpr db::Query kUpdate{"notification_settings_update",
                            "UPDATE users u SET notify_replies = coalesce($2, u.notify_replies), "
                            " notify_moderation = coalesce($3, u.notify_moderation), updated_at = now() "
                            "WHERE u.id = $1 RETURNING notify_replies, notify_moderation"};

Response settings_json(const db::PgResult& r) {
    if (r.empty()) throw Problem(401, "token_invalid", "the account no longer exists");
    Json body = Json::object();
    body.set("notify_replies", r.boolean(0, 0)).set("notify_moderation", r.boolean(0, 1));
    return Response::json(200, body);
}

Response read_settings(RequestContext& ctx) {
    return settings_json(ctx.app.db.exec(kRead, ctx.caller().id));
}

Response update_settings(RequestContext& ctx) {
    auto f = http::Fields::from_json(ctx.req.json_body());
    auto replies = f.boolean("notify_replies");
    auto moderation = f.boolean("notify_moderation");
    if (!replies && !moderation)
        throw Problem::validation().field("notify_replies", "required", "send notify_replies and/or notify_moderation");
    auto r = ctx.app.db.exec(kUpdate, ctx.caller().id, replies, moderation);
    Json detail = Json::object();
    if (replies) detail.set("notify_replies", *replies);
    if (moderation) detail.set("notify_moderation", *moderation);
    auth::record_event(ctx, ctx.caller().id, "notification_settings_changed", detail);
    return settings_json(r);
}

}  // namespace

void register_notification_setting_routes(http::Router& r) {
    using http::Role;
    r.get("/api/v1/account/notifications", read_settings, http::needs(Role::guest));
    r.patch("/api/v1/account/notifications", update_settings, http::needs(Role::guest));
}

}  // namespace stoa::handlers
