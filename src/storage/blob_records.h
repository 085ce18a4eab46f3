// The blobs table: where each blob lives. Rows are written after their file
// and removed after it (see migrations/006_blobs.up.sql).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/connection.h"
#include "storage/file_store.h"

namespace stoa::storage {

struct BlobRecord {
    std::int64_t id = 0;
    BlobName name;
    Location location = Location::share;
    std::optional<std::string> local_host;  // set when location is local
    std::uint64_t size = 0;
    std::string sha256;
    std::string content_type;
};

// The SELECT list that read_blob_record() reads, for queries joining blobs as b.
#define STOA_BLOB_COLUMNS "b.id, b.name, b.location, b.local_host, b.size, b.sha256, b.content_type"

// Reads STOA_BLOB_COLUMNS starting at column `first`. Throws on a row that
// does not hold a valid blob name (the table's CHECK makes that impossible).
BlobRecord read_blob_record(const db::PgResult& r, int row, int first = 0);

// Records a blob just written by FileStore::store; returns its id.
std::int64_t insert_blob(db::Connection& db, const StoredBlob& blob, const std::string& content_type,
                         const std::string& host);
std::optional<BlobRecord> find_blob(db::Connection& db, std::int64_t id);
// Marks a blob released (its file is to be removed).
void release_blob(db::Connection& db, std::int64_t id);
// Removes the row of a released blob whose file is gone.
void forget_blob(db::Connection& db, std::int64_t id);

// Released blobs whose file this host can remove (on the share, or in its
// own directory), with an id above `after_id`, oldest first.
std::vector<BlobRecord> released_blobs(db::Connection& db, const std::string& host, std::int64_t after_id, int limit);
// Live blobs (not released) with an id above `after_id`, for `storage check`.
std::vector<BlobRecord> live_blobs(db::Connection& db, std::int64_t after_id, int limit);
// Live blobs that no owner (a user's picture, a project file or image)
// refers to: at most `limit`, oldest first.
std::vector<BlobRecord> unreferenced_blobs(db::Connection& db, int limit);
// Live blobs in this host's local directory with an id above `after_id`.
std::vector<BlobRecord> local_blobs(db::Connection& db, const std::string& host, std::int64_t after_id, int limit);
// Flips a local blob to the share; false when it is no longer a live local
// blob of this host (released or moved meanwhile).
bool mark_moved_to_share(db::Connection& db, std::int64_t id, const std::string& host);
// The location of the blob of that name, when one has a row.
struct NamedLocation {
    std::int64_t id = 0;
    Location location = Location::share;
    std::optional<std::string> local_host;
    bool released = false;
};
std::optional<NamedLocation> locate_blob(db::Connection& db, const BlobName& name);

struct BlobCounts {
    std::int64_t share = 0;
    std::int64_t local_here = 0;
    std::int64_t local_elsewhere = 0;
    std::int64_t released = 0;
};
BlobCounts count_blobs(db::Connection& db, const std::string& host);

}  // namespace stoa::storage
