#include "storage/blob_records.h"

#include <stdexcept>

namespace stoa::storage {
namespace {

constexpr db::Query kInsert{
    "blob_insert",
    "INSERT INTO blobs (name, location, local_host, size, sha256, content_type) VALUES ($1, $2, $3, $4, $5, $6) "
    "RETURNING id"};
constexpr db::Query kFind{"blob_find", "SELECT " STOA_BLOB_COLUMNS " FROM blobs b WHERE b.id = $1"};
constexpr db::Query kRelease{"blob_release",
                             "UPDATE blobs SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL"};
constexpr db::Query kForget{"blob_forget", "DELETE FROM blobs WHERE id = $1 AND deleted_at IS NOT NULL"};
constexpr db::Query kReleased{
    "blob_released",
    "SELECT " STOA_BLOB_COLUMNS " FROM blobs b WHERE b.deleted_at IS NOT NULL "
    "AND (b.location = 'share' OR b.local_host = $1) AND b.id > $2 ORDER BY b.id LIMIT $3"};
constexpr db::Query kLive{"blob_live",
                          "SELECT " STOA_BLOB_COLUMNS " FROM blobs b WHERE b.deleted_at IS NULL AND b.id > $1 "
                          "ORDER BY b.id LIMIT $2"};
constexpr db::Query kLocal{
    "blob_local",
    "SELECT " STOA_BLOB_COLUMNS " FROM blobs b WHERE b.location = 'local' AND b.local_host = $1 "
    "AND b.deleted_at IS NULL AND b.id > $2 ORDER BY b.id LIMIT $3"};
constexpr db::Query kMoved{
    "blob_moved_to_share",
    "UPDATE blobs SET location = 'share', local_host = NULL, moved_at = now() "
    "WHERE id = $1 AND location = 'local' AND local_host = $2 AND deleted_at IS NULL"};
constexpr db::Query kLocate{"blob_locate",
                            "SELECT id, location, local_host, deleted_at IS NOT NULL FROM blobs WHERE name = $1"};
constexpr db::Query kCount{
    "blob_count",
    "SELECT count(*) FILTER (WHERE deleted_at IS NULL AND location = 'share'), "
    "count(*) FILTER (WHERE deleted_at IS NULL AND location = 'local' AND local_host = $1), "
    "count(*) FILTER (WHERE deleted_at IS NULL AND location = 'local' AND local_host <> $1), "
    "count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM blobs"};

Location location_of(const db::PgResult& r, int row, int col) {
    auto location = parse_location(r.text(row, col));
    if (!location) throw std::runtime_error("blobs.location holds an unknown value");
    return *location;
}

std::vector<BlobRecord> records(const db::PgResult& r) {
    std::vector<BlobRecord> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_blob_record(r, i));
    return out;
}

}  // namespace

BlobRecord read_blob_record(const db::PgResult& r, int row, int first) {
    auto name = BlobName::parse(r.text(row, first + 1));
    if (!name) throw std::runtime_error("blobs.name holds an invalid blob name");
    return BlobRecord{r.int64(row, first),
                      std::move(*name),
                      location_of(r, row, first + 2),
                      r.opt_str(row, first + 3),
                      static_cast<std::uint64_t>(r.int64(row, first + 4)),
                      r.str(row, first + 5),
                      r.str(row, first + 6)};
}

std::int64_t insert_blob(db::Connection& db, const StoredBlob& blob, const std::string& content_type,
                         const std::string& host) {
    std::optional<std::string> local_host;
    if (blob.location == Location::local) local_host = host;
    auto r = db.exec(kInsert, blob.name.str(), location_name(blob.location), local_host,
                     static_cast<std::int64_t>(blob.size), blob.sha256, content_type);
    return r.int64(0, 0);
}

std::optional<BlobRecord> find_blob(db::Connection& db, std::int64_t id) {
    auto r = db.exec(kFind, id);
    if (r.empty()) return std::nullopt;
    return read_blob_record(r, 0);
}

void release_blob(db::Connection& db, std::int64_t id) { db.exec(kRelease, id); }

void forget_blob(db::Connection& db, std::int64_t id) { db.exec(kForget, id); }

std::vector<BlobRecord> released_blobs(db::Connection& db, const std::string& host, std::int64_t after_id, int limit) {
    return records(db.exec(kReleased, host, after_id, limit));
}

std::vector<BlobRecord> live_blobs(db::Connection& db, std::int64_t after_id, int limit) {
    return records(db.exec(kLive, after_id, limit));
}

std::vector<BlobRecord> local_blobs(db::Connection& db, const std::string& host, std::int64_t after_id, int limit) {
    return records(db.exec(kLocal, host, after_id, limit));
}

bool mark_moved_to_share(db::Connection& db, std::int64_t id, const std::string& host) {
    return db.exec(kMoved, id, host).affected() == 1;
}

std::optional<NamedLocation> locate_blob(db::Connection& db, const BlobName& name) {
    auto r = db.exec(kLocate, name.str());
    if (r.empty()) return std::nullopt;
    return NamedLocation{r.int64(0, 0), location_of(r, 0, 1), r.opt_str(0, 2), r.boolean(0, 3)};
}

BlobCounts count_blobs(db::Connection& db, const std::string& host) {
    auto r = db.exec(kCount, host);
    return BlobCounts{r.int64(0, 0), r.int64(0, 1), r.int64(0, 2), r.int64(0, 3)};
}

std::vector<BlobRecord> unreferenced_blobs(db::Connection& db, int limit) {
    static constexpr db::Query kUnreferenced{
        "blobs_unreferenced",
        "SELECT " STOA_BLOB_COLUMNS " FROM blobs b WHERE b.deleted_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM users u WHERE u.picture_blob_id = b.id) "
        "AND NOT EXISTS (SELECT 1 FROM project_files f WHERE f.blob_id = b.id) "
        "AND NOT EXISTS (SELECT 1 FROM project_images i WHERE i.blob_id = b.id) "
        "AND NOT EXISTS (SELECT 1 FROM project_images t WHERE t.thumb_blob_id = b.id) "
        "ORDER BY b.id LIMIT $1"};
    auto r = db.exec(kUnreferenced, limit);
    std::vector<BlobRecord> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_blob_record(r, i));
    return out;
}

}  // namespace stoa::storage
