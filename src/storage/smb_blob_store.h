// SmbBlobStore: blobs on an SMB share through libsmbclient. One context per
// worker process, created with the store at start and reused by every
// request (libsmbclient keeps the server connection in it). The password
// goes to libsmbclient and nowhere else: never into a log line or an error.
#pragma once

// libsmbclient.h leaves a few declarations outside its own extern "C" block.
extern "C" {
#include <libsmbclient.h>
}

#include <bitset>
#include <memory>
#include <string>
#include <vector>

#include "storage/blob_store.h"

namespace stoa::storage {

struct SmbSettings {
    std::string url;  // smb://host[:port]/share[/prefix]
    std::string user;
    std::string password;
    std::string domain;
    int timeout_ms = 5000;  // per connect and per answer
};

class SmbBlobStore final : public BlobStore {
public:
    explicit SmbBlobStore(const SmbSettings& settings);
    ~SmbBlobStore() override;
    SmbBlobStore(const SmbBlobStore&) = delete;
    SmbBlobStore& operator=(const SmbBlobStore&) = delete;

    const char* kind() const noexcept override { return "share"; }
    Result<PutReceipt> put(const BlobName& name, ByteSource& from) override;
    // The reader uses this store's context: it must not outlive the store.
    Result<std::unique_ptr<ByteSource>> open(const BlobName& name) override;
    Status remove(const BlobName& name) override;
    Result<bool> exists(const BlobName& name) override;
    Result<BlobStat> stat(const BlobName& name) override;
    Status probe() override;
    // Every blob on the share (for `storage check`): files with a blob's
    // name in their shard directory; temporary files are left out.
    Result<std::vector<BlobName>> list();

    // The share's URL without any credentials, for logs.
    const std::string& display_url() const noexcept { return display_url_; }

private:
    struct ContextDeleter {
        void operator()(SMBCCTX* c) const noexcept { smbc_free_context(c, 1); }
    };

    // libsmbclient's authentication callback: the credentials of the store
    // the context belongs to.
    static void provide_credentials(SMBCCTX* ctx, const char* server, const char* share, char* workgroup,
                                    int workgroup_len, char* user, int user_len, char* password, int password_len);
    Result<PutReceipt> put_once(const BlobName& name, ByteSource& from);
    Result<std::unique_ptr<ByteSource>> open_once(const BlobName& name);
    Status ensure_shard(const BlobName& name);
    Status ensure_base();
    // After a failure that may be a dead cached connection: drop it, so the
    // retry connects afresh.
    bool should_retry(int err);
    std::string url_of(const BlobName& name) const { return base_ + "/" + name.relative_path(); }
    // An error naming the operation and the share (never the credentials).
    Status failure(const char* what, int err);

    std::string user_;
    std::string password_;  // wiped in the destructor
    std::string domain_;
    std::unique_ptr<SMBCCTX, ContextDeleter> ctx_;
    std::string base_;  // no trailing slash
    std::string display_url_;
    std::string init_error_;
    std::bitset<256> shard_exists_;  // shard directories known to exist
    int last_errno_ = 0;             // of the last failed libsmbclient call
};

}  // namespace stoa::storage
