#include "community/comment_store.h"

#include <unordered_map>

#include "auth/user_record.h"
#include "community/target_store.h"
#include "db/sql_text.h"

namespace stoa::community {
namespace {

// The CommentRow columns read_comment reads (the author comes apart); `c` is
// comments, `lt` the comment's own target row (its likes). Counting likes
// costs a lookup per comment, so only the "top" sort, which needs them, joins lt.
#define STOA_COMMENT_ROW_COLUMNS(likes)                                                                         \
    "c.id, c.parent_id, c.author_id, c.body, c.status, c.deleted_at IS NOT NULL, " STOA_SQL_UTC("c.created_at") \
    ", " STOA_SQL_UTC("c.edited_at") ", " likes
#define STOA_WITH_LIKES "coalesce(lt.like_count, 0)"
#define STOA_LIKES_JOIN "LEFT JOIN community_targets lt ON lt.comment_id = c.id "
// A thread's comments, then (in the same round trip) their authors: a join
// to users would look each author up once per comment, which cost PostgreSQL
// 30% more than the two statements on a page of 200.
#define STOA_THREAD_QUERY(likes, likes_join, where)                                                   \
    "SELECT " STOA_COMMENT_ROW_COLUMNS(likes) " FROM community_targets t JOIN comments c ON c.target_id = t.id " \
    likes_join "WHERE " where " ORDER BY c.id"
#define STOA_THREAD_AUTHORS(where)                                                                              \
    "SELECT u.id, u.username, u.picture_version FROM users u WHERE u.id IN (SELECT c.author_id "                 \
    "FROM community_targets t JOIN comments c ON c.target_id = t.id WHERE " where ")"

constexpr db::Query kThread[] = {
    {"community_thread_by_url", STOA_THREAD_QUERY("0", "", "t.url = $1")},
    {"community_thread_by_comment", STOA_THREAD_QUERY("0", "", "t.comment_id = $1::bigint")},
    {"community_thread_by_project", STOA_THREAD_QUERY("0", "", "t.project_id = $1::bigint")},
};
constexpr db::Query kThreadWithLikes[] = {
    {"community_thread_likes_by_url", STOA_THREAD_QUERY(STOA_WITH_LIKES, STOA_LIKES_JOIN, "t.url = $1")},
    {"community_thread_likes_by_comment",
     STOA_THREAD_QUERY(STOA_WITH_LIKES, STOA_LIKES_JOIN, "t.comment_id = $1::bigint")},
    {"community_thread_likes_by_project",
     STOA_THREAD_QUERY(STOA_WITH_LIKES, STOA_LIKES_JOIN, "t.project_id = $1::bigint")},
};
constexpr db::Query kThreadAuthors[] = {
    {"community_thread_authors_by_url", STOA_THREAD_AUTHORS("t.url = $1")},
    {"community_thread_authors_by_comment", STOA_THREAD_AUTHORS("t.comment_id = $1::bigint")},
    {"community_thread_authors_by_project", STOA_THREAD_AUTHORS("t.project_id = $1::bigint")},
};

// One comment with its author (columns 9 and 10) and its target (from 11).
#define STOA_ONE_COMMENT                                                                                   \
    "SELECT " STOA_COMMENT_ROW_COLUMNS(STOA_WITH_LIKES) ", u.username, u.picture_version, c.target_id, "     \
    STOA_TARGET_COLUMNS ", extract(epoch FROM now() - c.created_at)::bigint "                              \
    "FROM comments c JOIN community_targets t ON t.id = c.target_id LEFT JOIN users u ON u.id = c.author_id " \
    STOA_LIKES_JOIN "WHERE c.id = $1"
constexpr db::Query kOne{"community_comment_by_id", STOA_ONE_COMMENT};
constexpr db::Query kOneLocked{"community_comment_by_id_locked", STOA_ONE_COMMENT " FOR UPDATE OF c"};

// The state of a target that its thread's answer depends on (db::cached_answer).
constexpr db::Query kThreadVersion[] = {
    {"community_thread_version_by_url", "SELECT id, thread_version FROM community_targets WHERE url = $1"},
    {"community_thread_version_by_comment",
     "SELECT id, thread_version FROM community_targets WHERE comment_id = $1::bigint"},
    {"community_thread_version_by_project",
     "SELECT id, thread_version FROM community_targets WHERE project_id = $1::bigint"},
};

CommentRow read_comment(const db::PgResult& r, int i) {
    CommentRow c;
    c.id = r.int64(i, 0);
    c.parent_id = r.opt_int64(i, 1);
    c.author_id = r.opt_int64(i, 2);
    c.body = r.str(i, 3);
    c.status = parse_comment_status(r.text(i, 4)).value_or(CommentStatus::rejected);
    c.deleted = r.boolean(i, 5);
    c.created_at = r.utc_time(i, 6);
    c.edited_at = r.opt_utc_time(i, 7);
    c.like_count = r.int64(i, 8);
    return c;
}

}  // namespace

Viewer viewer_of(const RequestContext& ctx) {
    Viewer v;
    if (ctx.user) {
        v.user_id = ctx.user->id;
        v.moderator = static_cast<int>(ctx.user->role) >= static_cast<int>(http::Role::moderator);
    }
    return v;
}

namespace {

// The statement's parameter for a target.
std::string target_key(const Target& t) {
    return t.kind == TargetKind::page ? t.url : std::to_string(t.entity_id);
}

db::Connection::Call thread_call(const Target& t, bool with_likes) {
    return {&(with_likes ? kThreadWithLikes : kThread)[static_cast<std::size_t>(t.kind)], {target_key(t)}};
}

db::Connection::Call authors_call(const Target& t) {
    return {&kThreadAuthors[static_cast<std::size_t>(t.kind)], {target_key(t)}};
}

db::Connection::Call version_call(const Target& t) {
    return {&kThreadVersion[static_cast<std::size_t>(t.kind)], {target_key(t)}};
}

// The rows of a thread from its two statements: comments, then authors.
std::vector<CommentRow> thread_rows(const db::PgResult& r, const db::PgResult& a) {
    struct Author {
        std::string username;
        std::optional<std::string> picture_url;
    };
    std::unordered_map<std::int64_t, Author> authors;
    authors.reserve(static_cast<std::size_t>(a.rows()));
    for (int i = 0; i < a.rows(); ++i) {
        std::string username = a.str(i, 1);
        auto picture = auth::picture_url(username, a.opt_str(i, 2));
        authors.emplace(a.int64(i, 0), Author{std::move(username), std::move(picture)});
    }
    std::vector<CommentRow> rows;
    rows.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        CommentRow c = read_comment(r, i);
        // An author deleted between the two statements reads as a deleted account.
        if (auto found = c.author_id ? authors.find(*c.author_id) : authors.end(); found != authors.end()) {
            c.author_username = found->second.username;
            c.author_picture_url = found->second.picture_url;
        }
        rows.push_back(std::move(c));
    }
    return rows;
}

}  // namespace

std::vector<CommentRow> load_thread(db::Connection& db, const Target& t, bool with_likes) {
    auto results = db.exec_all({thread_call(t, with_likes), authors_call(t)});
    return thread_rows(results[0], results[1]);
}

std::string public_thread_page(db::Connection& db, db::AnswerCache& cache, const Target& t, ThreadSort sort,
                               std::int64_t page, std::int64_t per_page) {
    bool with_likes = sort == ThreadSort::top;
    std::string key = "comments\n" + std::to_string(static_cast<int>(t.kind)) + ':' + target_key(t) + '\n' +
                      std::to_string(static_cast<int>(sort)) + ':' + std::to_string(page) + ':' +
                      std::to_string(per_page);
    auto work = [&] { return std::vector<db::Connection::Call>{thread_call(t, with_likes), authors_call(t)}; };
    return db::cached_answer(db, cache, key, version_call(t), work,
                             [&](const std::vector<db::PgResult>& r) {
                                 auto threads = build_thread_page(thread_rows(r[0], r[1]), Viewer{}, sort,
                                                                  (page - 1) * per_page, per_page);
                                 return thread_page_json(threads, page, per_page);
                             });
}

std::optional<StoredComment> load_comment(db::Connection& db, std::int64_t id, bool lock) {
    auto r = db.exec(lock ? kOneLocked : kOne, id);
    if (r.empty()) return std::nullopt;
    StoredComment s;
    s.row = read_comment(r, 0);
    s.row.author_username = r.opt_str(0, 9);
    if (s.row.author_username) s.row.author_picture_url = auth::picture_url(*s.row.author_username, r.opt_str(0, 10));
    s.target_id = r.int64(0, 11);
    s.target = read_target_columns(r, 0, 12);
    s.age_seconds = r.int64(0, 15);
    return s;
}

}  // namespace stoa::community
