// Reading and removing blobs where the database says they are.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "db/connection.h"
#include "storage/blob_records.h"
#include "storage/file_store.h"

namespace stoa::storage {

enum class ReadFailure {
    missing,      // the row names a file that is not there (logged as an error)
    unavailable,  // the store holding it cannot be reached now
};

struct BlobBytes {
    std::optional<std::string> bytes;  // set on success
    ReadFailure failure = ReadFailure::missing;
};

// Reads a whole (small) blob. When it is not where `record` says, the row is
// read again once: a sync may have moved it to the share meanwhile.
BlobBytes read_blob(db::Connection& db, FileStore& files, const BlobRecord& record, std::size_t max);

// A reader for a blob of any size, for streaming it out (downloads, ZIPs);
// the same second look as read_blob when it is not where the row says.
struct BlobReader {
    std::unique_ptr<ByteSource> source;  // set on success
    ReadFailure failure = ReadFailure::missing;
};
BlobReader open_blob(db::Connection& db, FileStore& files, const BlobRecord& record);

// Removes a released blob's file, then its row. When the file cannot be
// removed now (share down, another host's directory) the row stays released
// and `stoactl storage sync` finishes the job; returns whether it is done.
bool purge_blob(db::Connection& db, FileStore& files, const BlobRecord& record);

// A blob just stored whose row is not committed yet: removed again unless
// keep() is called, so a request that fails after writing leaves no file.
class UncommittedBlob {
public:
    UncommittedBlob(FileStore& files, StoredBlob blob) : files_(files), blob_(std::move(blob)) {}
    ~UncommittedBlob();
    UncommittedBlob(const UncommittedBlob&) = delete;
    UncommittedBlob& operator=(const UncommittedBlob&) = delete;

    const StoredBlob& blob() const noexcept { return blob_; }
    void keep() noexcept { kept_ = true; }

private:
    FileStore& files_;
    StoredBlob blob_;
    bool kept_ = false;
};

}  // namespace stoa::storage
