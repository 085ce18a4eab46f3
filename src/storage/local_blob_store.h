// LocalBlobStore: blobs in a directory of this host, spread over 256 shard
// directories ("ab/ab12..."). Writes go to a dot-named temporary file, are
// fsynced and renamed, so a crash never leaves a half-written blob under its
// real name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/blob_store.h"

namespace stoa::storage {

class LocalBlobStore final : public BlobStore {
public:
    // `root` is absolute (config validates STORAGE_LOCAL_DIR).
    explicit LocalBlobStore(std::string root) : root_(std::move(root)) {}

    const char* kind() const noexcept override { return "local"; }
    Result<PutReceipt> put(const BlobName& name, ByteSource& from) override;
    Result<std::unique_ptr<ByteSource>> open(const BlobName& name) override;
    Status remove(const BlobName& name) override;
    Result<bool> exists(const BlobName& name) override;
    Result<BlobStat> stat(const BlobName& name) override;
    Status probe() override;

    const std::string& root() const noexcept { return root_; }
    // Where uploads are spooled on their way in (root/.spool).
    std::string spool_dir() const { return root_ + "/.spool"; }

    struct Entry {
        BlobName name;
        std::uint64_t size = 0;
        std::int64_t age_seconds = 0;
    };
    // Every blob in the directory (for the sync's sweep and `storage check`).
    Result<std::vector<Entry>> list() const;
    // Removes temporary files of writes that never finished (a crash), older
    // than `min_age_seconds`; returns how many.
    Result<int> remove_stale_temporaries(std::int64_t min_age_seconds) const;

private:
    std::string path_of(const BlobName& name) const { return root_ + "/" + name.relative_path(); }
    Status ensure_shard(const BlobName& name) const;

    std::string root_;
};

}  // namespace stoa::storage
