// The text parts of a project: steps (with reorder), BOM items, links and
// tools under /api/v1/projects/{id}/... Each part belongs to exactly one
// project: every query names both ids, so another project's part answers
// 404. Writes lock the project row first (projects::require_writable), so
// quotas and positions hold under concurrent requests.
#include "app.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/problem.h"
#include "projects/project_input.h"
#include "projects/project_store.h"
#include "projects/row_json.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;
using projects::Column;
using projects::Mode;
using Type = projects::ColumnType;

// --- steps -------------------------------------------------------------------

#define STOA_STEP_COLUMNS \
    "id, position, title, body, " STOA_SQL_TS("created_at") ", " STOA_SQL_TS("updated_at")
constexpr std::initializer_list<Column> kStepJson = {{"id", Type::integer},   {"position", Type::integer},
                                                     {"title", Type::text},   {"body", Type::text},
                                                     {"created_at", Type::text}, {"updated_at", Type::text}};
constexpr db::Query kStepList{"steps_list", "SELECT " STOA_STEP_COLUMNS
                                            " FROM project_steps WHERE project_id = $1 ORDER BY position"};
constexpr db::Query kStepCount{"steps_count", "SELECT count(*) FROM project_steps WHERE project_id = $1"};
constexpr db::Query kStepInsert{
    "steps_insert",
    "INSERT INTO project_steps (project_id, position, title, body) "
    "VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM project_steps WHERE project_id = $1), $2, "
    "coalesce($3, '')) RETURNING " STOA_STEP_COLUMNS};
constexpr db::Query kStepUpdate{"steps_update",
                                "UPDATE project_steps SET title = coalesce($3, title), body = coalesce($4, body), "
                                "updated_at = now() WHERE id = $1 AND project_id = $2 RETURNING " STOA_STEP_COLUMNS};
constexpr db::Query kStepDelete{"steps_delete",
                                "DELETE FROM project_steps WHERE id = $1 AND project_id = $2 RETURNING position"};
constexpr db::Query kStepClose{"steps_close_gap",
                               "UPDATE project_steps SET position = position - 1 WHERE project_id = $1 AND position > $2"};
constexpr db::Query kStepIds{"steps_ids", "SELECT id FROM project_steps WHERE project_id = $1"};
constexpr db::Query kStepReorder{
    "steps_reorder",
    "UPDATE project_steps s SET position = o.ord, updated_at = now() "
    "FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, ord) WHERE s.id = o.id AND s.project_id = $1"};

Json list_of(db::Connection& db, const db::Query& q, std::int64_t project_id, std::initializer_list<Column> cols) {
    auto r = db.exec(q, project_id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(projects::row_json(r, i, cols));
    Json body = Json::object();
    body.set("items", std::move(items));
    return body;
}

// 422 once a project holds `limit` parts of a kind.
void check_quota(db::Connection& db, const db::Query& count, std::int64_t project_id, int limit, const char* field,
                 const char* what) {
    if (db.exec(count, project_id).int64(0, 0) < limit) return;
    throw Problem::validation().field(field, "quota_exceeded",
                                      std::string("a project has at most ") + std::to_string(limit) + " " + what +
                                          "; delete one first");
}

// One kind of part: its list and delete statements, its JSON shape, the
// path parameter naming one and the word for it in a 404.
struct PartKind {
    const db::Query& list;    // $1 project id
    const db::Query& remove;  // $1 part id, $2 project id
    std::initializer_list<Column> json;
    const char* id_param;
    const char* noun;
};

// GET .../parts: anyone who may read the project.
http::Handler list_parts(const PartKind& kind) {
    return [&kind](RequestContext& ctx) {
        auto head = projects::require_readable(ctx, ctx.req.int_param("id"));
        return Response::json(200, list_of(ctx.app.db, kind.list, head.id, kind.json));
    };
}

// The part's own id from the path.
std::int64_t part_id(RequestContext& ctx, const PartKind& kind) { return ctx.req.int_param(kind.id_param); }

[[noreturn]] void no_such(const PartKind& kind) {
    throw Problem::not_found(std::string("no such ") + kind.noun + " in this project");
}

// Create and update: lock the writable project, run `write(project id)`
// (its RETURNING row is the answer; no row: no such part), commit.
template <typename Write>
Response write_part(RequestContext& ctx, const PartKind& kind, int status, Write write) {
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    db::PgResult r = write(head.id);
    if (r.empty()) no_such(kind);
    tx.commit();
    return Response::json(status, projects::row_json(r, 0, kind.json));
}

// DELETE .../parts/{part id}.
http::Handler delete_part(const PartKind& kind) {
    return [&kind](RequestContext& ctx) {
        db::Transaction tx(ctx.app.db);
        auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
        if (ctx.app.db.exec(kind.remove, part_id(ctx, kind), head.id).affected() == 0) no_such(kind);
        tx.commit();
        return Response::no_content();
    };
}

const PartKind kSteps{kStepList, kStepDelete, kStepJson, "step_id", "step"};

Response create_step(RequestContext& ctx) {
    auto in = projects::read_step_input(http::Fields::from_json(ctx.req.json_body()), Mode::create);
    return write_part(ctx, kSteps, 201, [&](std::int64_t project) {
        check_quota(ctx.app.db, kStepCount, project, ctx.app.config.project_max_steps, "steps", "steps");
        return ctx.app.db.exec(kStepInsert, project, in.title, in.body);
    });
}

Response update_step(RequestContext& ctx) {
    auto in = projects::read_step_input(http::Fields::from_json(ctx.req.json_body()), Mode::update);
    return write_part(ctx, kSteps, 200, [&](std::int64_t project) {
        return ctx.app.db.exec(kStepUpdate, part_id(ctx, kSteps), project, in.title, in.body);
    });
}

// Not delete_part: the later steps move up one place.
Response delete_step(RequestContext& ctx) {
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    auto r = ctx.app.db.exec(kStepDelete, part_id(ctx, kSteps), head.id);
    if (r.empty()) no_such(kSteps);
    ctx.app.db.exec(kStepClose, head.id, r.int64(0, 0));
    tx.commit();
    return Response::no_content();
}

Response reorder_steps(RequestContext& ctx) {
    auto order = http::Fields::from_json(ctx.req.json_body()).integer_list("order");
    if (!order) throw Problem::validation().field("order", "required", "order: the list of every step id, in order");
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    auto ids = ctx.app.db.exec(kStepIds, head.id);
    std::vector<std::int64_t> existing;
    for (int i = 0; i < ids.rows(); ++i) existing.push_back(ids.int64(i, 0));
    projects::check_reorder(*order, existing);
    std::string array = "{";
    for (std::size_t i = 0; i < order->size(); ++i) {
        if (i > 0) array += ',';
        array += std::to_string((*order)[i]);
    }
    ctx.app.db.exec(kStepReorder, head.id, array + "}");
    Json body = list_of(ctx.app.db, kStepList, head.id, kStepJson);
    tx.commit();
    return Response::json(200, body);
}

// --- BOM items ---------------------------------------------------------------

#define STOA_BOM_COLUMNS                                                                                \
    "id, position, name, quantity, unit, part_number, supplier_url, unit_price::text, currency, notes, " \
    STOA_SQL_TS("created_at") ", " STOA_SQL_TS("updated_at")
constexpr std::initializer_list<Column> kBomJson = {
    {"id", Type::integer},           {"position", Type::integer},        {"name", Type::text},
    {"quantity", Type::integer},     {"unit", Type::optional_text},      {"part_number", Type::optional_text},
    {"supplier_url", Type::optional_text}, {"unit_price", Type::optional_text}, {"currency", Type::optional_text},
    {"notes", Type::optional_text},  {"created_at", Type::text},         {"updated_at", Type::text}};
constexpr db::Query kBomList{"bom_list", "SELECT " STOA_BOM_COLUMNS
                                         " FROM bom_items WHERE project_id = $1 ORDER BY position, id"};
constexpr db::Query kBomCount{"bom_count", "SELECT count(*) FROM bom_items WHERE project_id = $1"};
constexpr db::Query kBomInsert{
    "bom_insert",
    "INSERT INTO bom_items (project_id, position, name, quantity, unit, part_number, supplier_url, unit_price, "
    "currency, notes) VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM bom_items WHERE project_id = $1), "
    "$2, $3, nullif($4, ''), nullif($5, ''), nullif($6, ''), nullif($7, '')::numeric, nullif($8, ''), "
    "nullif($9, '')) RETURNING " STOA_BOM_COLUMNS};
constexpr db::Query kBomUpdate{
    "bom_update",
    "UPDATE bom_items SET name = coalesce($3, name), quantity = coalesce($4::integer, quantity), "
    "unit = CASE WHEN $5::text IS NULL THEN unit ELSE nullif($5, '') END, "
    "part_number = CASE WHEN $6::text IS NULL THEN part_number ELSE nullif($6, '') END, "
    "supplier_url = CASE WHEN $7::text IS NULL THEN supplier_url ELSE nullif($7, '') END, "
    "unit_price = CASE WHEN $8::text IS NULL THEN unit_price ELSE nullif($8, '')::numeric END, "
    "currency = CASE WHEN $9::text IS NULL THEN currency ELSE nullif($9, '') END, "
    "notes = CASE WHEN $10::text IS NULL THEN notes ELSE nullif($10, '') END, updated_at = now() "
    "WHERE id = $1 AND project_id = $2 RETURNING " STOA_BOM_COLUMNS};
constexpr db::Query kBomDelete{"bom_delete", "DELETE FROM bom_items WHERE id = $1 AND project_id = $2"};

const PartKind kBom{kBomList, kBomDelete, kBomJson, "item_id", "BOM item"};

Response create_bom_item(RequestContext& ctx) {
    auto in = projects::read_bom_input(http::Fields::from_json(ctx.req.json_body()), Mode::create);
    return write_part(ctx, kBom, 201, [&](std::int64_t project) {
        check_quota(ctx.app.db, kBomCount, project, ctx.app.config.project_max_bom_items, "bom", "BOM items");
        return ctx.app.db.exec(kBomInsert, project, in.name, in.quantity, in.unit, in.part_number, in.supplier_url,
                               in.unit_price, in.currency, in.notes);
    });
}

Response update_bom_item(RequestContext& ctx) {
    auto in = projects::read_bom_input(http::Fields::from_json(ctx.req.json_body()), Mode::update);
    return write_part(ctx, kBom, 200, [&](std::int64_t project) {
        return ctx.app.db.exec(kBomUpdate, part_id(ctx, kBom), project, in.name, in.quantity, in.unit,
                               in.part_number, in.supplier_url, in.unit_price, in.currency, in.notes);
    });
}

// --- links -------------------------------------------------------------------

#define STOA_LINK_COLUMNS "id, position, kind, title, url, " STOA_SQL_TS("created_at") ", " STOA_SQL_TS("updated_at")
constexpr std::initializer_list<Column> kLinkJson = {{"id", Type::integer},  {"position", Type::integer},
                                                     {"kind", Type::text},   {"title", Type::text},
                                                     {"url", Type::text},    {"created_at", Type::text},
                                                     {"updated_at", Type::text}};
constexpr db::Query kLinkList{"links_list", "SELECT " STOA_LINK_COLUMNS
                                            " FROM project_links WHERE project_id = $1 ORDER BY position, id"};
constexpr db::Query kLinkInsert{
    "links_insert",
    "INSERT INTO project_links (project_id, position, kind, title, url) "
    "VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM project_links WHERE project_id = $1), $2, $3, $4) "
    "RETURNING " STOA_LINK_COLUMNS};
constexpr db::Query kLinkUpdate{"links_update",
                                "UPDATE project_links SET kind = coalesce($3, kind), title = coalesce($4, title), "
                                "url = coalesce(nullif($5, ''), url), updated_at = now() "
                                "WHERE id = $1 AND project_id = $2 RETURNING " STOA_LINK_COLUMNS};
constexpr db::Query kLinkDelete{"links_delete", "DELETE FROM project_links WHERE id = $1 AND project_id = $2"};

const PartKind kLinks{kLinkList, kLinkDelete, kLinkJson, "link_id", "link"};

Response create_link(RequestContext& ctx) {
    auto in = projects::read_link_input(http::Fields::from_json(ctx.req.json_body()), Mode::create);
    return write_part(ctx, kLinks, 201, [&](std::int64_t project) {
        return ctx.app.db.exec(kLinkInsert, project, in.kind, in.title, in.url);
    });
}

Response update_link(RequestContext& ctx) {
    auto in = projects::read_link_input(http::Fields::from_json(ctx.req.json_body()), Mode::update);
    return write_part(ctx, kLinks, 200, [&](std::int64_t project) {
        return ctx.app.db.exec(kLinkUpdate, part_id(ctx, kLinks), project, in.kind, in.title, in.url);
    });
}

// --- tools and materials -------------------------------------------------------

#define STOA_TOOL_COLUMNS "id, position, name, kind, notes, " STOA_SQL_TS("created_at") ", " STOA_SQL_TS("updated_at")
constexpr std::initializer_list<Column> kToolJson = {{"id", Type::integer},         {"position", Type::integer},
                                                     {"name", Type::text},          {"kind", Type::text},
                                                     {"notes", Type::optional_text}, {"created_at", Type::text},
                                                     {"updated_at", Type::text}};
constexpr db::Query kToolList{"tools_list", "SELECT " STOA_TOOL_COLUMNS
                                            " FROM project_tools WHERE project_id = $1 ORDER BY position, id"};
constexpr db::Query kToolInsert{
    "tools_insert",
    "INSERT INTO project_tools (project_id, position, name, kind, notes) "
    "VALUES ($1, (SELECT coalesce(max(position), 0) + 1 FROM project_tools WHERE project_id = $1), $2, $3, "
    "nullif($4, '')) RETURNING " STOA_TOOL_COLUMNS};
constexpr db::Query kToolUpdate{"tools_update",
                                "UPDATE project_tools SET name = coalesce($3, name), kind = coalesce($4, kind), "
                                "notes = CASE WHEN $5::text IS NULL THEN notes ELSE nullif($5, '') END, "
                                "updated_at = now() WHERE id = $1 AND project_id = $2 RETURNING " STOA_TOOL_COLUMNS};
constexpr db::Query kToolDelete{"tools_delete", "DELETE FROM project_tools WHERE id = $1 AND project_id = $2"};

const PartKind kTools{kToolList, kToolDelete, kToolJson, "tool_id", "tool"};

Response create_tool(RequestContext& ctx) {
    auto in = projects::read_tool_input(http::Fields::from_json(ctx.req.json_body()), Mode::create);
    return write_part(ctx, kTools, 201, [&](std::int64_t project) {
        return ctx.app.db.exec(kToolInsert, project, in.name, in.kind, in.notes);
    });
}

Response update_tool(RequestContext& ctx) {
    auto in = projects::read_tool_input(http::Fields::from_json(ctx.req.json_body()), Mode::update);
    return write_part(ctx, kTools, 200, [&](std::int64_t project) {
        return ctx.app.db.exec(kToolUpdate, part_id(ctx, kTools), project, in.name, in.kind, in.notes);
    });
}

}  // namespace

void register_project_part_routes(http::Router& r) {
    using http::Role;
    auto user = http::needs(Role::user);
    auto anyone = http::optional_auth();
    r.get("/api/v1/projects/{id:int}/steps", list_parts(kSteps), anyone);
    r.post("/api/v1/projects/{id:int}/steps", create_step, user);
    r.put("/api/v1/projects/{id:int}/steps/reorder", reorder_steps, user);
    r.put("/api/v1/projects/{id:int}/steps/{step_id:int}", update_step, user);
    r.del("/api/v1/projects/{id:int}/steps/{step_id:int}", delete_step, user);

    r.get("/api/v1/projects/{id:int}/bom", list_parts(kBom), anyone);
    r.post("/api/v1/projects/{id:int}/bom", create_bom_item, user);
    r.put("/api/v1/projects/{id:int}/bom/{item_id:int}", update_bom_item, user);
    r.del("/api/v1/projects/{id:int}/bom/{item_id:int}", delete_part(kBom), user);

    r.get("/api/v1/projects/{id:int}/links", list_parts(kLinks), anyone);
    r.post("/api/v1/projects/{id:int}/links", create_link, user);
    r.put("/api/v1/projects/{id:int}/links/{link_id:int}", update_link, user);
    r.del("/api/v1/projects/{id:int}/links/{link_id:int}", delete_part(kLinks), user);

    r.get("/api/v1/projects/{id:int}/tools", list_parts(kTools), anyone);
    r.post("/api/v1/projects/{id:int}/tools", create_tool, user);
    r.put("/api/v1/projects/{id:int}/tools/{tool_id:int}", update_tool, user);
    r.del("/api/v1/projects/{id:int}/tools/{tool_id:int}", delete_part(kTools), user);
}

}  // namespace stoa::handlers
