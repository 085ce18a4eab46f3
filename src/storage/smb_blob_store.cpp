#include "storage/smb_blob_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "log/log.h"
#include "storage/checksum.h"

namespace stoa::storage {
namespace {

// Owns an open SMBCFILE; closed through its context, nowhere else.
class SmbFile {
public:
    SmbFile(SMBCCTX* ctx, SMBCFILE* file) noexcept : ctx_(ctx), file_(file) {}
    ~SmbFile() {
        if (file_ != nullptr) smbc_getFunctionClose(ctx_)(ctx_, file_);
    }
    SmbFile(const SmbFile&) = delete;
    SmbFile& operator=(const SmbFile&) = delete;

    SMBCFILE* get() const noexcept { return file_; }
    explicit operator bool() const noexcept { return file_ != nullptr; }
    // Closes now; the result tells whether buffered writes reached the server.
    int close() noexcept {
        int rc = smbc_getFunctionClose(ctx_)(ctx_, file_);
        file_ = nullptr;
        return rc;
    }

private:
    SMBCCTX* ctx_;
    SMBCFILE* file_;
};

class SmbReader final : public ByteSource {
public:
    SmbReader(SMBCCTX* ctx, SMBCFILE* file) : ctx_(ctx), file_(ctx, file) {}
    Result<std::size_t> read(char* buf, std::size_t n) override {
        ssize_t got = smbc_getFunctionRead(ctx_)(ctx_, file_.get(), buf, n);
        if (got < 0) return fail(errno_text("smb read", errno));
        return static_cast<std::size_t>(got);
    }
    bool rewind() override { return smbc_getFunctionLseek(ctx_)(ctx_, file_.get(), 0, SEEK_SET) == 0; }

private:
    SMBCCTX* ctx_;
    SmbFile file_;
};

// "smb://user:secret@host/share" -> "smb://host/share".
std::string without_credentials(std::string_view url) {
    constexpr std::string_view kScheme = "smb://";
    if (!url.starts_with(kScheme)) return "smb://?";
    std::string_view rest = url.substr(kScheme.size());
    std::size_t slash = rest.find('/');
    std::size_t at = rest.substr(0, slash).rfind('@');
    if (at != std::string_view::npos) rest.remove_prefix(at + 1);
    return std::string(kScheme) + std::string(rest);
}

// libsmbclient's own messages go to the log as debug lines.
extern "C" void smb_log_line(void*, int level, const char* msg) {
    std::string_view text(msg == nullptr ? "" : msg);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    if (!text.empty()) log::debug("smb_client", Json::object().set("level", level).set("message", text));
}

// Copies `value` into a fixed buffer libsmbclient hands us (always terminated).
void copy_field(char* out, int size, const std::string& value) {
    if (out == nullptr || size <= 0) return;
    std::size_t n = std::min(value.size(), static_cast<std::size_t>(size - 1));
    std::memcpy(out, value.data(), n);
    out[n] = '\0';
}

int shard_index(const BlobName& name) { return std::stoi(std::string(name.shard()), nullptr, 16); }

bool permanent_error(int err) {
    switch (err) {
        case ENOENT: case EEXIST: case EACCES: case EPERM: case ENOTDIR: case EISDIR:
        case ENOTEMPTY: case ENOSPC: case EINVAL: case EDQUOT:
            return true;
        default:
            return false;
    }
}

// Owns an open SMBCFILE directory handle; closed through its context.
class SmbDir {
public:
    SmbDir(SMBCCTX* ctx, SMBCFILE* dir) noexcept : ctx_(ctx), dir_(dir) {}
    ~SmbDir() {
        if (dir_ != nullptr) smbc_getFunctionClosedir(ctx_)(ctx_, dir_);
    }
    SmbDir(const SmbDir&) = delete;
    SmbDir& operator=(const SmbDir&) = delete;
    explicit operator bool() const noexcept { return dir_ != nullptr; }
    // The next entry, or null at the end.
    const struct smbc_dirent* next() noexcept { return smbc_getFunctionReaddir(ctx_)(ctx_, dir_); }

private:
    SMBCCTX* ctx_;
    SMBCFILE* dir_;
};

}  // namespace

SmbBlobStore::SmbBlobStore(const SmbSettings& settings)
    : user_(settings.user), password_(settings.password), domain_(settings.domain) {
    base_ = settings.url;
    while (base_.size() > 6 && base_.back() == '/') base_.pop_back();
    display_url_ = without_credentials(base_);
    SMBCCTX* raw = smbc_new_context();
    if (raw == nullptr) {
        init_error_ = errno_text("smbc_new_context", errno);
        return;
    }
    ctx_.reset(raw);
    smbc_setDebug(raw, 0);
    smbc_setLogCallback(raw, nullptr, smb_log_line);
    smbc_setOptionDebugToStderr(raw, 1);
    smbc_setTimeout(raw, settings.timeout_ms);
    smbc_setOptionUseKerberos(raw, 0);
    smbc_setOptionFallbackAfterKerberos(raw, 0);
    smbc_setOptionNoAutoAnonymousLogin(raw, 1);
    smbc_setOptionUseCCache(raw, 0);
    smbc_setOptionUserData(raw, this);
    smbc_setFunctionAuthDataWithContext(raw, &SmbBlobStore::provide_credentials);
    if (smbc_init_context(raw) == nullptr) {
        init_error_ = errno_text("smbc_init_context", errno);
        ctx_.reset();
        return;
    }
    smbc_setOptionProtocols(raw, "SMB2_02", "SMB3");
}

SmbBlobStore::~SmbBlobStore() {
    ctx_.reset();  // closes connections before the credentials go
    sodium_memzero(password_.data(), password_.size());
}

void SmbBlobStore::provide_credentials(SMBCCTX* ctx, const char*, const char*, char* workgroup, int workgroup_len,
                                       char* user, int user_len, char* password, int password_len) {
    auto* self = static_cast<SmbBlobStore*>(smbc_getOptionUserData(ctx));
    if (self == nullptr) return;
    if (!self->domain_.empty()) copy_field(workgroup, workgroup_len, self->domain_);
    copy_field(user, user_len, self->user_);
    copy_field(password, password_len, self->password_);
}

Status SmbBlobStore::failure(const char* what, int err) {
    last_errno_ = err;
    return fail(std::string(what) + " on " + display_url_ + ": " + std::strerror(err));
}

bool SmbBlobStore::should_retry(int err) {
    if (err == 0 || permanent_error(err) || !ctx_) return false;
    smbc_getFunctionPurgeCachedServers(ctx_.get())(ctx_.get());
    shard_exists_.reset();
    return true;
}

Status SmbBlobStore::ensure_base() {
    // smb://host/share/a/b: create share/a, then share/a/b.
    std::size_t host_end = base_.find('/', 6);
    std::size_t share_end = host_end == std::string::npos ? std::string::npos : base_.find('/', host_end + 1);
    SMBCCTX* ctx = ctx_.get();
    while (share_end != std::string::npos) {
        std::size_t next = base_.find('/', share_end + 1);
        std::string dir = base_.substr(0, next);
        if (smbc_getFunctionMkdir(ctx)(ctx, dir.c_str(), 0750) != 0 && errno != EEXIST)
            return failure("smb mkdir", errno);
        share_end = next;
    }
    return Ok{};
}

Status SmbBlobStore::ensure_shard(const BlobName& name) {
    int index = shard_index(name);
    if (shard_exists_.test(static_cast<std::size_t>(index))) return Ok{};
    SMBCCTX* ctx = ctx_.get();
    std::string dir = base_ + "/" + std::string(name.shard());
    int rc = smbc_getFunctionMkdir(ctx)(ctx, dir.c_str(), 0750);
    if (rc != 0 && errno == ENOENT) {
        if (auto s = ensure_base(); !s) return s;
        rc = smbc_getFunctionMkdir(ctx)(ctx, dir.c_str(), 0750);
    }
    if (rc != 0 && errno != EEXIST) return failure("smb mkdir", errno);
    shard_exists_.set(static_cast<std::size_t>(index));
    return Ok{};
}

Result<PutReceipt> SmbBlobStore::put_once(const BlobName& name, ByteSource& from) {
    last_errno_ = 0;
    if (!ctx_) return fail(init_error_);
    SMBCCTX* ctx = ctx_.get();
    if (auto s = ensure_shard(name); !s) return fail(s.error());
    std::string tmp = base_ + "/" + std::string(name.shard()) + "/." + name.str() + ".part";
    std::string final_url = url_of(name);
    SmbFile file(ctx, smbc_getFunctionOpen(ctx)(ctx, tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0640));
    if (!file) {
        int err = errno;
        if (err == ENOENT) shard_exists_.reset(static_cast<std::size_t>(shard_index(name)));
        return fail(failure("smb open", err).error());
    }
    PutReceipt receipt;
    Sha256 sha;
    char buf[65536];
    auto write_fn = smbc_getFunctionWrite(ctx);
    for (;;) {
        auto n = from.read(buf, sizeof buf);
        if (!n) return fail(n.error());
        if (*n == 0) break;
        std::size_t done = 0;
        while (done < *n) {
            ssize_t w = write_fn(ctx, file.get(), buf + done, *n - done);
            if (w <= 0) {
                int err = w < 0 ? errno : EIO;
                file.close();
                smbc_getFunctionUnlink(ctx)(ctx, tmp.c_str());
                return fail(failure("smb write", err).error());
            }
            done += static_cast<std::size_t>(w);
        }
        sha.update(buf, *n);
        receipt.size += *n;
    }
    if (file.close() != 0) {
        int err = errno;
        smbc_getFunctionUnlink(ctx)(ctx, tmp.c_str());
        return fail(failure("smb close", err).error());
    }
    auto rename_fn = smbc_getFunctionRename(ctx);
    int rc = rename_fn(ctx, tmp.c_str(), ctx, final_url.c_str());
    if (rc != 0 && errno == EEXIST) {
        // A copy from an interrupted sync: this one replaces it.
        smbc_getFunctionUnlink(ctx)(ctx, final_url.c_str());
        rc = rename_fn(ctx, tmp.c_str(), ctx, final_url.c_str());
    }
    if (rc != 0) {
        int err = errno;
        smbc_getFunctionUnlink(ctx)(ctx, tmp.c_str());
        return fail(failure("smb rename", err).error());
    }
    receipt.sha256 = sha.hex();
    return receipt;
}

Result<PutReceipt> SmbBlobStore::put(const BlobName& name, ByteSource& from) {
    auto r = put_once(name, from);
    if (!r && should_retry(last_errno_) && from.rewind()) r = put_once(name, from);
    return r;
}

Result<std::unique_ptr<ByteSource>> SmbBlobStore::open_once(const BlobName& name) {
    last_errno_ = 0;
    if (!ctx_) return fail(init_error_);
    SMBCCTX* ctx = ctx_.get();
    std::string url = url_of(name);
    SMBCFILE* file = smbc_getFunctionOpen(ctx)(ctx, url.c_str(), O_RDONLY, 0);
    if (file == nullptr) {
        int err = errno;
        if (err == ENOENT) return std::unique_ptr<ByteSource>();
        return fail(failure("smb open", err).error());
    }
    return std::unique_ptr<ByteSource>(std::make_unique<SmbReader>(ctx, file));
}

Result<std::unique_ptr<ByteSource>> SmbBlobStore::open(const BlobName& name) {
    auto r = open_once(name);
    if (!r && should_retry(last_errno_)) r = open_once(name);
    return r;
}

Status SmbBlobStore::remove(const BlobName& name) {
    if (!ctx_) return fail(init_error_);
    SMBCCTX* ctx = ctx_.get();
    std::string url = url_of(name);
    int err = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (smbc_getFunctionUnlink(ctx)(ctx, url.c_str()) == 0) return Ok{};
        err = errno;
        if (err == ENOENT) return Ok{};
        if (attempt == 1 || !should_retry(err)) break;
    }
    return failure("smb unlink", err);
}

Result<BlobStat> SmbBlobStore::stat(const BlobName& name) {
    if (!ctx_) return fail(init_error_);
    SMBCCTX* ctx = ctx_.get();
    std::string url = url_of(name);
    struct stat st{};
    int err = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (smbc_getFunctionStat(ctx)(ctx, url.c_str(), &st) == 0) return BlobStat{static_cast<std::uint64_t>(st.st_size)};
        err = errno;
        if (attempt == 1 || !should_retry(err)) break;
    }
    return fail(failure("smb stat", err).error());
}

Result<bool> SmbBlobStore::exists(const BlobName& name) {
    auto st = stat(name);
    if (st) return true;
    if (last_errno_ == ENOENT) return false;
    return fail(st.error());
}

Status SmbBlobStore::probe() {
    if (!ctx_) return fail(init_error_);
    SMBCCTX* ctx = ctx_.get();
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::string url = base_ + "/.probe-" + std::string(host) + "-" + std::to_string(::getpid());
    auto open_fn = smbc_getFunctionOpen(ctx);
    int err = 0;
    for (int attempt = 0; attempt < 2; ++attempt) {
        SMBCFILE* raw = open_fn(ctx, url.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0640);
        if (raw == nullptr && errno == ENOENT) {
            if (auto s = ensure_base(); !s) return s;
            raw = open_fn(ctx, url.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0640);
        }
        if (raw != nullptr) {
            SmbFile file(ctx, raw);
            ssize_t written = smbc_getFunctionWrite(ctx)(ctx, file.get(), "probe", 5);
            int write_err = errno;
            int closed = file.close();
            int close_err = errno;
            smbc_getFunctionUnlink(ctx)(ctx, url.c_str());
            if (written != 5) return failure("smb write", written < 0 ? write_err : EIO);
            if (closed != 0) return failure("smb close", close_err);
            return Ok{};
        }
        err = errno;
        if (attempt == 1 || !should_retry(err)) break;
    }
    return failure("smb open", err);
}

Result<std::vector<BlobName>> SmbBlobStore::list() {
    if (!ctx_) return fail(init_error_);
    SMBCCTX* ctx = ctx_.get();
    auto opendir = smbc_getFunctionOpendir(ctx);
    std::vector<BlobName> out;
    std::vector<std::string> shards;
    {
        SmbDir root(ctx, opendir(ctx, base_.c_str()));
        if (!root) {
            int err = errno;
            if (err == ENOENT) return out;  // nothing was ever written
            return fail(failure("smb opendir", err).error());
        }
        while (const struct smbc_dirent* e = root.next())
            if (e->smbc_type == SMBC_DIR && is_shard_name(e->name)) shards.emplace_back(e->name);
    }
    for (const auto& shard : shards) {
        SmbDir dir(ctx, opendir(ctx, (base_ + "/" + shard).c_str()));
        if (!dir) return fail(failure("smb opendir", errno).error());
        while (const struct smbc_dirent* e = dir.next()) {
            if (e->smbc_type != SMBC_FILE) continue;
            auto name = BlobName::parse(e->name);
            if (name && name->shard() == shard) out.push_back(std::move(*name));
        }
    }
    return out;
}

}  // namespace stoa::storage
