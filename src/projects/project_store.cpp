#include "projects/project_store.h"

#include "auth/user_record.h"
#include "db/sql_text.h"
#include "http/problem.h"

namespace stoa::projects {
namespace {

constexpr db::Query kHead{"projects_head", "SELECT id, author_id, status = 'published' FROM projects WHERE id = $1"};
constexpr db::Query kHeadForUpdate{"projects_head_for_update",
                                   "SELECT id, author_id, status = 'published' FROM projects WHERE id = $1 FOR UPDATE"};
constexpr db::Query kOne{"projects_one", "SELECT " STOA_PROJECT_COLUMNS STOA_PROJECT_FROM "WHERE p.id = $1"};
// kOne with the author's id after project_json's columns: the visibility
// check and the answer in one round trip.
constexpr db::Query kReadable{"projects_readable",
                              "SELECT " STOA_PROJECT_COLUMNS ", p.author_id" STOA_PROJECT_FROM "WHERE p.id = $1"};
constexpr int kReadableAuthorColumn = 15;
constexpr db::Query kOfAuthor{"projects_export",
                              "SELECT " STOA_PROJECT_COLUMNS STOA_PROJECT_FROM "WHERE p.author_id = $1 ORDER BY p.id"};
constexpr db::Query kFilesOfAuthor{
    "projects_export_files",
    "SELECT 'file', f.project_id, f.id, f.filename, f.size, f.content_type, f.description, "
    STOA_SQL_TS("f.created_at") " FROM project_files f JOIN projects p ON p.id = f.project_id WHERE p.author_id = $1 "
    "UNION ALL SELECT 'image', i.project_id, i.id, i.filename, i.size, i.content_type, i.caption, "
    STOA_SQL_TS("i.created_at") " FROM project_images i JOIN projects p ON p.id = i.project_id "
    "WHERE p.author_id = $1 ORDER BY 2, 1, 3"};

bool may_read(const RequestContext& ctx, const ProjectHead& h) {
    return h.published || (ctx.user && (ctx.user->id == h.author_id || ctx.user->role == http::Role::admin));
}

ProjectHead head(RequestContext& ctx, std::int64_t id, bool lock) {
    auto r = ctx.app.db.exec(lock ? kHeadForUpdate : kHead, id);
    if (r.empty()) throw http::Problem::not_found("no such project");
    ProjectHead h{r.int64(0, 0), r.int64(0, 1), r.boolean(0, 2)};
    if (!may_read(ctx, h)) throw http::Problem::not_found("no such project");
    return h;
}

}  // namespace

bool is_admin(const RequestContext& ctx) {
    return ctx.user && ctx.user->role == http::Role::admin;
}

ProjectHead require_readable(RequestContext& ctx, std::int64_t id) {
    return head(ctx, id, false);
}

ProjectHead require_writable(RequestContext& ctx, std::int64_t id) {
    ProjectHead h = head(ctx, id, true);
    if (!ctx.user || (ctx.user->id != h.author_id && !is_admin(ctx)))
        throw http::Problem::forbidden("only the project's author (or an admin) may change it");
    return h;
}

std::string image_url(std::int64_t project_id, std::int64_t image_id) {
    return "/api/v1/projects/" + std::to_string(project_id) + "/images/" + std::to_string(image_id);
}

std::string file_url(std::int64_t project_id, std::int64_t file_id) {
    return "/api/v1/projects/" + std::to_string(project_id) + "/files/" + std::to_string(file_id);
}

Json project_json(const db::PgResult& r, int row) {
    std::int64_t id = r.int64(row, 0);
    auto tags = Json::parse(r.text(row, 5));
    Json author = Json::object();
    author.set("username", r.str(row, 7))
        .set("picture_url", Json::optional_string(auth::picture_url(r.str(row, 7), r.opt_str(row, 8))));
    std::optional<std::int64_t> primary = r.opt_int64(row, 14);
    Json j = Json::object();
    j.set("id", id)
        .set("title", r.str(row, 1))
        .set("description", r.str(row, 2))
        .set("background", r.str(row, 3))
        .set("source_url", Json::optional_string(r.opt_str(row, 4)))
        .set("tags", tags ? std::move(*tags) : Json::array())
        .set("status", r.str(row, 6))
        .set("author", std::move(author))
        .set("created_at", r.utc_time(row, 9))
        .set("updated_at", r.utc_time(row, 10))
        .set("published_at", Json::optional_string(r.opt_utc_time(row, 11)))
        .set("download_count", r.int64(row, 12))
        .set("like_count", r.int64(row, 13))
        .set("primary_image_url", primary ? Json::string(image_url(id, *primary)) : Json::null())
        .set("primary_thumbnail_url",
             primary ? Json::string(image_url(id, *primary) + "?size=thumb") : Json::null())
        .set("download_url", "/api/v1/projects/" + std::to_string(id) + "/download");
    return j;
}

Json load_project_json(db::Connection& db, std::int64_t id) {
    auto r = db.exec(kOne, id);
    if (r.empty()) throw http::Problem::not_found("no such project");
    return project_json(r, 0);
}

Json readable_project_json(RequestContext& ctx, std::int64_t id) {
    auto r = ctx.app.db.exec(kReadable, id);
    if (r.empty()) throw http::Problem::not_found("no such project");
    ProjectHead h{r.int64(0, 0), r.int64(0, kReadableAuthorColumn), r.text(0, 6) == "published"};
    if (!may_read(ctx, h)) throw http::Problem::not_found("no such project");
    return project_json(r, 0);
}

Json export_projects(db::Connection& db, std::int64_t user_id) {
    auto r = db.exec(kOfAuthor, user_id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(project_json(r, i));
    return items;
}

Json export_files(db::Connection& db, std::int64_t user_id) {
    auto r = db.exec(kFilesOfAuthor, user_id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) {
        bool image = r.text(i, 0) == "image";
        std::int64_t project_id = r.int64(i, 1), id = r.int64(i, 2);
        Json j = Json::object();
        j.set("kind", r.str(i, 0))
            .set("project_id", project_id)
            .set("id", id)
            .set("filename", r.str(i, 3))
            .set("size", r.int64(i, 4))
            .set("content_type", r.str(i, 5))
            .set(image ? "caption" : "description", Json::optional_string(r.opt_str(i, 6)))
            .set("created_at", r.str(i, 7))
            .set("url", image ? image_url(project_id, id) : file_url(project_id, id));
        items.push(std::move(j));
    }
    return items;
}

}  // namespace stoa::projects
