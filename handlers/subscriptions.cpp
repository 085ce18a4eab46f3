// /api/v1/subscriptions: mail about new comments on a target. Every mail
// carries a one-click unsubscribe link (handlers/unsubscribe.cpp).
#include "app.h"
#include "community/target.h"
#include "community/target_store.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/pagination.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

constexpr db::Query kInsert{"subscriptions_insert",
                            "INSERT INTO comment_subscriptions (target_id, user_id) VALUES ($1, $2) "
                            "ON CONFLICT (target_id, user_id) DO NOTHING RETURNING id, " STOA_SQL_TS("created_at")};
constexpr db::Query kList{
    "subscriptions_list",
    "SELECT s.id, " STOA_SQL_TS(
        "s.created_at") ", " STOA_TARGET_COLUMNS
                        " FROM comment_subscriptions s JOIN community_targets t ON t.id = s.target_id "
                        "WHERE s.user_id = $1 ORDER BY s.id DESC LIMIT $2 OFFSET $3"};
constexpr db::Query kCount{"subscriptions_count", "SELECT count(*) FROM comment_subscriptions WHERE user_id = $1"};
constexpr db::Query kDeleteOwn{"subscriptions_delete_own",
                               "DELETE FROM comment_subscriptions WHERE id = $1 AND user_id = $2"};

Json subscription_json(std::int64_t id, const std::string& created_at, const community::Target& t) {
    Json j = Json::object();
    j.set("id", id).set("target", community::target_json(t)).set("created_at", created_at);
    return j;
}

Response subscribe(RequestContext& ctx) {
    auto target = community::require_target(community::target_input(http::Fields::from_json(ctx.req.json_body())),
                                            ctx.app.config);
    db::Transaction tx(ctx.app.db);
    community::require_visible_entity(ctx, target);
    auto target_id = community::ensure_target_id(ctx.app.db, target);
    auto r = ctx.app.db.exec(kInsert, target_id, ctx.caller().id);
    if (r.empty()) throw Problem::conflict("conflict", "you are already subscribed to this");
    tx.commit();
    return Response::json(201, subscription_json(r.int64(0, 0), r.str(0, 1), target));
}

Response list_subscriptions(RequestContext& ctx) {
    auto page = http::read_page(ctx.req);
    auto r = ctx.app.db.exec(kList, ctx.caller().id, page.per_page, page.offset());
    auto total = ctx.app.db.exec(kCount, ctx.caller().id).int64(0, 0);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i)
        items.push(subscription_json(r.int64(i, 0), r.str(i, 1), community::read_target_columns(r, i, 2)));
    return Response::json(200, http::page_json(std::move(items), page, total));
}

Response unsubscribe(RequestContext& ctx) {
    if (ctx.app.db.exec(kDeleteOwn, ctx.req.int_param("id"), ctx.caller().id).affected() == 0)
        throw Problem::not_found("no such subscription of yours");
    return Response::no_content();
}

}  // namespace

void register_subscription_routes(http::Router& r) {
    using http::Role;
    r.post("/api/v1/subscriptions", subscribe, http::needs(Role::user));
    r.get("/api/v1/subscriptions", list_subscriptions, http::needs(Role::guest));
    r.del("/api/v1/subscriptions/{id:int}", unsubscribe, http::needs(Role::guest));
}

}  // namespace stoa::handlers
