// Components are shared by every project: POST /api/v1/components creates
// one (its name unique ignoring case), GET /api/v1/components/search finds
// them (prefix matches first, then substrings through pg_trgm, at most 20),
// and /api/v1/projects/{id}/components attaches them to a project.
#include "app.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/problem.h"
#include "projects/project_input.h"
#include "projects/project_store.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

#define STOA_COMPONENT_COLUMNS(c) \
    c "id, " c "name, " c "manufacturer, " c "part_number, " c "datasheet_url, " c "description"

constexpr db::Query kInsert{"components_insert",
                            "INSERT INTO components (name, manufacturer, part_number, datasheet_url, description, "
                            "created_by) VALUES ($1, nullif($2, ''), nullif($3, ''), nullif($4, ''), nullif($5, ''), $6) "
                            "ON CONFLICT ((lower(name))) DO NOTHING RETURNING " STOA_COMPONENT_COLUMNS("")};
constexpr db::Query kByName{"components_by_name", "SELECT id FROM components WHERE lower(name) = lower($1)"};
// $1: the prefix pattern, $2: the substring pattern (both LIKE-escaped), $3: the query.
constexpr db::Query kSearch{
    "components_search",
    "SELECT " STOA_COMPONENT_COLUMNS("") " FROM ("
    "  (SELECT c.*, 0 AS tier, 1.0::real AS score FROM components c WHERE lower(c.name) ^@ lower($1) "
    "   ORDER BY lower(c.name) LIMIT 20) "
    "  UNION ALL "
    "  (SELECT c.*, 1 AS tier, similarity(lower(c.name), lower($1)) AS score FROM components c "
    "   WHERE lower(c.name) LIKE lower($2) AND NOT lower(c.name) ^@ lower($1) "
    "   ORDER BY similarity(lower(c.name), lower($1)) DESC, lower(c.name) LIMIT 20)"
    ") found ORDER BY tier, score DESC, lower(name) LIMIT 20"};

#define STOA_PC_COLUMNS                                                                              \
    "pc.id, pc.position, pc.quantity, pc.notes, " STOA_SQL_TS("pc.created_at") ", " \
    STOA_COMPONENT_COLUMNS("c.")
constexpr db::Query kPcList{"project_components_list",
                            "SELECT " STOA_PC_COLUMNS " FROM project_components pc JOIN components c ON c.id = "
                            "pc.component_id WHERE pc.project_id = $1 ORDER BY pc.position, pc.id"};
constexpr db::Query kPcInsert{
    "project_components_insert",
    "WITH ins AS (INSERT INTO project_components (project_id, component_id, position, quantity, notes) "
    "SELECT $1, c.id, (SELECT coalesce(max(position), 0) + 1 FROM project_components WHERE project_id = $1), $3, "
    "nullif($4, '') FROM components c WHERE c.id = $2 RETURNING *) "
    "SELECT " STOA_PC_COLUMNS " FROM ins pc JOIN components c ON c.id = pc.component_id"};
constexpr db::Query kPcDelete{"project_components_delete",
                              "DELETE FROM project_components WHERE id = $1 AND project_id = $2"};

Json component_json(const db::PgResult& r, int row, int first) {
    Json j = Json::object();
    j.set("id", r.int64(row, first))
        .set("name", r.str(row, first + 1))
        .set("manufacturer", Json::optional_string(r.opt_str(row, first + 2)))
        .set("part_number", Json::optional_string(r.opt_str(row, first + 3)))
        .set("datasheet_url", Json::optional_string(r.opt_str(row, first + 4)))
        .set("description", Json::optional_string(r.opt_str(row, first + 5)));
    return j;
}

Json project_component_json(const db::PgResult& r, int row) {
    Json j = Json::object();
    j.set("id", r.int64(row, 0))
        .set("position", r.int64(row, 1))
        .set("component_id", r.int64(row, 5))
        .set("quantity", r.int64(row, 2))
        .set("notes", Json::optional_string(r.opt_str(row, 3)))
        .set("created_at", r.str(row, 4))
        .set("component", component_json(r, row, 5));
    return j;
}

// LIKE's wildcards in the client's text are literal.
std::string like_escaped(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

Response create_component(RequestContext& ctx) {
    auto in = projects::read_component_input(http::Fields::from_json(ctx.req.json_body()));
    auto r = ctx.app.db.exec(kInsert, in.name, in.manufacturer, in.part_number, in.datasheet_url, in.description,
                             ctx.caller().id);
    if (r.empty()) {
        auto existing = ctx.app.db.exec(kByName, in.name);
        Problem p = Problem::conflict("conflict", "a component of that name exists already (names ignore case)");
        if (!existing.empty()) p.extension("existing_id", Json::integer(existing.int64(0, 0)));
        throw p;
    }
    return Response::json(201, component_json(r, 0, 0));
}

Response search_components(RequestContext& ctx) {
    std::string q = projects::read_component_query(ctx.req.query("q"));
    std::string substring("%");  // not "%" + ...: GCC 12's -Wrestrict false positive at -O3
    substring += like_escaped(q);
    substring += '%';
    auto r = ctx.app.db.exec(kSearch, q, substring);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(component_json(r, i, 0));
    Json body = Json::object();
    body.set("items", std::move(items));
    return Response::json(200, body);
}

Response list_project_components(RequestContext& ctx) {
    auto head = projects::require_readable(ctx, ctx.req.int_param("id"));
    auto r = ctx.app.db.exec(kPcList, head.id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(project_component_json(r, i));
    Json body = Json::object();
    body.set("items", std::move(items));
    return Response::json(200, body);
}

Response add_project_component(RequestContext& ctx) {
    auto in = projects::read_project_component_input(http::Fields::from_json(ctx.req.json_body()));
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    auto r = ctx.app.db.exec(kPcInsert, head.id, in.component_id, in.quantity, in.notes);
    if (r.empty())
        throw Problem::validation().field("component_id", "not_found",
                                          "component_id: no such component (create one with POST /components)");
    tx.commit();
    return Response::json(201, project_component_json(r, 0));
}

Response remove_project_component(RequestContext& ctx) {
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    if (ctx.app.db.exec(kPcDelete, ctx.req.int_param("pc_id"), head.id).affected() == 0)
        throw Problem::not_found("no such component in this project");
    tx.commit();
    return Response::no_content();
}

}  // namespace

void register_component_routes(http::Router& r) {
    using http::Role;
    r.get("/api/v1/components/search", search_components, http::optional_auth());
    r.post("/api/v1/components", create_component, http::needs(Role::user));
    r.get("/api/v1/projects/{id:int}/components", list_project_components, http::optional_auth());
    r.post("/api/v1/projects/{id:int}/components", add_project_component, http::needs(Role::user));
    r.del("/api/v1/projects/{id:int}/components/{pc_id:int}", remove_project_component, http::needs(Role::user));
}

}  // namespace stoa::handlers
