// FileStore: the per-process file store. Writes go to the SMB share; when
// the share is unreachable (or none is configured) they go to this host's
// local directory instead, and the caller records which in the database
// (blob_records.h). Nothing written is dropped: `stoactl storage sync`
// moves local blobs to the share later.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "storage/blob_store.h"
#include "storage/local_blob_store.h"

namespace stoa::storage {

enum class Location { share, local };

const char* location_name(Location location);
std::optional<Location> parse_location(std::string_view text);

// A blob just written, before its database row exists.
struct StoredBlob {
    BlobName name;
    Location location = Location::share;
    std::uint64_t size = 0;
    std::string sha256;
};

enum class Health {
    ok,           // writes go where they should
    degraded,     // the share is down, writes go to the local directory
    unavailable,  // nothing takes writes
};
const char* health_name(Health health);

class FileStore {
public:
    // Creates the SMB context now when STORAGE_SMB_URL is set.
    explicit FileStore(const Config& config);
    // For tests: any share (or none) and a local directory.
    FileStore(std::unique_ptr<BlobStore> share, std::string local_dir, std::string host);

    bool has_share() const noexcept { return share_ != nullptr; }
    BlobStore* share() noexcept { return share_.get(); }
    LocalBlobStore& local() noexcept { return local_; }
    // This host's name, recorded with the blobs in its local directory.
    const std::string& host() const noexcept { return host_; }

    // The store a record's location names; null for the share when none is configured.
    BlobStore* at(Location location) noexcept;

    // Writes a new blob under a fresh name: to the share, or to the local
    // directory when the share fails (a warning is logged) or is not
    // configured. `from` must be able to rewind for the fallback.
    Result<StoredBlob> store(ByteSource& from);

    // Probes both stores (for /ready and `stoactl storage check`).
    Health health();

private:
    static constexpr std::chrono::milliseconds kSlowFailure{1000};
    static constexpr std::chrono::seconds kShareRetryPause{10};

    std::unique_ptr<BlobStore> share_;
    LocalBlobStore local_;
    std::string host_;
    // After a write that failed slowly (a timeout) the share is left alone
    // for a while, so requests do not each wait for one.
    std::chrono::steady_clock::time_point share_paused_until_{};
};

// This machine's host name.
std::string host_name();

}  // namespace stoa::storage
