#include "storage/file_store.h"

#include <unistd.h>

#include "log/log.h"
#include "storage/smb_blob_store.h"

namespace stoa::storage {

const char* location_name(Location location) { return location == Location::share ? "share" : "local"; }

std::optional<Location> parse_location(std::string_view text) {
    if (text == "share") return Location::share;
    if (text == "local") return Location::local;
    return std::nullopt;
}

const char* health_name(Health health) {
    switch (health) {
        case Health::ok: return "ok";
        case Health::degraded: return "degraded";
        case Health::unavailable: return "unavailable";
    }
    return "unavailable";
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
    return buf;
}

namespace {

std::unique_ptr<BlobStore> share_from(const Config& config) {
    if (config.storage_smb_url.empty()) return nullptr;
    SmbSettings settings{config.storage_smb_url, config.storage_smb_user, config.storage_smb_password,
                         config.storage_smb_domain};
    return std::make_unique<SmbBlobStore>(settings);
}

}  // namespace

FileStore::FileStore(const Config& config)
    : share_(share_from(config)), local_(config.storage_local_dir), host_(host_name()) {}

FileStore::FileStore(std::unique_ptr<BlobStore> share, std::string local_dir, std::string host)
    : share_(std::move(share)), local_(std::move(local_dir)), host_(std::move(host)) {}

BlobStore* FileStore::at(Location location) noexcept {
    return location == Location::share ? share_.get() : static_cast<BlobStore*>(&local_);
}

Result<StoredBlob> FileStore::store(ByteSource& from) {
    BlobName name = BlobName::generate();
    if (share_ && std::chrono::steady_clock::now() >= share_paused_until_) {
        auto started = std::chrono::steady_clock::now();
        auto put = share_->put(name, from);
        if (put) return StoredBlob{name, Location::share, put->size, std::move(put->sha256)};
        auto failed_at = std::chrono::steady_clock::now();
        // A share that answers "no" at once is asked again next time; one that
        // made us wait (timeouts) is left alone for a while.
        if (failed_at - started >= kSlowFailure) share_paused_until_ = failed_at + kShareRetryPause;
        log::warn("storage_share_failed",
                  Json::object().set("error", put.error()).set("fallback", local_.root()));
        if (!from.rewind()) return fail("the share failed and the upload cannot be read again: " + put.error());
    }
    auto put = local_.put(name, from);
    if (!put) return fail(put.error());
    if (share_) {
        log::warn("storage_fallback_used", Json::object()
                                               .set("blob", name.str())
                                               .set("hint", "stoactl storage sync moves it to the share"));
    }
    return StoredBlob{name, Location::local, put->size, std::move(put->sha256)};
}

Health FileStore::health() {
    Status local = local_.probe();
    if (!local) log::warn("storage_local_unwritable", Json::object().set("error", local.error()));
    if (!share_) return local ? Health::ok : Health::unavailable;
    Status share = share_->probe();
    if (share) {
        share_paused_until_ = {};
        // Uploads are spooled in the local directory: without it they fail.
        return local ? Health::ok : Health::degraded;
    }
    log::warn("storage_share_unavailable", Json::object().set("error", share.error()));
    return local ? Health::degraded : Health::unavailable;
}

}  // namespace stoa::storage
