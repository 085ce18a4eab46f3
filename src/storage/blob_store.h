// BlobStore: where blob bytes live, by generated name only. Two
// implementations: SmbBlobStore (the shared SMB share) and LocalBlobStore
// (a host's own directory: the fallback, or the only store when no share is
// configured). Which one holds a blob is recorded in the database
// (blob_records.h); FileStore (file_store.h) picks one for each write.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/blob_name.h"
#include "storage/byte_source.h"
#include "util/result.h"

namespace stoa::storage {

struct BlobStat {
    std::uint64_t size = 0;
};

// What was written: checked against the source while copying.
struct PutReceipt {
    std::uint64_t size = 0;
    std::string sha256;  // hex
};

class BlobStore {
public:
    virtual ~BlobStore() = default;

    // "share" or "local", for logs.
    virtual const char* kind() const noexcept = 0;
    // Writes the whole source under `name`. Atomic: readers see the complete
    // blob or none (written under a temporary name, then renamed).
    virtual Result<PutReceipt> put(const BlobName& name, ByteSource& from) = 0;
    // A reader for the blob; null when there is no blob of that name.
    virtual Result<std::unique_ptr<ByteSource>> open(const BlobName& name) = 0;
    // Removes the blob; one that is already gone is not an error.
    virtual Status remove(const BlobName& name) = 0;
    virtual Result<bool> exists(const BlobName& name) = 0;
    // Size of the blob; an error when it does not exist.
    virtual Result<BlobStat> stat(const BlobName& name) = 0;
    // Writes and removes a probe file: whether the store takes writes now.
    virtual Status probe() = 0;
};

}  // namespace stoa::storage
