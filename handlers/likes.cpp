// /api/v1/likes: one like per user and target (the unique key
// likes_target_user_key decides, not a read before the write).
#include "app.h"
#include "community/target.h"
#include "community/target_store.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

constexpr db::Query kInsert{"likes_insert",
                            "INSERT INTO likes (target_id, user_id) VALUES ($1, $2) "
                            "ON CONFLICT (target_id, user_id) DO NOTHING RETURNING id"};
constexpr db::Query kDeleteOwn{"likes_delete_own", "DELETE FROM likes WHERE id = $1 AND user_id = $2"};

#define STOA_LIKE_COUNT(where)                            \
    "SELECT t.like_count, l.id FROM community_targets t " \
    "LEFT JOIN likes l ON l.target_id = t.id AND l.user_id = $2::bigint WHERE " where
constexpr db::Query kCount[] = {
    {"likes_count_by_url", STOA_LIKE_COUNT("t.url = $1")},
    {"likes_count_by_comment", STOA_LIKE_COUNT("t.comment_id = $1::bigint")},
    {"likes_count_by_project", STOA_LIKE_COUNT("t.project_id = $1::bigint")},
};

Response create_like(RequestContext& ctx) {
    auto target = community::require_target(community::target_input(http::Fields::from_json(ctx.req.json_body())),
                                            ctx.app.config);
    db::Transaction tx(ctx.app.db);
    community::require_visible_entity(ctx, target);
    auto target_id = community::ensure_target_id(ctx.app.db, target);
    auto r = ctx.app.db.exec(kInsert, target_id, ctx.caller().id);
    if (r.empty()) throw Problem::conflict("conflict", "you already like this; DELETE your like to take it back");
    tx.commit();
    Json body = Json::object();
    body.set("id", r.int64(0, 0));
    return Response::json(201, body);
}

Response delete_like(RequestContext& ctx) {
    if (ctx.app.db.exec(kDeleteOwn, ctx.req.int_param("id"), ctx.caller().id).affected() == 0)
        throw Problem::not_found("no such like of yours");
    return Response::no_content();
}

Response count_likes(RequestContext& ctx) {
    auto target = community::require_target(community::target_input(ctx.req), ctx.app.config);
    community::require_visible_entity(ctx, target);
    std::optional<std::int64_t> user_id;
    if (ctx.user) user_id = ctx.user->id;
    auto key = target.kind == community::TargetKind::page ? target.url : std::to_string(target.entity_id);
    auto r = ctx.app.db.exec(kCount[static_cast<std::size_t>(target.kind)], key, user_id);
    std::int64_t count = r.empty() ? 0 : r.int64(0, 0);
    std::optional<std::int64_t> mine = r.empty() ? std::nullopt : r.opt_int64(0, 1);
    Json body = Json::object();
    body.set("count", count)
        .set("liked_by_me", mine.has_value())
        .set("my_like_id", mine ? Json::integer(*mine) : Json::null());
    return Response::json(200, body);
}

}  // namespace

void register_like_routes(http::Router& r) {
    using http::Role;
    r.post("/api/v1/likes", create_like, http::needs(Role::user));
    r.get("/api/v1/likes/count", count_likes, http::optional_auth());
    r.del("/api/v1/likes/{id:int}", delete_like, http::needs(Role::guest));
}

}  // namespace stoa::handlers
