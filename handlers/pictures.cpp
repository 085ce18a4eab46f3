// Profile pictures: PUT and DELETE /api/v1/account/picture for the caller,
// GET /api/v1/users/{username}/picture for everyone. The upload is spooled
// to disk, re-encoded by libvips (image/picture.h), and only the result is
// stored; replacing or removing a picture removes the old blob.
#include "app.h"
#include "auth/identity.h"
#include "auth/user_record.h"
#include "handlers/routes.h"
#include "http/problem.h"
#include "image/picture.h"
#include "log/log.h"
#include "storage/blob_io.h"
#include "storage/blob_records.h"
#include "storage/checksum.h"
#include "storage/upload.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

constexpr std::uint64_t kMaxPictureBytes = 5 * 1024 * 1024;
// The picture plus the multipart framing and small extra fields.
constexpr std::size_t kMaxPictureBody = kMaxPictureBytes + 64 * 1024;
// What a stored (re-encoded, at most 400×400) picture can possibly weigh.
constexpr std::size_t kMaxStoredPicture = 2 * 1024 * 1024;
constexpr std::size_t kVersionLength = 16;
constexpr const char* kPictureType = "image/webp";

// The old picture's blob comes back so its file can go once this commits;
// the trigger users_release_picture marks it released in the same statement.
constexpr db::Query kSetPicture{
    "picture_set",
    "WITH old AS (SELECT picture_blob_id FROM users WHERE id = $1 FOR UPDATE) "
    "UPDATE users u SET picture_blob_id = $2, picture_version = $3, updated_at = now() FROM old "
    "WHERE u.id = $1 RETURNING u.username, old.picture_blob_id"};
constexpr db::Query kClearPicture{
    "picture_clear",
    "WITH old AS (SELECT picture_blob_id FROM users WHERE id = $1 FOR UPDATE) "
    "UPDATE users u SET picture_blob_id = NULL, picture_version = NULL, updated_at = now() FROM old "
    "WHERE u.id = $1 AND old.picture_blob_id IS NOT NULL RETURNING old.picture_blob_id"};
constexpr db::Query kPictureOf{
    "picture_of_user",
    "SELECT u.picture_version, " STOA_BLOB_COLUMNS " FROM users u JOIN blobs b ON b.id = u.picture_blob_id "
    "WHERE lower(u.username) = $1"};

// After a commit: the released blob's file goes now, or with the next sync.
void purge_released(RequestContext& ctx, const std::optional<std::int64_t>& blob_id) {
    if (!blob_id) return;
    if (auto old = storage::find_blob(ctx.app.db, *blob_id)) storage::purge_blob(ctx.app.db, ctx.app.files, *old);
}

Response put_picture(RequestContext& ctx) {
    storage::Upload upload =
        storage::receive_upload(ctx.req, "file", kMaxPictureBytes, ctx.app.files.local().spool_dir());
    auto picture = image::make_picture(upload.file.fd());
    if (!picture) throw Problem::unsupported_media_type("file: " + picture.error());

    storage::MemorySource encoded(picture->bytes);
    auto stored = ctx.app.files.store(encoded);
    if (!stored) {
        log::error("picture_store_failed", Json::object().set("error", stored.error()));
        throw Problem::unavailable("the file store cannot take the picture right now").header("Retry-After", "30");
    }
    storage::UncommittedBlob pending(ctx.app.files, std::move(*stored));
    std::string version = pending.blob().sha256.substr(0, kVersionLength);

    db::Transaction tx(ctx.app.db);
    std::int64_t blob_id = storage::insert_blob(ctx.app.db, pending.blob(), kPictureType, ctx.app.files.host());
    auto r = ctx.app.db.exec(kSetPicture, ctx.caller().id, blob_id, version);
    if (r.empty()) throw Problem::not_found("the account no longer exists");
    std::string username = r.str(0, 0);
    std::optional<std::int64_t> old_blob = r.opt_int64(0, 1);
    tx.commit();
    pending.keep();

    purge_released(ctx, old_blob);
    log::info("picture_set", Json::object()
                                 .set("user_id", ctx.caller().id)
                                 .set("bytes", static_cast<std::int64_t>(picture->bytes.size()))
                                 .set("width", picture->width)
                                 .set("height", picture->height)
                                 .set("location", storage::location_name(pending.blob().location)));
    Json body = Json::object();
    body.set("picture_url", Json::optional_string(auth::picture_url(username, version)));
    return Response::json(200, body);
}

Response delete_picture(RequestContext& ctx) {
    auto r = ctx.app.db.exec(kClearPicture, ctx.caller().id);
    if (!r.empty()) purge_released(ctx, r.opt_int64(0, 0));
    return Response::no_content();
}

Response get_picture(RequestContext& ctx) {
    auto username = auth::normalize_username(ctx.req.param("username"));
    auto r = username ? ctx.app.db.exec(kPictureOf, *username) : db::PgResult();
    if (r.empty()) throw Problem::not_found("no picture for this user");
    std::string version = r.str(0, 0);
    storage::BlobRecord record = storage::read_blob_record(r, 0, 1);

    std::string etag = "\"" + version + "\"";
    // A versioned URL names these bytes for good; a bare one is revalidated.
    bool versioned = ctx.req.query("v") == version;
    std::string cache_control = versioned ? "public, max-age=31536000, immutable" : "public, no-cache";
    if (auto inm = ctx.req.header("If-None-Match"); inm && http::etag_matches(*inm, etag)) {
        Response res = Response::not_modified();
        res.header("ETag", etag).header("Cache-Control", cache_control);
        return res;
    }
    storage::BlobBytes bytes = storage::read_blob(ctx.app.db, ctx.app.files, record, kMaxStoredPicture);
    if (!bytes.bytes) {
        if (bytes.failure == storage::ReadFailure::missing) throw Problem::not_found("no picture for this user");
        throw Problem::unavailable("the picture cannot be read right now").header("Retry-After", "30");
    }
    Response res = Response::bytes(record.content_type, std::move(*bytes.bytes));
    res.header("ETag", etag).header("Cache-Control", cache_control);
    return res;
}

}  // namespace

void register_picture_routes(http::Router& r) {
    r.put("/api/v1/account/picture", put_picture, http::needs(http::Role::guest).with_body_limit(kMaxPictureBody));
    r.del("/api/v1/account/picture", delete_picture, http::needs(http::Role::guest));
    r.get("/api/v1/users/{username}/picture", get_picture);
}

}  // namespace stoa::handlers
