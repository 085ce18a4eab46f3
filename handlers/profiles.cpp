// /api/v1/users/{username}: public profiles.
#include "app.h"
#include "auth/identity.h"
#include "auth/user_record.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

constexpr db::Query kPublicProfile{
    "profile_public",
    "SELECT username, first_name, bio, website, " STOA_SQL_TS("created_at") ", picture_version, "
    "(SELECT count(*) FROM projects p WHERE p.author_id = users.id AND p.status = 'published') "
    "FROM users WHERE lower(username) = $1"};

http::Response public_profile(RequestContext& ctx) {
    auto username = auth::normalize_username(ctx.req.param("username"));
    auto r = username ? ctx.app.db.exec(kPublicProfile, *username) : db::PgResult();
    if (r.empty()) throw http::Problem::not_found("no such user");
    Json body = Json::object();
    body.set("username", r.str(0, 0))
        .set("first_name", r.str(0, 1))
        .set("bio", r.str(0, 2))
        .set("website", r.str(0, 3))
        .set("picture_url", Json::optional_string(auth::picture_url(r.str(0, 0), r.opt_str(0, 5))))
        .set("created_at", r.str(0, 4))
        .set("project_count", r.int64(0, 6));
    http::Response res = http::Response::json(200, body);
    res.header("Cache-Control", "public, max-age=60");
    return res;
}

}  // namespace

void register_profile_routes(http::Router& r) { r.get("/api/v1/users/{username}", public_profile, http::optional_auth()); }

}  // namespace stoa::handlers
