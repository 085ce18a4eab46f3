// /auth/unsubscribe?token=: the one-click unsubscribe link of notification
// mail (RFC 8058). Works without signing in: the signed token is the
// permission. GET only shows a confirmation form (link scanners and
// prefetchers must not unsubscribe anyone); POST, from that form or from a
// mail client's List-Unsubscribe-Post, does it.
#include "app.h"
#include "auth/audit.h"
#include "community/atom_feed.h"
#include "community/unsubscribe_link.h"
#include "handlers/routes.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using community::UnsubscribePurpose;
using http::Problem;
using http::Response;

constexpr db::Query kRepliesOff{"unsubscribe_replies",
                                "UPDATE users SET notify_replies = false, updated_at = now() "
                                "WHERE id = $1 AND notify_replies RETURNING id"};
constexpr db::Query kModerationOff{"unsubscribe_moderation",
                                   "UPDATE users SET notify_moderation = false, updated_at = now() "
                                   "WHERE id = $1 AND notify_moderation RETURNING id"};
constexpr db::Query kSubscriptionOff{"unsubscribe_subscription",
                                     "DELETE FROM comment_subscriptions WHERE id = $1 RETURNING user_id"};

community::UnsubscribeGrant grant_of(const RequestContext& ctx) {
    auto token = ctx.req.query("token");
    auto grant = token ? community::verify_unsubscribe(ctx.app.config.jwt_secret, *token) : std::nullopt;
    if (!grant)
        throw Problem(400, "token_invalid", "this unsubscribe link is not valid; copy the whole link from the mail");
    return *grant;
}

const char* what(UnsubscribePurpose p) {
    switch (p) {
        case UnsubscribePurpose::replies:
            return "mails about replies to your comments";
        case UnsubscribePurpose::subscription:
            return "mails about new comments you subscribed to";
        case UnsubscribePurpose::moderation:
            return "mails about comments waiting for approval";
    }
    return "these mails";
}

Response page(const std::string& title, const std::string& body_html) {
    std::string html =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<meta name=\"robots\" content=\"noindex\"><title>" +
        community::xml_escape(title) + "</title></head>\n<body>\n<h1>" + community::xml_escape(title) + "</h1>\n" +
        body_html + "</body></html>\n";
    return Response(200, "text/html; charset=utf-8", std::move(html));
}

Response confirm(RequestContext& ctx) {
    auto grant = grant_of(ctx);
    std::string action = "/auth/unsubscribe?token=" + *ctx.req.query("token");
    return page("Unsubscribe", "<p>Stop " + std::string(what(grant.purpose)) +
                                   "?</p>\n<form method=\"post\" action=\"" + community::xml_escape(action) +
                                   "\">\n<button type=\"submit\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                                   "Unsubscribe</button>\n</form>\n");
}

Response unsubscribe(RequestContext& ctx) {
    auto grant = grant_of(ctx);
    db::Transaction tx(ctx.app.db);
    db::PgResult r;
    switch (grant.purpose) {
        case UnsubscribePurpose::replies:
            r = ctx.app.db.exec(kRepliesOff, grant.id);
            break;
        case UnsubscribePurpose::moderation:
            r = ctx.app.db.exec(kModerationOff, grant.id);
            break;
        case UnsubscribePurpose::subscription:
            r = ctx.app.db.exec(kSubscriptionOff, grant.id);
            break;
    }
    // A second click finds nothing left to change: the same answer.
    if (!r.empty())
        auth::record_event(
            ctx, r.int64(0, 0), "unsubscribed",
            Json::object().set("purpose", grant.purpose == UnsubscribePurpose::replies      ? "replies"
                                          : grant.purpose == UnsubscribePurpose::moderation ? "moderation"
                                                                                            : "subscription"));
    tx.commit();
    return page("Unsubscribed", "<p>You will get no more " + std::string(what(grant.purpose)) + ".</p>\n");
}

}  // namespace

void register_unsubscribe_routes(http::Router& r) {
    r.get("/auth/unsubscribe", confirm);
    r.post("/auth/unsubscribe", unsubscribe);
}

}  // namespace stoa::handlers
