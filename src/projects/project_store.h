// A project as the handlers see it: who may read it (drafts: the author and
// admins; to anyone else a draft does not exist), who may write it (the
// author or an admin), and its JSON answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app.h"
#include "db/connection.h"
#include "db/sql_text.h"
#include "json/json.h"

namespace stoa::projects {

struct ProjectHead {
    std::int64_t id = 0;
    std::int64_t author_id = 0;
    bool published = false;
};

// 404 unless the project exists and the caller may read it.
ProjectHead require_readable(RequestContext& ctx, std::int64_t id);
// require_readable, then 403 unless the caller is the author or an admin.
// Locks the project row until the transaction ends: call it inside one, so
// quotas and positions are checked against a project nobody else changes.
ProjectHead require_writable(RequestContext& ctx, std::int64_t id);

bool is_admin(const RequestContext& ctx);

// The SELECT list project_json() reads, for queries over `projects p JOIN users u`.
#define STOA_PROJECT_COLUMNS                                                                                    \
    "p.id, p.title, p.description, p.background, p.source_url, array_to_json(p.tags)::text, p.status, "         \
    "u.username, u.picture_version, " STOA_SQL_UTC("p.created_at") ", " STOA_SQL_UTC("p.updated_at") ", "        \
    STOA_SQL_UTC("p.published_at") ", p.download_count, p.like_count, "                                            \
    "(SELECT i.id FROM project_images i WHERE i.project_id = p.id AND i.is_primary)"
#define STOA_PROJECT_FROM " FROM projects p JOIN users u ON u.id = p.author_id "

// The project object of API.md from a row of STOA_PROJECT_COLUMNS, as
// compact JSON text (appended to out, or returned), or as a Json value.
void append_project_json(std::string& out, const db::PgResult& r, int row);
std::string project_json_text(const db::PgResult& r, int row);
Json project_json(const db::PgResult& r, int row);
// One project by id (no visibility check: call require_readable first).
Json load_project_json(db::Connection& db, std::int64_t id);
// GET /projects/{id}: 404 unless it exists and the caller may read it, as
// require_readable, in the same query as the answer.
std::string readable_project_json(RequestContext& ctx, std::int64_t id);

std::string image_url(std::int64_t project_id, std::int64_t image_id);
std::string file_url(std::int64_t project_id, std::int64_t file_id);

// For GET /account/export: every project of the user (drafts too), and the
// metadata of every file and image stored for them.
Json export_projects(db::Connection& db, std::int64_t user_id);
Json export_files(db::Connection& db, std::int64_t user_id);

}  // namespace stoa::projects
