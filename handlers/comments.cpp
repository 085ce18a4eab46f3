// /api/v1/comments: threaded comments on a page or an entity. Listing is one
// round trip (community::load_thread: the comments, then their authors) and
// a tree built in memory; anonymous readers get the answer kept by the worker
// while the thread is unchanged (community::public_thread_page); posting is
// rate-limited per account and moderated per COMMENT_MODERATION.
#include "app.h"
#include "auth/audit.h"
#include "auth/rate_limiter.h"
#include "auth/user_record.h"
#include "community/comment_body.h"
#include "community/comment_store.h"
#include "community/comment_thread.h"
#include "community/notifications.h"
#include "community/target.h"
#include "community/target_store.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/pagination.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using community::CommentRow;
using community::CommentStatus;
using http::Problem;
using http::Response;

constexpr db::Query kAuthorFacts{
    "comments_author_facts",
    "SELECT username, extract(epoch FROM now() - created_at)::bigint, "
    "  EXISTS (SELECT 1 FROM comments WHERE author_id = $1 AND approved_at IS NOT NULL), picture_version "
    "FROM users WHERE id = $1"};
constexpr db::Query kParent{"comments_parent",
                            "SELECT target_id, status, deleted_at IS NOT NULL, author_id FROM comments WHERE id = $1"};
constexpr db::Query kInsert{"comments_insert",
                            "INSERT INTO comments (target_id, parent_id, author_id, body, status, approved_at) "
                            "VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'approved' THEN now() END) "
                            "RETURNING id, " STOA_SQL_TS("created_at")};
constexpr db::Query kEdit{"comments_edit",
                          "UPDATE comments SET body = $2, edited_at = now() WHERE id = $1 "
                          "RETURNING " STOA_SQL_TS("edited_at")};
constexpr db::Query kDelete{"comments_delete",
                            "UPDATE comments SET deleted_at = now(), deleted_by = $2, body = '' WHERE id = $1"};

// What posting needs to know about the author.
struct Author {
    std::string username;
    std::optional<std::string> picture_url;
    std::int64_t account_age_seconds = 0;
    bool has_approved_comment = false;
};

Author author_facts(RequestContext& ctx) {
    auto r = ctx.app.db.exec(kAuthorFacts, ctx.caller().id);
    if (r.empty()) throw Problem(401, "token_invalid", "the account no longer exists");
    return {r.str(0, 0), auth::picture_url(r.str(0, 0), r.opt_str(0, 3)), r.int64(0, 1), r.boolean(0, 2)};
}

bool is_moderator(const RequestContext& ctx) {
    return static_cast<int>(ctx.caller().role) >= static_cast<int>(http::Role::moderator);
}

// New accounts may post only a few links per comment (spam); moderators are trusted.
void check_links(const RequestContext& ctx, const Author& a, const std::string& body, http::Validation& v) {
    const Config& c = ctx.app.config;
    if (is_moderator(ctx) || a.account_age_seconds >= c.new_account_age_seconds) return;
    auto links = community::count_links(body);
    if (links > static_cast<std::size_t>(c.new_account_link_limit))
        v.add("body", "too_many_links",
              "body: accounts younger than " + std::to_string(c.new_account_age_seconds / 3600) +
                  " hours may post at most " + std::to_string(c.new_account_link_limit) + " links per comment (found " +
                  std::to_string(links) + ")");
}

CommentStatus initial_status(const RequestContext& ctx, const Author& a) {
    if (is_moderator(ctx)) return CommentStatus::approved;
    switch (ctx.app.config.comment_moderation) {
        case CommentModeration::off:
            return CommentStatus::approved;
        case CommentModeration::first:
            return a.has_approved_comment ? CommentStatus::approved : CommentStatus::pending;
        case CommentModeration::all:
            return CommentStatus::pending;
    }
    return CommentStatus::pending;
}

std::optional<std::int64_t> read_parent_id(const http::Fields& f, http::Validation& v) {
    if (!f.has("parent_id")) return std::nullopt;
    std::optional<std::string> text;
    try {
        if (auto n = f.integer("parent_id")) text = std::to_string(*n);
    } catch (const Problem&) {
        text = f.string("parent_id");
    }
    if (!text) return std::nullopt;
    bool digits = !text->empty() && text->size() <= 18 && text->find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoll(*text) <= 0) {
        v.add("parent_id", "invalid", "parent_id: the id of the comment replied to");
        return std::nullopt;
    }
    return std::stoll(*text);
}

// The parent must be a comment the caller can read, on the same target.
void check_parent(RequestContext& ctx, std::int64_t parent_id, std::int64_t target_id) {
    auto r = ctx.app.db.exec(kParent, parent_id);
    CommentRow p;
    if (!r.empty()) {
        p.status = community::parse_comment_status(r.text(0, 1)).value_or(CommentStatus::rejected);
        p.deleted = r.boolean(0, 2);
        p.author_id = r.opt_int64(0, 3);
    }
    if (r.empty() || !community::readable_by(p, community::viewer_of(ctx)))
        throw Problem::validation().field("parent_id", "not_found", "parent_id: no such comment to reply to");
    if (r.int64(0, 0) != target_id)
        throw Problem::validation().field("parent_id", "other_target",
                                          "parent_id: the comment replied to is on another target");
}

Response list_comments(RequestContext& ctx) {
    auto target = community::require_target(community::target_input(ctx.req), ctx.app.config);
    auto page = http::read_page(ctx.req);
    auto sort = community::parse_thread_sort(ctx.req.query("sort").value_or("oldest"));
    if (!sort) throw Problem::bad_request("sort: oldest, newest or top");
    community::require_visible_entity(ctx, target);
    if (!ctx.user)
        return Response(200, "application/json",
                        community::public_thread_page(ctx.app.db, ctx.app.answers, target, *sort, page.page,
                                                      page.per_page));
    auto rows = community::load_thread(ctx.app.db, target, *sort == community::ThreadSort::top);
    auto threads = community::build_thread_page(rows, community::viewer_of(ctx), *sort, page.offset(), page.per_page);
    return Response(200, "application/json", community::thread_page_json(threads, page.page, page.per_page));
}

Response create_comment(RequestContext& ctx) {
    auto f = http::Fields::from_json(ctx.req.json_body());
    http::Validation v;
    auto target = community::read_target(community::target_input(f), ctx.app.config, v);
    auto body = f.string("body");
    if (!body)
        v.add("body", "required", "body: 1 to 10000 characters of plain text");
    else
        community::check_comment_body(v, *body);
    auto parent_id = read_parent_id(f, v);
    v.throw_if_any();
    Author author = author_facts(ctx);
    check_links(ctx, author, *body, v);
    v.throw_if_any();
    // Outside the transaction, so the hit counts even when posting fails.
    auth::enforce_rate_limit(ctx, "comment_user", "user:" + std::to_string(ctx.caller().id));

    db::Transaction tx(ctx.app.db);
    community::require_visible_entity(ctx, *target);
    auto target_id = community::ensure_target_id(ctx.app.db, *target);
    if (parent_id) check_parent(ctx, *parent_id, target_id);
    CommentStatus status = initial_status(ctx, author);
    auto r =
        ctx.app.db.exec(kInsert, target_id, parent_id, ctx.caller().id, *body, community::comment_status_name(status));
    CommentRow c;
    c.id = r.int64(0, 0);
    c.created_at = r.str(0, 1);
    c.parent_id = parent_id;
    c.author_id = ctx.caller().id;
    c.author_username = author.username;
    c.author_picture_url = author.picture_url;
    c.body = *body;
    c.status = status;
    if (status == CommentStatus::approved)
        community::notify_new_comment(ctx, c.id);
    else
        community::notify_moderators(ctx, c.id);
    tx.commit();
    return Response::json(201, community::comment_json(c, community::viewer_of(ctx)));
}

Response edit_comment(RequestContext& ctx) {
    auto f = http::Fields::from_json(ctx.req.json_body());
    http::Validation v;
    auto body = f.string("body");
    if (!body)
        v.add("body", "required", "body: 1 to 10000 characters of plain text");
    else
        community::check_comment_body(v, *body);
    v.throw_if_any();
    Author author = author_facts(ctx);
    check_links(ctx, author, *body, v);
    v.throw_if_any();

    db::Transaction tx(ctx.app.db);
    auto stored = community::load_comment(ctx.app.db, ctx.req.int_param("id"), true);
    if (!stored || !community::readable_by(stored->row, community::viewer_of(ctx)))
        throw Problem::not_found("no such comment");
    CommentRow c = stored->row;
    if (c.author_id != ctx.caller().id) throw Problem::forbidden("only the author may edit a comment");
    int window = ctx.app.config.comment_edit_window_seconds;
    if (stored->age_seconds >= window)
        throw Problem::forbidden("a comment can be edited for " + std::to_string(window / 60) +
                                 " minutes after posting; that time has passed");
    c.edited_at = ctx.app.db.exec(kEdit, c.id, *body).str(0, 0);
    c.body = *body;
    tx.commit();
    return Response::json(200, community::comment_json(c, community::viewer_of(ctx)));
}

Response delete_comment(RequestContext& ctx) {
    db::Transaction tx(ctx.app.db);
    auto stored = community::load_comment(ctx.app.db, ctx.req.int_param("id"), true);
    if (!stored || stored->row.deleted) throw Problem::not_found("no such comment");
    const CommentRow& c = stored->row;
    bool own = c.author_id == ctx.caller().id;
    if (!own && !is_moderator(ctx)) {
        if (!community::readable_by(c, community::viewer_of(ctx))) throw Problem::not_found("no such comment");
        throw Problem::forbidden("only the author, a moderator or an admin may delete a comment");
    }
    ctx.app.db.exec(kDelete, c.id, ctx.caller().id);
    if (!own)
        auth::record_event(ctx, c.author_id, "comment_deleted", Json::object().set("comment_id", c.id),
                           ctx.caller().id);
    tx.commit();
    return Response::no_content();
}

}  // namespace

void register_comment_routes(http::Router& r) {
    using http::Role;
    r.get("/api/v1/comments", list_comments, http::optional_auth());
    r.post("/api/v1/comments", create_comment, http::needs(Role::user));
    r.patch("/api/v1/comments/{id:int}", edit_comment, http::needs(Role::user));
    r.del("/api/v1/comments/{id:int}", delete_comment, http::needs(Role::guest));
}

}  // namespace stoa::handlers
