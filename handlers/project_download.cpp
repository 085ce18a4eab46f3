// GET /api/v1/projects/{id}/download: the whole project as a ZIP, streamed
// as it is built (projects/zip_stream.h): README.md, bom.csv, files/...
// and images/... under their original names made safe and unique. The
// rows are read first (small); the files are read from the store one
// chunk at a time while the archive goes out.
#include <memory>

#include "app.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/problem.h"
#include "log/log.h"
#include "projects/bom_csv.h"
#include "projects/project_doc.h"
#include "projects/project_store.h"
#include "projects/safe_filename.h"
#include "projects/zip_stream.h"
#include "storage/blob_io.h"
#include "storage/blob_records.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

constexpr db::Query kProject{
    "download_project",
    "SELECT p.title, p.description, p.background, p.source_url, array_to_string(p.tags, ','), u.username, p.status, "
    STOA_SQL_TS("p.created_at") ", " STOA_SQL_TS("p.updated_at") ", " STOA_SQL_TS("p.published_at")
    " FROM projects p JOIN users u ON u.id = p.author_id WHERE p.id = $1"};
constexpr db::Query kSteps{"download_steps",
                           "SELECT title, body FROM project_steps WHERE project_id = $1 ORDER BY position"};
constexpr db::Query kBom{"download_bom",
                         "SELECT name, quantity, unit, part_number, supplier_url, unit_price::text, currency, notes "
                         "FROM bom_items WHERE project_id = $1 ORDER BY position, id"};
constexpr db::Query kComponents{
    "download_components",
    "SELECT c.name, c.manufacturer, c.part_number, c.datasheet_url, pc.quantity, pc.notes FROM project_components pc "
    "JOIN components c ON c.id = pc.component_id WHERE pc.project_id = $1 ORDER BY pc.position, pc.id"};
constexpr db::Query kTools{"download_tools",
                           "SELECT name, kind, notes FROM project_tools WHERE project_id = $1 ORDER BY position, id"};
constexpr db::Query kLinks{"download_links",
                           "SELECT kind, title, url FROM project_links WHERE project_id = $1 ORDER BY position, id"};
constexpr db::Query kFiles{"download_files",
                           "SELECT f.filename, f.description, " STOA_BLOB_COLUMNS " FROM project_files f "
                           "JOIN blobs b ON b.id = f.blob_id WHERE f.project_id = $1 ORDER BY f.position, f.id"};
constexpr db::Query kImages{"download_images",
                            "SELECT i.filename, i.caption, i.width, i.height, i.is_primary, " STOA_BLOB_COLUMNS
                            " FROM project_images i JOIN blobs b ON b.id = i.blob_id WHERE i.project_id = $1 "
                            "ORDER BY i.position, i.id"};
constexpr db::Query kCountDownload{"download_count",
                                   "UPDATE projects SET download_count = download_count + 1 WHERE id = $1"};

struct Entry {
    std::string path;
    storage::BlobRecord blob;
    bool compress = true;
};

struct Archive {
    projects::ProjectDoc doc;
    std::vector<Entry> entries;
};

std::vector<std::string> split_tags(const std::string& joined) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < joined.size()) {
        std::size_t comma = joined.find(',', start);
        if (comma == std::string::npos) comma = joined.size();
        out.push_back(joined.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

Archive load(db::Connection& db, std::int64_t id) {
    Archive a;
    projects::ProjectDoc& d = a.doc;
    auto p = db.exec(kProject, id);
    if (p.empty()) throw Problem::not_found("no such project");
    d.id = id;
    d.title = p.str(0, 0);
    d.description = p.str(0, 1);
    d.background = p.str(0, 2);
    d.source_url = p.opt_str(0, 3);
    d.tags = split_tags(p.str(0, 4));
    d.author = p.str(0, 5);
    d.status = p.str(0, 6);
    d.created_at = p.str(0, 7);
    d.updated_at = p.str(0, 8);
    d.published_at = p.opt_str(0, 9);

    auto steps = db.exec(kSteps, id);
    for (int i = 0; i < steps.rows(); ++i) d.steps.push_back({steps.str(i, 0), steps.str(i, 1)});
    auto bom = db.exec(kBom, id);
    for (int i = 0; i < bom.rows(); ++i)
        d.bom.push_back({bom.str(i, 0), bom.int64(i, 1), bom.opt_str(i, 2), bom.opt_str(i, 3), bom.opt_str(i, 4),
                         bom.opt_str(i, 5), bom.opt_str(i, 6), bom.opt_str(i, 7)});
    auto comps = db.exec(kComponents, id);
    for (int i = 0; i < comps.rows(); ++i)
        d.components.push_back({comps.str(i, 0), comps.opt_str(i, 1), comps.opt_str(i, 2), comps.opt_str(i, 3),
                                comps.int64(i, 4), comps.opt_str(i, 5)});
    auto tools = db.exec(kTools, id);
    for (int i = 0; i < tools.rows(); ++i) d.tools.push_back({tools.str(i, 0), tools.str(i, 1), tools.opt_str(i, 2)});
    auto links = db.exec(kLinks, id);
    for (int i = 0; i < links.rows(); ++i) d.links.push_back({links.str(i, 0), links.str(i, 1), links.str(i, 2)});

    projects::UniqueNames file_names;
    // README.md and bom.csv are at the top; files/ and images/ are folders.
    auto files = db.exec(kFiles, id);
    for (int i = 0; i < files.rows(); ++i) {
        Entry e{"files/" + file_names.take(projects::safe_filename(files.str(i, 0))),
                storage::read_blob_record(files, i, 2), true};
        d.files.push_back({e.path, e.blob.size, files.opt_str(i, 1), std::nullopt, std::nullopt, false});
        a.entries.push_back(std::move(e));
    }
    projects::UniqueNames image_names;
    auto images = db.exec(kImages, id);
    for (int i = 0; i < images.rows(); ++i) {
        Entry e{"images/" + image_names.take(projects::safe_filename(images.str(i, 0))),
                storage::read_blob_record(images, i, 5), false};
        auto dim = [&](int col) {
            return images.is_null(i, col) ? std::optional<int>() : std::optional<int>(static_cast<int>(images.int64(i, col)));
        };
        d.images.push_back({e.path, e.blob.size, images.opt_str(i, 1), dim(2), dim(3), images.boolean(i, 4)});
        a.entries.push_back(std::move(e));
    }
    return a;
}

Response download_project(RequestContext& ctx) {
    auto head = projects::require_readable(ctx, ctx.req.int_param("id"));
    auto archive = std::make_shared<Archive>(load(ctx.app.db, head.id));
    // Counted once per download, atomically, before the bytes go out.
    if (ctx.req.method() != "HEAD") ctx.app.db.exec(kCountDownload, head.id);

    App& app = ctx.app;
    Response res = Response::stream("application/zip", [archive, &app](http::BodySink& sink) {
        projects::ZipStream zip(sink);
        zip.add("README.md", projects::readme_markdown(archive->doc));
        zip.add("bom.csv", projects::bom_csv(archive->doc.bom));
        for (const Entry& e : archive->entries) {
            auto reader = storage::open_blob(app.db, app.files, e.blob);
            if (!reader.source) throw std::runtime_error("blob " + e.blob.name.str() + " cannot be read");
            zip.add(e.path, e.blob.size, *reader.source, e.compress);
            if (zip.client_gone()) return;
        }
        zip.finish();
        log::info("project_downloaded", Json::object()
                                            .set("project_id", archive->doc.id)
                                            .set("entries", static_cast<std::int64_t>(archive->entries.size())));
    });
    std::string stem = projects::safe_filename(archive->doc.title);
    res.header("Content-Disposition", projects::content_disposition("attachment", stem + ".zip"))
        .header("X-Content-Type-Options", "nosniff")
        .header("Cache-Control", "private, no-store");
    return res;
}

}  // namespace

void register_project_download_routes(http::Router& r) {
    r.get("/api/v1/projects/{id:int}/download", download_project, http::optional_auth());
}

}  // namespace stoa::handlers
