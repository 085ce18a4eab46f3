#include "community/target_store.h"

#include "community/comment_store.h"
#include "http/problem.h"
#include "projects/project_store.h"

namespace stoa::community {
namespace {

constexpr db::Query kFind[] = {
    {"community_target_by_url", "SELECT id FROM community_targets WHERE url = $1"},
    {"community_target_by_comment", "SELECT id FROM community_targets WHERE comment_id = $1::bigint"},
    {"community_target_by_project", "SELECT id FROM community_targets WHERE project_id = $1::bigint"},
};
// DO UPDATE (not DO NOTHING) so that RETURNING always yields the row, also
// when a concurrent transaction created it a moment ago.
constexpr db::Query kEnsure[] = {
    {"community_target_ensure_url",
     "INSERT INTO community_targets (url) VALUES ($1) "
     "ON CONFLICT (url) WHERE url IS NOT NULL DO UPDATE SET url = EXCLUDED.url RETURNING id"},
    {"community_target_ensure_comment",
     "INSERT INTO community_targets (comment_id) VALUES ($1::bigint) "
     "ON CONFLICT (comment_id) WHERE comment_id IS NOT NULL DO UPDATE SET comment_id = EXCLUDED.comment_id "
     "RETURNING id"},
    {"community_target_ensure_project",
     "INSERT INTO community_targets (project_id) VALUES ($1::bigint) "
     "ON CONFLICT (project_id) WHERE project_id IS NOT NULL DO UPDATE SET project_id = EXCLUDED.project_id "
     "RETURNING id"},
};
constexpr db::Query kCommentVisibility{"community_comment_visibility",
                                       "SELECT status, deleted_at IS NOT NULL, author_id FROM comments WHERE id = $1"};

std::size_t kind_index(const Target& t) {
    return static_cast<std::size_t>(t.kind);
}

std::string key(const Target& t) {
    return t.kind == TargetKind::page ? t.url : std::to_string(t.entity_id);
}

}  // namespace

Target read_target_columns(const db::PgResult& r, int row, int first_col) {
    Target t;
    if (!r.is_null(row, first_col)) {
        t.url = r.str(row, first_col);
    } else if (!r.is_null(row, first_col + 1)) {
        t.kind = TargetKind::comment;
        t.entity_id = r.int64(row, first_col + 1);
    } else {
        t.kind = TargetKind::project;
        t.entity_id = r.int64(row, first_col + 2);
    }
    return t;
}

std::optional<std::int64_t> find_target_id(db::Connection& db, const Target& t) {
    auto r = db.exec(kFind[kind_index(t)], key(t));
    if (r.empty()) return std::nullopt;
    return r.int64(0, 0);
}

std::int64_t ensure_target_id(db::Connection& db, const Target& t) {
    return db.exec(kEnsure[kind_index(t)], key(t)).int64(0, 0);
}

void require_visible_entity(RequestContext& ctx, const Target& t) {
    switch (t.kind) {
        case TargetKind::page:
            return;
        case TargetKind::project:
            projects::require_readable(ctx, t.entity_id);  // 404 for a draft of someone else
            return;
        case TargetKind::comment:
            break;
    }
    auto r = ctx.app.db.exec(kCommentVisibility, t.entity_id);
    if (r.empty()) throw http::Problem::not_found("no such comment");
    CommentRow c;
    c.status = parse_comment_status(r.text(0, 0)).value_or(CommentStatus::rejected);
    c.deleted = r.boolean(0, 1);
    c.author_id = r.opt_int64(0, 2);
    if (!readable_by(c, viewer_of(ctx))) throw http::Problem::not_found("no such comment");
}

}  // namespace stoa::community
