// /api/v1/projects: create, read, update, delete, publish, and the gallery.
// Drafts are visible to their author and admins only (404 to anyone else);
// writing needs the author or an admin (projects/project_store.h).
#include <map>

#include "app.h"
#include "auth/identity.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/pagination.h"
#include "http/problem.h"
#include "log/log.h"
#include "projects/project_input.h"
#include "projects/project_store.h"
#include "storage/blob_io.h"
#include "util/text.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;
using projects::Mode;

constexpr db::Query kInsert{
    "projects_insert",
    "INSERT INTO projects (author_id, title, description, background, source_url, tags, status, published_at) "
    "VALUES ($1, $2, coalesce($3, ''), coalesce($4, ''), nullif($5, ''), coalesce($6::text[], '{}'), "
    "coalesce($7, 'draft'), CASE WHEN $7 = 'published' THEN now() END) RETURNING id"};
// Absent fields ($n NULL) stay; publishing sets published_at once, unpublishing keeps it.
constexpr db::Query kUpdate{
    "projects_update",
    "UPDATE projects SET title = coalesce($2, title), description = coalesce($3, description), "
    "background = coalesce($4, background), "
    "source_url = CASE WHEN $5::text IS NULL THEN source_url ELSE nullif($5, '') END, "
    "tags = coalesce($6::text[], tags), status = coalesce($7, status), "
    "published_at = CASE WHEN coalesce($7, status) = 'published' THEN coalesce(published_at, now()) "
    "ELSE published_at END, updated_at = now() WHERE id = $1"};
constexpr db::Query kBlobsOf{
    "projects_blobs_of",
    "SELECT blob_id FROM project_files WHERE project_id = $1 UNION ALL "
    "SELECT blob_id FROM project_images WHERE project_id = $1 UNION ALL "
    "SELECT thumb_blob_id FROM project_images WHERE project_id = $1 AND thumb_blob_id IS NOT NULL"};
constexpr db::Query kDelete{"projects_delete", "DELETE FROM projects WHERE id = $1"};
constexpr db::Query kGalleryVersion{"projects_gallery_version", "SELECT version FROM gallery_version"};

// A text[] literal for $n::text[] (tags are checked: no control characters,
// each element quoted and escaped).
std::optional<std::string> pg_array(const std::optional<std::vector<std::string>>& items) {
    if (!items) return std::nullopt;
    std::string out = "{";
    for (std::size_t i = 0; i < items->size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char c : (*items)[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

Response answer(RequestContext& ctx, int status, std::int64_t id) {
    return Response::json(status, projects::load_project_json(ctx.app.db, id));
}

Response create_project(RequestContext& ctx) {
    auto in = projects::read_project_input(http::Fields::from_json(ctx.req.json_body()), Mode::create);
    auto r = ctx.app.db.exec(kInsert, ctx.caller().id, in.title, in.description, in.background, in.source_url,
                             pg_array(in.tags), in.status);
    std::int64_t id = r.int64(0, 0);
    log::info("project_created", Json::object().set("project_id", id).set("user_id", ctx.caller().id));
    return answer(ctx, 201, id);
}

Response get_project(RequestContext& ctx) {
    return Response(200, "application/json", projects::readable_project_json(ctx, ctx.req.int_param("id")));
}

Response update_project(RequestContext& ctx) {
    auto in = projects::read_project_input(http::Fields::from_json(ctx.req.json_body()), Mode::update);
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    ctx.app.db.exec(kUpdate, head.id, in.title, in.description, in.background, in.source_url, pg_array(in.tags),
                    in.status);
    tx.commit();
    return answer(ctx, 200, head.id);
}

Response set_status(RequestContext& ctx, const char* status) {
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    ctx.app.db.exec(kUpdate, head.id, nullptr, nullptr, nullptr, nullptr, nullptr, status);
    tx.commit();
    return answer(ctx, 200, head.id);
}

Response publish_project(RequestContext& ctx) {
    return set_status(ctx, "published");
}

Response unpublish_project(RequestContext& ctx) {
    return set_status(ctx, "draft");
}

// The project and every part go in one transaction; the triggers release
// the blobs of its files and images, whose files are removed after the
// commit (or by the next `stoactl storage sync` when that fails).
Response delete_project(RequestContext& ctx) {
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    auto blobs = ctx.app.db.exec(kBlobsOf, head.id);
    ctx.app.db.exec(kDelete, head.id);
    tx.commit();
    for (int i = 0; i < blobs.rows(); ++i) {
        if (auto record = storage::find_blob(ctx.app.db, blobs.int64(i, 0)))
            storage::purge_blob(ctx.app.db, ctx.app.files, *record);
    }
    log::info("project_deleted", Json::object().set("project_id", head.id).set("user_id", ctx.caller().id));
    return Response::no_content();
}

// --- the gallery -----------------------------------------------------------

enum class Scope { published, own_drafts, all_drafts };
enum class Sort { newest, popular, downloads, relevance };

struct GalleryQuery {
    std::string name;
    std::string sql;
    // The first page at the default size, the gallery's usual request, with
    // its LIMIT written out: with LIMIT and OFFSET as parameters PostgreSQL
    // keeps planning the statement afresh on every call (a generic plan
    // guesses a tenth of the table), which cost more than running it.
    std::string first_page_name;
    std::string first_page_sql;
    std::string count_name;
    std::string count_sql;
};

// What tells the combinations apart, in statement names and gallery_query's map.
std::string gallery_key(Scope scope, bool tag, bool author, bool q, Sort sort) {
    return std::to_string(static_cast<int>(scope)) + (tag ? "t" : "") + (author ? "a" : "") + (q ? "q" : "") + "_" +
           std::to_string(static_cast<int>(sort));
}

// One prepared statement per combination of filters and sort, each served
// by an index (migrations/008_projects.up.sql). The text is db::SqlText:
// literals and $n placeholders only, never a value.
GalleryQuery build_gallery_query(Scope scope, bool tag, bool author, bool q, Sort sort) {
    using db::SqlText;
    int n = 0;
    SqlText where;
    switch (scope) {
        case Scope::published: where += "p.status = 'published'"; break;
        case Scope::own_drafts:
            where += "p.status = 'draft' AND p.author_id = ";
            where += SqlText::placeholder(++n);
            where += "::bigint";
            break;
        case Scope::all_drafts: where += "p.status = 'draft'"; break;
    }
    if (tag) {
        where += " AND p.tags @> ARRAY[";
        where += SqlText::placeholder(++n);
        where += "::text]";
    }
    if (author) {  // by username, in the statement: no lookup of its own before it
        where += " AND p.author_id = (SELECT u.id FROM users u WHERE lower(u.username) = ";
        where += SqlText::placeholder(++n);
        where += "::text)";
    }
    SqlText query;  // websearch_to_tsquery of the q parameter, for the filter and the ranking
    if (q) {
        query += "websearch_to_tsquery('english', ";
        query += SqlText::placeholder(++n);
        query += "::text)";
        where += " AND p.search @@ ";
        where += query;
    }
    SqlText order;
    switch (sort) {
        case Sort::newest:
            if (scope == Scope::published) order = "p.published_at DESC, p.id DESC";
            else order = "p.updated_at DESC, p.id DESC";
            break;
        case Sort::popular: order = "p.like_count DESC, p.id DESC"; break;
        case Sort::downloads: order = "p.download_count DESC, p.id DESC"; break;
        case Sort::relevance:
            order = "ts_rank(p.search, ";
            order += query;
            order += ") DESC, p.id DESC";
            break;
    }
    SqlText select = "SELECT " STOA_PROJECT_COLUMNS STOA_PROJECT_FROM "WHERE ";
    select += where;
    select += " ORDER BY ";
    select += order;
    SqlText page = select;
    page += " LIMIT ";
    page += SqlText::placeholder(n + 1);
    page += " OFFSET ";
    page += SqlText::placeholder(n + 2);
    SqlText first_page = select;
    static_assert(http::Page{}.per_page == 20, "the first page's statement writes out the default page size");
    first_page += " LIMIT 20";
    SqlText count = "SELECT n FROM project_counts WHERE status = 'published'";  // kept by triggers
    if (scope != Scope::published || tag || author || q) {
        count = "SELECT count(*) FROM projects p WHERE ";
        count += where;
    }

    std::string key = gallery_key(scope, tag, author, q, sort);
    GalleryQuery g;
    g.name = "projects_gallery_" + key;
    g.sql = page.str();
    g.first_page_name = g.name + "_first";
    g.first_page_sql = first_page.str();
    g.count_name = "projects_gallery_count_" + key;
    g.count_sql = count.str();
    return g;
}

// Built once per process, then read only.
const GalleryQuery& gallery_query(Scope scope, bool tag, bool author, bool q, Sort sort) {
    static const std::map<std::string, GalleryQuery> all = [] {
        std::map<std::string, GalleryQuery> m;
        for (Scope s : {Scope::published, Scope::own_drafts, Scope::all_drafts})
            for (int bits = 0; bits < 8; ++bits)
                for (Sort o : {Sort::newest, Sort::popular, Sort::downloads, Sort::relevance}) {
                    GalleryQuery g = build_gallery_query(s, bits & 1, bits & 2, bits & 4, o);
                    m.emplace(gallery_key(s, bits & 1, bits & 2, bits & 4, o), std::move(g));
                }
        return m;
    }();
    return all.at(gallery_key(scope, tag, author, q, sort));
}

Response list_projects(RequestContext& ctx) {
    auto page = http::read_page(ctx.req);
    http::Validation v;
    Scope scope = Scope::published;
    if (auto status = ctx.req.query("status"); status && !status->empty()) {
        if (*status == "draft") scope = projects::is_admin(ctx) ? Scope::all_drafts : Scope::own_drafts;
        else if (*status != "published") v.add("status", "invalid", "status: draft or published");
    }
    auto q = ctx.req.query("q");
    if (q && trim(*q).empty()) q.reset();
    if (q && q->size() > 200) v.add("q", "too_long", "q: at most 200 characters");
    Sort sort = q ? Sort::relevance : Sort::newest;
    if (auto s = ctx.req.query("sort"); s && !s->empty()) {
        if (*s == "newest") sort = Sort::newest;
        else if (*s == "popular") sort = Sort::popular;
        else if (*s == "downloads") sort = Sort::downloads;
        else v.add("sort", "invalid", "sort: newest, popular or downloads");
    }
    auto tag = ctx.req.query("tag");
    if (tag) {
        std::string t(trim(*tag));
        for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        tag = t.empty() ? std::nullopt : std::optional<std::string>(t);
    }
    std::optional<std::string> author;  // a normalised username; "" (nobody's) when it cannot be one
    if (auto a = ctx.req.query("author"); a && !a->empty()) author = auth::normalize_username(*a).value_or("");
    v.throw_if_any();

    const GalleryQuery& g = gallery_query(scope, tag.has_value(), author.has_value(), q.has_value(), sort);
    std::vector<db::Param> params;
    if (scope == Scope::own_drafts) params.push_back(db::to_param(ctx.user ? ctx.user->id : std::int64_t{0}));
    if (tag) params.push_back(*tag);
    if (author) params.push_back(*author);
    if (q) params.push_back(*q);
    std::vector<db::Param> page_params = params;
    bool first_page = page.offset() == 0 && page.per_page == http::Page{}.per_page;
    if (!first_page) {
        page_params.push_back(db::to_param(page.per_page));
        page_params.push_back(db::to_param(page.offset()));
    }
    // The total and the page in one round trip.
    const db::Query count_query{g.count_name.c_str(), g.count_sql.c_str()};
    const db::Query page_query = first_page ? db::Query{g.first_page_name.c_str(), g.first_page_sql.c_str()}
                                            : db::Query{g.name.c_str(), g.sql.c_str()};
    auto work = [&] {
        return std::vector<db::Connection::Call>{{&count_query, params}, {&page_query, page_params}};
    };
    auto answer = [&](const std::vector<db::PgResult>& results) {
        std::int64_t total = results[0].int64(0, 0);
        const db::PgResult& r = results[1];
        std::string items = "[";
        for (int i = 0; i < r.rows(); ++i) {
            if (i > 0) items += ',';
            projects::append_project_json(items, r, i);
        }
        items += ']';
        return http::page_json_text(items, page, total);
    };
    if (scope != Scope::published) return Response(200, "application/json", answer(ctx.app.db.exec_all(work())));
    // Published projects look the same to everyone: the answer is kept while
    // no change to them is committed (gallery_version, migrations/010).
    // Texts go in with their lengths: no tag or q can pass for another request's key.
    auto field = [](const std::optional<std::string>& text) {
        return text ? std::to_string(text->size()) + ':' + *text : std::string("-");
    };
    std::string key = "gallery\n" + gallery_key(scope, tag.has_value(), author.has_value(), q.has_value(), sort) +
                      '\n' + field(tag) + '\n' + field(author) + '\n' + field(q) + '\n' + std::to_string(page.page) +
                      ':' + std::to_string(page.per_page);
    return Response(200, "application/json",
                    db::cached_answer(ctx.app.db, ctx.app.answers, key, {&kGalleryVersion, {}}, work, answer));
}

}  // namespace

void register_project_routes(http::Router& r) {
    using http::Role;
    r.get("/api/v1/projects", list_projects, http::optional_auth());
    r.post("/api/v1/projects", create_project, http::needs(Role::user));
    r.get("/api/v1/projects/{id:int}", get_project, http::optional_auth());
    r.put("/api/v1/projects/{id:int}", update_project, http::needs(Role::user));
    r.del("/api/v1/projects/{id:int}", delete_project, http::needs(Role::user));
    r.post("/api/v1/projects/{id:int}/publish", publish_project, http::needs(Role::user));
    r.post("/api/v1/projects/{id:int}/unpublish", unpublish_project, http::needs(Role::user));
}

}  // namespace stoa::handlers
