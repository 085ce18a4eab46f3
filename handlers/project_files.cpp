// Files and images of a project: uploads are spooled to disk, checked,
// written to the file store (SMB, or the local fallback) and only then
// recorded; downloads stream from the store. The original filename is
// display metadata, made safe (projects/safe_filename.h) before it is used
// in a header. User content is never served inline from the site's origin
// without `Content-Security-Policy: sandbox` and `nosniff`.
#include <unistd.h>

#include "app.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/problem.h"
#include "image/picture.h"
#include "log/log.h"
#include "projects/project_store.h"
#include "projects/safe_filename.h"
#include "projects/upload_kind.h"
#include "storage/blob_io.h"
#include "storage/blob_records.h"
#include "storage/upload.h"
#include "util/text.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

// Route body limits: the largest accepted upload plus multipart framing
// (the configured limits, at most these, are checked while reading).
constexpr std::size_t kFraming = 64 * 1024;
constexpr std::size_t kMaxFileBody = 25 * 1024 * 1024 + kFraming;
constexpr std::size_t kMaxImageBody = 10 * 1024 * 1024 + kFraming;
constexpr std::size_t kHeadBytes = 64 * 1024;

constexpr db::Query kUsage{
    "project_files_usage",
    "SELECT (SELECT count(*) FROM project_files WHERE project_id = $1), "
    "(SELECT count(*) FROM project_images WHERE project_id = $1), "
    "coalesce((SELECT sum(size) FROM project_files WHERE project_id = $1), 0) + "
    "coalesce((SELECT sum(size) FROM project_images WHERE project_id = $1), 0)"};

#define STOA_FILE_COLUMNS "id, filename, size, content_type, description, " STOA_SQL_TS("created_at")
constexpr db::Query kFileInsert{
    "project_files_insert",
    "INSERT INTO project_files (project_id, blob_id, position, filename, size, content_type, description) "
    "VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM project_files WHERE project_id = $1), $3, $4, $5, "
    "nullif($6, '')) RETURNING " STOA_FILE_COLUMNS};
constexpr db::Query kFileList{"project_files_list", "SELECT " STOA_FILE_COLUMNS
                                                    " FROM project_files WHERE project_id = $1 ORDER BY position, id"};
constexpr db::Query kFileBlob{"project_files_blob",
                              "SELECT f.filename, " STOA_BLOB_COLUMNS " FROM project_files f "
                              "JOIN blobs b ON b.id = f.blob_id WHERE f.id = $1 AND f.project_id = $2"};
constexpr db::Query kFileDelete{"project_files_delete",
                                "DELETE FROM project_files WHERE id = $1 AND project_id = $2 RETURNING blob_id"};

#define STOA_IMAGE_COLUMNS \
    "id, filename, width, height, caption, is_primary, content_type, size, " STOA_SQL_TS("created_at")
constexpr db::Query kImageInsert{
    "project_images_insert",
    "INSERT INTO project_images (project_id, blob_id, thumb_blob_id, position, filename, width, height, size, "
    "content_type, caption, is_primary) VALUES ($1, $2, $3, "
    "(SELECT coalesce(max(position), 0) + 1 FROM project_images WHERE project_id = $1), $4, $5, $6, $7, $8, "
    "nullif($9, ''), NOT EXISTS (SELECT 1 FROM project_images WHERE project_id = $1 AND is_primary)) "
    "RETURNING " STOA_IMAGE_COLUMNS};
constexpr db::Query kImageList{"project_images_list", "SELECT " STOA_IMAGE_COLUMNS
                                                      " FROM project_images WHERE project_id = $1 ORDER BY position, id"};
constexpr db::Query kImageOne{"project_images_one",
                              "SELECT " STOA_IMAGE_COLUMNS " FROM project_images WHERE id = $1 AND project_id = $2"};
constexpr db::Query kImageBlob{"project_images_blob",
                               "SELECT i.filename, " STOA_BLOB_COLUMNS " FROM project_images i "
                               "JOIN blobs b ON b.id = CASE WHEN $3 THEN coalesce(i.thumb_blob_id, i.blob_id) "
                               "ELSE i.blob_id END WHERE i.id = $1 AND i.project_id = $2"};
constexpr db::Query kImageDelete{"project_images_delete",
                                 "DELETE FROM project_images WHERE id = $1 AND project_id = $2 "
                                 "RETURNING blob_id, thumb_blob_id"};
constexpr db::Query kPromoteNext{
    "project_images_promote",
    "UPDATE project_images SET is_primary = true WHERE id = (SELECT id FROM project_images WHERE project_id = $1 "
    "ORDER BY position, id LIMIT 1) AND NOT EXISTS (SELECT 1 FROM project_images WHERE project_id = $1 AND is_primary)"};
constexpr db::Query kClearPrimary{"project_images_clear_primary",
                                  "UPDATE project_images SET is_primary = false "
                                  "WHERE project_id = $1 AND is_primary AND id <> $2"};
constexpr db::Query kSetPrimary{"project_images_set_primary",
                                "UPDATE project_images SET is_primary = true WHERE id = $1 AND project_id = $2"};

Json file_json(std::int64_t project_id, const db::PgResult& r, int row) {
    std::int64_t id = r.int64(row, 0);
    Json j = Json::object();
    j.set("id", id)
        .set("filename", r.str(row, 1))
        .set("size", r.int64(row, 2))
        .set("content_type", r.str(row, 3))
        .set("description", Json::optional_string(r.opt_str(row, 4)))
        .set("created_at", r.str(row, 5))
        .set("url", projects::file_url(project_id, id));
    return j;
}

Json image_json(std::int64_t project_id, const db::PgResult& r, int row) {
    std::int64_t id = r.int64(row, 0);
    std::string url = projects::image_url(project_id, id);
    Json j = Json::object();
    j.set("id", id)
        .set("filename", r.str(row, 1))
        .set("width", r.is_null(row, 2) ? Json::null() : Json::integer(r.int64(row, 2)))
        .set("height", r.is_null(row, 3) ? Json::null() : Json::integer(r.int64(row, 3)))
        .set("caption", Json::optional_string(r.opt_str(row, 4)))
        .set("primary", r.boolean(row, 5))
        .set("content_type", r.str(row, 6))
        .set("size", r.int64(row, 7))
        .set("created_at", r.str(row, 8))
        .set("url", url)
        .set("thumbnail_url", url + "?size=thumb");
    return j;
}

struct Usage {
    std::int64_t files = 0;
    std::int64_t images = 0;
    std::uint64_t bytes = 0;
};

// 422 past the count quota, 413 past the bytes quota, with the numbers.
void check_room(RequestContext& ctx, std::int64_t project_id, bool image, std::uint64_t adding) {
    auto r = ctx.app.db.exec(kUsage, project_id);
    Usage u{r.int64(0, 0), r.int64(0, 1), static_cast<std::uint64_t>(r.int64(0, 2))};
    const Config& c = ctx.app.config;
    int max_count = image ? c.project_max_images : c.project_max_files;
    if ((image ? u.images : u.files) >= max_count)
        throw Problem::validation().field(image ? "images" : "files", "quota_exceeded",
                                          std::string("a project has at most ") + std::to_string(max_count) +
                                              (image ? " images" : " files") + "; delete one first");
    if (u.bytes + adding > c.project_max_bytes)
        throw Problem::payload_too_large("a project stores at most " + storage::size_text(c.project_max_bytes) +
                                         " in all; it holds " + storage::size_text(u.bytes) + " and this upload is " +
                                         storage::size_text(adding));
}

std::string head_of(const storage::SpoolFile& file) {
    std::string head(static_cast<std::size_t>(std::min<std::uint64_t>(file.size(), kHeadBytes)), '\0');
    ssize_t got = ::pread(file.fd(), head.data(), head.size(), 0);
    head.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return head;
}

// Writes a blob to the store; 503 when nothing takes it now.
storage::StoredBlob store_blob(RequestContext& ctx, storage::ByteSource& source) {
    auto stored = ctx.app.files.store(source);
    if (!stored) {
        log::error("project_store_failed", Json::object().set("error", stored.error()));
        throw Problem::unavailable("the file store cannot take the upload right now").header("Retry-After", "30");
    }
    return std::move(*stored);
}

void purge(RequestContext& ctx, const std::optional<std::int64_t>& blob_id) {
    if (!blob_id) return;
    if (auto record = storage::find_blob(ctx.app.db, *blob_id)) storage::purge_blob(ctx.app.db, ctx.app.files, *record);
}

std::string display_name(const storage::Upload& upload) {
    return projects::safe_filename(upload.filename.value_or(""));
}

std::optional<std::string> text_field(const storage::Upload& upload, const char* name, std::size_t max_chars) {
    auto it = upload.text_fields.find(name);
    if (it == upload.text_fields.end()) return std::nullopt;
    std::string value(trim(it->second));
    if (utf8_length(value) > max_chars)
        throw Problem::validation().field(name, "too_long",
                                          std::string(name) + ": at most " + std::to_string(max_chars) + " characters");
    return value;
}

// Streams a blob as the response body.
Response stream_blob(RequestContext& ctx, const storage::BlobRecord& record, const std::string& content_type) {
    auto reader = storage::open_blob(ctx.app.db, ctx.app.files, record);
    if (!reader.source) {
        if (reader.failure == storage::ReadFailure::missing) throw Problem::not_found("the file is missing");
        throw Problem::unavailable("the file cannot be read right now").header("Retry-After", "30");
    }
    auto source = std::shared_ptr<storage::ByteSource>(std::move(reader.source));
    std::string blob = record.name.str();
    Response res = Response::stream(content_type, [source, blob](http::BodySink& sink) {
        std::string buf(256 * 1024, '\0');
        for (;;) {
            auto n = source->read(buf.data(), buf.size());
            if (!n) throw std::runtime_error("reading blob " + blob + ": " + n.error());
            if (*n == 0 || !sink.write(buf.data(), *n)) return;
        }
    });
    res.header("Content-Length", std::to_string(record.size));
    res.header("X-Content-Type-Options", "nosniff");
    return res;
}

// --- files -----------------------------------------------------------------

Response upload_file(RequestContext& ctx) {
    std::int64_t project_id = ctx.req.int_param("id");
    {
        db::Transaction check(ctx.app.db);  // refuse early, before reading the body
        projects::require_writable(ctx, project_id);
    }
    const Config& c = ctx.app.config;
    storage::Upload upload = storage::receive_upload(ctx.req, "file", c.project_max_file_bytes,
                                                     ctx.app.files.local().spool_dir(), {"description"});
    std::string filename = display_name(upload);
    std::string ext = projects::extension_of(filename);
    auto content_type = projects::file_content_type(ext);
    if (!content_type)
        throw Problem::unsupported_media_type("file: the extension must be one of " +
                                              projects::accepted_file_extensions());
    if (auto wrong = projects::check_file_content(ext, head_of(upload.file)); !wrong.empty())
        throw Problem::unsupported_media_type("file: " + wrong);
    auto description = text_field(upload, "description", 2000);
    {
        db::Transaction pre(ctx.app.db);
        check_room(ctx, project_id, false, upload.file.size());
    }

    storage::UncommittedBlob pending(ctx.app.files, store_blob(ctx, upload.file));
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, project_id);
    check_room(ctx, head.id, false, pending.blob().size);
    std::int64_t blob_id = storage::insert_blob(ctx.app.db, pending.blob(), *content_type, ctx.app.files.host());
    auto r = ctx.app.db.exec(kFileInsert, head.id, blob_id, filename, static_cast<std::int64_t>(pending.blob().size),
                             *content_type, description);
    tx.commit();
    pending.keep();
    log::info("project_file_added", Json::object()
                                        .set("project_id", head.id)
                                        .set("bytes", static_cast<std::int64_t>(pending.blob().size))
                                        .set("location", storage::location_name(pending.blob().location)));
    return Response::json(201, file_json(head.id, r, 0));
}

Response list_files(RequestContext& ctx) {
    auto head = projects::require_readable(ctx, ctx.req.int_param("id"));
    auto r = ctx.app.db.exec(kFileList, head.id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(file_json(head.id, r, i));
    Json body = Json::object();
    body.set("items", std::move(items));
    return Response::json(200, body);
}

Response download_file(RequestContext& ctx) {
    auto head = projects::require_readable(ctx, ctx.req.int_param("id"));
    auto r = ctx.app.db.exec(kFileBlob, ctx.req.int_param("file_id"), head.id);
    if (r.empty()) throw Problem::not_found("no such file in this project");
    storage::BlobRecord record = storage::read_blob_record(r, 0, 1);
    Response res = stream_blob(ctx, record, record.content_type);
    res.header("Content-Disposition", projects::content_disposition("attachment", r.str(0, 0)))
        .header("Content-Security-Policy", "sandbox")
        .header("Cache-Control", "private, no-cache");
    return res;
}

Response delete_file(RequestContext& ctx) {
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    auto r = ctx.app.db.exec(kFileDelete, ctx.req.int_param("file_id"), head.id);
    if (r.empty()) throw Problem::not_found("no such file in this project");
    tx.commit();
    purge(ctx, r.opt_int64(0, 0));
    return Response::no_content();
}

// --- images ------------------------------------------------------------------

struct ProcessedImage {
    std::string main;  // what is stored and served
    std::optional<std::string> thumb;
    std::optional<int> width;
    std::optional<int> height;
    std::string content_type;
    std::string filename;  // the display name (".webp" for re-encoded ones)
};

ProcessedImage process_image(const storage::Upload& upload) {
    std::string filename = display_name(upload);
    std::string ext = projects::extension_of(filename);
    if (!projects::image_extension_accepted(ext))
        throw Problem::unsupported_media_type(std::string("file: the extension must be one of ") +
                                              projects::kAcceptedImages);
    std::string head = head_of(upload.file);
    ProcessedImage out;
    if (!image::sniff_format(head)) {
        if (ext != ".svg" || !projects::looks_like_svg(head))
            throw Problem::unsupported_media_type("file: not a PNG, JPEG, GIF, WebP or SVG image (told by its content)");
        std::string svg(static_cast<std::size_t>(upload.file.size()), '\0');
        ssize_t got = ::pread(upload.file.fd(), svg.data(), svg.size(), 0);
        if (got < 0 || static_cast<std::size_t>(got) != svg.size())
            throw Problem::unavailable("the upload could not be read back").header("Retry-After", "5");
        out.main = std::move(svg);
        out.content_type = "image/svg+xml";
        out.filename = filename;
        return out;
    }
    image::PictureLimits big;
    big.box = 2048;
    auto main = image::make_picture(upload.file.fd(), big);
    if (!main) throw Problem::unsupported_media_type("file: " + main.error());
    auto thumb = image::make_picture(upload.file.fd(), image::PictureLimits{});
    if (!thumb) throw Problem::unsupported_media_type("file: " + thumb.error());
    out.width = main->width;
    out.height = main->height;
    out.main = std::move(main->bytes);
    out.thumb = std::move(thumb->bytes);
    out.content_type = "image/webp";
    std::string stem = filename.substr(0, filename.size() - ext.size());
    out.filename = projects::safe_filename(stem + ".webp");
    return out;
}

Response upload_image(RequestContext& ctx) {
    std::int64_t project_id = ctx.req.int_param("id");
    {
        db::Transaction check(ctx.app.db);
        projects::require_writable(ctx, project_id);
    }
    storage::Upload upload = storage::receive_upload(ctx.req, "file", ctx.app.config.project_max_image_bytes,
                                                     ctx.app.files.local().spool_dir(), {"caption"});
    auto caption = text_field(upload, "caption", 500);
    ProcessedImage img = process_image(upload);
    std::uint64_t total = img.main.size() + (img.thumb ? img.thumb->size() : 0);
    {
        db::Transaction pre(ctx.app.db);
        check_room(ctx, project_id, true, total);
    }

    storage::MemorySource main_source(img.main);
    storage::UncommittedBlob main_blob(ctx.app.files, store_blob(ctx, main_source));
    std::optional<storage::UncommittedBlob> thumb_blob;
    if (img.thumb) {
        storage::MemorySource thumb_source(*img.thumb);
        thumb_blob.emplace(ctx.app.files, store_blob(ctx, thumb_source));
    }
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, project_id);
    check_room(ctx, head.id, true, total);
    std::int64_t main_id = storage::insert_blob(ctx.app.db, main_blob.blob(), img.content_type, ctx.app.files.host());
    std::optional<std::int64_t> thumb_id;
    if (thumb_blob) thumb_id = storage::insert_blob(ctx.app.db, thumb_blob->blob(), "image/webp", ctx.app.files.host());
    auto r = ctx.app.db.exec(kImageInsert, head.id, main_id, thumb_id, img.filename, img.width, img.height,
                             static_cast<std::int64_t>(total), img.content_type, caption);
    tx.commit();
    main_blob.keep();
    if (thumb_blob) thumb_blob->keep();
    return Response::json(201, image_json(head.id, r, 0));
}

Response list_images(RequestContext& ctx) {
    auto head = projects::require_readable(ctx, ctx.req.int_param("id"));
    auto r = ctx.app.db.exec(kImageList, head.id);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(image_json(head.id, r, i));
    Json body = Json::object();
    body.set("items", std::move(items));
    return Response::json(200, body);
}

Response get_image(RequestContext& ctx) {
    auto head = projects::require_readable(ctx, ctx.req.int_param("id"));
    bool thumb = ctx.req.query("size") == "thumb";
    auto r = ctx.app.db.exec(kImageBlob, ctx.req.int_param("image_id"), head.id, thumb);
    if (r.empty()) throw Problem::not_found("no such image in this project");
    storage::BlobRecord record = storage::read_blob_record(r, 0, 1);
    bool svg = record.content_type == "image/svg+xml";
    Response res = stream_blob(ctx, record, record.content_type);
    // An SVG can carry scripts: never a document of the site's origin.
    res.header("Content-Disposition", projects::content_disposition(svg ? "attachment" : "inline", r.str(0, 0)))
        .header("Content-Security-Policy", "sandbox")
        .header("ETag", "\"" + record.sha256.substr(0, 32) + "\"")
        .header("Cache-Control", head.published ? "public, max-age=3600" : "private, no-cache");
    return res;
}

Response make_primary(RequestContext& ctx) {
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    std::int64_t image_id = ctx.req.int_param("image_id");
    if (ctx.app.db.exec(kImageOne, image_id, head.id).empty()) throw Problem::not_found("no such image in this project");
    ctx.app.db.exec(kClearPrimary, head.id, image_id);
    ctx.app.db.exec(kSetPrimary, image_id, head.id);
    auto r = ctx.app.db.exec(kImageOne, image_id, head.id);
    tx.commit();
    return Response::json(200, image_json(head.id, r, 0));
}

Response delete_image(RequestContext& ctx) {
    db::Transaction tx(ctx.app.db);
    auto head = projects::require_writable(ctx, ctx.req.int_param("id"));
    auto r = ctx.app.db.exec(kImageDelete, ctx.req.int_param("image_id"), head.id);
    if (r.empty()) throw Problem::not_found("no such image in this project");
    ctx.app.db.exec(kPromoteNext, head.id);
    tx.commit();
    purge(ctx, r.opt_int64(0, 0));
    purge(ctx, r.opt_int64(0, 1));
    return Response::no_content();
}

}  // namespace

void register_project_file_routes(http::Router& r) {
    using http::Role;
    auto user = http::needs(Role::user);
    auto anyone = http::optional_auth();
    r.post("/api/v1/projects/{id:int}/files", upload_file, user.with_body_limit(kMaxFileBody));
    r.get("/api/v1/projects/{id:int}/files", list_files, anyone);
    r.get("/api/v1/projects/{id:int}/files/{file_id:int}", download_file, anyone);
    r.del("/api/v1/projects/{id:int}/files/{file_id:int}", delete_file, user);

    r.post("/api/v1/projects/{id:int}/images", upload_image, user.with_body_limit(kMaxImageBody));
    r.get("/api/v1/projects/{id:int}/images", list_images, anyone);
    r.get("/api/v1/projects/{id:int}/images/{image_id:int}", get_image, anyone);
    r.put("/api/v1/projects/{id:int}/images/{image_id:int}/primary", make_primary, user);
    r.del("/api/v1/projects/{id:int}/images/{image_id:int}", delete_image, user);
}

}  // namespace stoa::handlers
