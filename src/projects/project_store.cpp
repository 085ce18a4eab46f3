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

namespace {

// "key": for the project object (keys are ASCII names: no escaping).
void key(std::string& out, const char* name) {
    out += out.back() == '{' ? "\"" : ",\"";
    out += name;
    out += "\":";
}

void text(std::string& out, const char* name, std::string_view value) {
    key(out, name);
    Json::append_utf8_string(out, value);
}

void optional_text(std::string& out, const char* name, const std::optional<std::string>& value) {
    key(out, name);
    if (value)
        Json::append_utf8_string(out, *value);
    else
        out += "null";
}

void number(std::string& out, const char* name, std::int64_t value) {
    key(out, name);
    out += std::to_string(value);
}

}  // namespace

void append_project_json(std::string& out, const db::PgResult& r, int row) {
    std::int64_t id = r.int64(row, 0);
    std::optional<std::int64_t> primary = r.opt_int64(row, 14);
    std::string username = r.str(row, 7);
    out += '{';
    number(out, "id", id);
    text(out, "title", r.text(row, 1));
    text(out, "description", r.text(row, 2));
    text(out, "background", r.text(row, 3));
    optional_text(out, "source_url", r.opt_str(row, 4));
    // array_to_json of validated tags (no control characters): compact JSON
    // text, escaped as jansson would (checked by the unit tests).
    key(out, "tags");
    out += r.text(row, 5);
    text(out, "status", r.text(row, 6));
    key(out, "author");
    out += '{';
    text(out, "username", username);
    optional_text(out, "picture_url", auth::picture_url(username, r.opt_str(row, 8)));
    out += '}';
    text(out, "created_at", r.utc_time(row, 9));
    text(out, "updated_at", r.utc_time(row, 10));
    optional_text(out, "published_at", r.opt_utc_time(row, 11));
    number(out, "download_count", r.int64(row, 12));
    number(out, "like_count", r.int64(row, 13));
    optional_text(out, "primary_image_url", primary ? std::optional(image_url(id, *primary)) : std::nullopt);
    optional_text(out, "primary_thumbnail_url",
                  primary ? std::optional(image_url(id, *primary) + "?size=thumb") : std::nullopt);
    text(out, "download_url", "/api/v1/projects/" + std::to_string(id) + "/download");
    out += '}';
}

std::string project_json_text(const db::PgResult& r, int row) {
    std::string out;
    append_project_json(out, r, row);
    return out;
}

Json project_json(const db::PgResult& r, int row) {
    return std::move(Json::parse(project_json_text(r, row))).value();
}

Json load_project_json(db::Connection& db, std::int64_t id) {
    auto r = db.exec(kOne, id);
    if (r.empty()) throw http::Problem::not_found("no such project");
    return project_json(r, 0);
}

std::string readable_project_json(RequestContext& ctx, std::int64_t id) {
    auto r = ctx.app.db.exec(kReadable, id);
    if (r.empty()) throw http::Problem::not_found("no such project");
    ProjectHead h{r.int64(0, 0), r.int64(0, kReadableAuthorColumn), r.text(0, 6) == "published"};
    if (!may_read(ctx, h)) throw http::Problem::not_found("no such project");
    return project_json_text(r, 0);
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
