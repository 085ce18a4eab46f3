#include "community/community_export.h"

#include "community/target_store.h"
#include "db/sql_text.h"

namespace stoa::community {
namespace {

constexpr db::Query kLikes{
    "community_export_likes",
    "SELECT l.id, " STOA_SQL_TS("l.created_at") ", " STOA_TARGET_COLUMNS
                                                " FROM likes l JOIN community_targets t ON t.id = l.target_id "
                                                "WHERE l.user_id = $1 ORDER BY l.id"};
constexpr db::Query kComments{
    "community_export_comments",
    "SELECT c.id, " STOA_SQL_TS("c.created_at") ", " STOA_TARGET_COLUMNS
    ", c.parent_id, c.body, c.status, " STOA_SQL_TS("c.edited_at") ", " STOA_SQL_TS("c.deleted_at")
    " FROM comments c JOIN community_targets t ON t.id = c.target_id WHERE c.author_id = $1 ORDER BY c.id"};
constexpr db::Query kSubscriptions{
    "community_export_subscriptions",
    "SELECT s.id, " STOA_SQL_TS(
        "s.created_at") ", " STOA_TARGET_COLUMNS
                        " FROM comment_subscriptions s JOIN community_targets t ON t.id = s.target_id "
                        "WHERE s.user_id = $1 ORDER BY s.id"};

// id, created_at and the target: the columns every export query starts with.
Json item(const db::PgResult& r, int i) {
    Json j = Json::object();
    j.set("id", r.int64(i, 0)).set("created_at", r.str(i, 1)).set("target", target_json(read_target_columns(r, i, 2)));
    return j;
}

}  // namespace

Json export_likes(db::Connection& db, std::int64_t user_id) {
    auto r = db.exec(kLikes, user_id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(item(r, i));
    return items;
}

Json export_comments(db::Connection& db, std::int64_t user_id) {
    auto r = db.exec(kComments, user_id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) {
        Json j = item(r, i);
        j.set("parent_id", r.is_null(i, 5) ? Json::null() : Json::integer(r.int64(i, 5)))
            .set("body", r.str(i, 6))
            .set("status", r.str(i, 7))
            .set("edited_at", Json::optional_string(r.opt_str(i, 8)))
            .set("deleted_at", Json::optional_string(r.opt_str(i, 9)));
        items.push(std::move(j));
    }
    return items;
}

Json export_subscriptions(db::Connection& db, std::int64_t user_id) {
    auto r = db.exec(kSubscriptions, user_id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(item(r, i));
    return items;
}

}  // namespace stoa::community
