// Comment moderation (moderator or admin): the queue of waiting and hidden
// comments, and approve / reject / hide, each written to the audit log with
// the moderator as actor.
#include "app.h"
#include "auth/audit.h"
#include "auth/user_record.h"
#include "community/comment_store.h"
#include "community/comment_thread.h"
#include "community/notifications.h"
#include "community/target_store.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/pagination.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using community::CommentStatus;
using http::Problem;
using http::Response;

constexpr db::Query kQueue{
    "moderation_queue",
    "SELECT c.id, c.parent_id, c.author_id, u.username, c.body, c.status, " STOA_SQL_TS("c.created_at") ", " STOA_SQL_TS(
        "c.edited_at") ", " STOA_TARGET_COLUMNS ", " STOA_SQL_TS("c.moderated_at") ", u.picture_version "
                       "FROM comments c JOIN community_targets t ON t.id = c.target_id "
                       "LEFT JOIN users u ON u.id = c.author_id "
                       "WHERE c.status = $1 AND c.deleted_at IS NULL ORDER BY c.created_at, c.id LIMIT $2 OFFSET $3"};
constexpr db::Query kQueueCount{"moderation_queue_count",
                                "SELECT count(*) FROM comments WHERE status = $1 AND deleted_at IS NULL"};
constexpr db::Query kSetStatus{
    "moderation_set_status",
    "UPDATE comments SET status = $2, moderated_at = now(), moderated_by = $3, "
    "  approved_at = CASE WHEN $2 = 'approved' THEN coalesce(approved_at, now()) ELSE approved_at END "
    "WHERE id = $1"};

Response queue(RequestContext& ctx) {
    auto page = http::read_page(ctx.req);
    std::string status = ctx.req.query("status").value_or("pending");
    if (status != "pending" && status != "hidden") throw Problem::bad_request("status: pending or hidden");
    auto r = ctx.app.db.exec(kQueue, status, page.per_page, page.offset());
    auto total = ctx.app.db.exec(kQueueCount, status).int64(0, 0);
    community::Viewer moderator{ctx.caller().id, true};
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) {
        community::CommentRow c;
        c.id = r.int64(i, 0);
        c.parent_id = r.opt_int64(i, 1);
        c.author_id = r.opt_int64(i, 2);
        c.author_username = r.opt_str(i, 3);
        c.body = r.str(i, 4);
        c.status = community::parse_comment_status(r.text(i, 5)).value_or(CommentStatus::pending);
        c.created_at = r.str(i, 6);
        c.edited_at = r.opt_str(i, 7);
        if (c.author_username) c.author_picture_url = auth::picture_url(*c.author_username, r.opt_str(i, 12));
        Json item = community::comment_json(c, moderator);
        json_object_del(item.get(), "replies");
        item.set("status", status)
            .set("parent_id", c.parent_id ? Json::integer(*c.parent_id) : Json::null())
            .set("target", community::target_json(community::read_target_columns(r, i, 8)))
            .set("moderated_at", Json::optional_string(r.opt_str(i, 11)));
        items.push(std::move(item));
    }
    return Response::json(200, http::page_json(std::move(items), page, total));
}

Response moderate(RequestContext& ctx, CommentStatus to, const char* event) {
    db::Transaction tx(ctx.app.db);
    auto stored = community::load_comment(ctx.app.db, ctx.req.int_param("id"), true);
    if (!stored || stored->row.deleted) throw Problem::not_found("no such comment");
    const auto& c = stored->row;
    if (c.status != to) {
        ctx.app.db.exec(kSetStatus, c.id, community::comment_status_name(to), ctx.caller().id);
        auth::record_event(ctx, c.author_id, event,
                           Json::object()
                               .set("comment_id", c.id)
                               .set("from", community::comment_status_name(c.status))
                               .set("to", community::comment_status_name(to)),
                           ctx.caller().id);
        if (to == CommentStatus::approved) community::notify_new_comment(ctx, c.id);
    }
    tx.commit();
    return Response::no_content();
}

Response approve(RequestContext& ctx) {
    return moderate(ctx, CommentStatus::approved, "comment_approved");
}
Response reject(RequestContext& ctx) {
    return moderate(ctx, CommentStatus::rejected, "comment_rejected");
}
Response hide(RequestContext& ctx) {
    return moderate(ctx, CommentStatus::hidden, "comment_hidden");
}

}  // namespace

void register_moderation_routes(http::Router& r) {
    const auto moderator = http::needs(http::Role::moderator);
    r.get("/api/v1/moderation/comments", queue, moderator);
    r.post("/api/v1/comments/{id:int}/approve", approve, moderator);
    r.post("/api/v1/comments/{id:int}/reject", reject, moderator);
    r.post("/api/v1/comments/{id:int}/hide", hide, moderator);
}

}  // namespace stoa::handlers
