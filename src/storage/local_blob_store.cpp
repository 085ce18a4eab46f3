#include "storage/local_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <memory>

#include "storage/checksum.h"

namespace stoa::storage {
namespace {

struct DirCloser {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

Status make_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0750) == 0 || errno == EEXIST) return Ok{};
    return fail(errno_text(("mkdir " + path).c_str(), errno));
}

Status write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, data, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return fail(errno_text("write", errno));
        data += w;
        n -= static_cast<std::size_t>(w);
    }
    return Ok{};
}

Status fsync_dir(const std::string& path) {
    UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir || ::fsync(dir.get()) != 0) return fail(errno_text(("fsync " + path).c_str(), errno));
    return Ok{};
}

std::int64_t age_of(const struct stat& st) {
    return static_cast<std::int64_t>(std::time(nullptr)) - static_cast<std::int64_t>(st.st_mtime);
}

bool is_temporary_name(std::string_view name) {
    // ".<blob name>.part", as put() writes them.
    return name.size() == BlobName::kLength + 6 && name.front() == '.' && name.ends_with(".part") &&
           BlobName::parse(name.substr(1, BlobName::kLength)).has_value();
}

}  // namespace

Status LocalBlobStore::ensure_shard(const BlobName& name) const {
    if (auto s = make_dir(root_); !s) return s;
    return make_dir(root_ + "/" + std::string(name.shard()));
}

Result<PutReceipt> LocalBlobStore::put(const BlobName& name, ByteSource& from) {
    if (auto s = ensure_shard(name); !s) return fail(s.error());
    std::string shard_dir = root_ + "/" + std::string(name.shard());
    std::string tmp = shard_dir + "/." + name.str() + ".part";
    std::string final_path = path_of(name);
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!fd) return fail(errno_text(("open " + tmp).c_str(), errno));
    PutReceipt receipt;
    Sha256 sha;
    char buf[65536];
    Status status = Ok{};
    for (;;) {
        auto n = from.read(buf, sizeof buf);
        if (!n) {
            status = fail(n.error());
            break;
        }
        if (*n == 0) break;
        if (status = write_all(fd.get(), buf, *n); !status) break;
        sha.update(buf, *n);
        receipt.size += *n;
    }
    if (status && ::fsync(fd.get()) != 0) status = fail(errno_text("fsync", errno));
    fd.reset();
    if (status && ::rename(tmp.c_str(), final_path.c_str()) != 0)
        status = fail(errno_text(("rename to " + final_path).c_str(), errno));
    if (!status) {
        ::unlink(tmp.c_str());
        return fail(status.error());
    }
    if (auto s = fsync_dir(shard_dir); !s) return fail(s.error());
    receipt.sha256 = sha.hex();
    return receipt;
}

Result<std::unique_ptr<ByteSource>> LocalBlobStore::open(const BlobName& name) {
    std::string path = path_of(name);
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT) return std::unique_ptr<ByteSource>();
        return fail(errno_text(("open " + path).c_str(), errno));
    }
    return std::unique_ptr<ByteSource>(std::make_unique<FileSource>(std::move(fd)));
}

Status LocalBlobStore::remove(const BlobName& name) {
    std::string path = path_of(name);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail(errno_text(("unlink " + path).c_str(), errno));
    return Ok{};
}

Result<bool> LocalBlobStore::exists(const BlobName& name) {
    struct stat st{};
    if (::lstat(path_of(name).c_str(), &st) == 0) return S_ISREG(st.st_mode);
    if (errno == ENOENT) return false;
    return fail(errno_text("stat", errno));
}

Result<BlobStat> LocalBlobStore::stat(const BlobName& name) {
    struct stat st{};
    if (::lstat(path_of(name).c_str(), &st) != 0) return fail(errno_text(("stat " + path_of(name)).c_str(), errno));
    if (!S_ISREG(st.st_mode)) return fail("stat " + path_of(name) + ": not a regular file");
    return BlobStat{static_cast<std::uint64_t>(st.st_size)};
}

Status LocalBlobStore::probe() {
    if (auto s = make_dir(root_); !s) return s;
    std::string path = root_ + "/.probe-" + std::to_string(::getpid());
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return fail(errno_text(("open " + path).c_str(), errno));
    Status written = write_all(fd.get(), "probe", 5);
    fd.reset();
    ::unlink(path.c_str());
    return written;
}

Result<std::vector<LocalBlobStore::Entry>> LocalBlobStore::list() const {
    std::vector<Entry> out;
    DirPtr root(::opendir(root_.c_str()));
    if (!root) {
        if (errno == ENOENT) return out;
        return fail(errno_text(("opendir " + root_).c_str(), errno));
    }
    while (struct dirent* shard = ::readdir(root.get())) {
        if (!is_shard_name(shard->d_name)) continue;
        std::string shard_dir = root_ + "/" + shard->d_name;
        DirPtr dir(::opendir(shard_dir.c_str()));
        if (!dir) continue;
        while (struct dirent* e = ::readdir(dir.get())) {
            auto name = BlobName::parse(e->d_name);
            if (!name || name->shard() != shard->d_name) continue;
            struct stat st{};
            if (::fstatat(::dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
                continue;
            out.push_back({std::move(*name), static_cast<std::uint64_t>(st.st_size), age_of(st)});
        }
    }
    return out;
}

Result<int> LocalBlobStore::remove_stale_temporaries(std::int64_t min_age_seconds) const {
    int removed = 0;
    DirPtr root(::opendir(root_.c_str()));
    if (!root) return errno == ENOENT ? Result<int>(0) : fail(errno_text(("opendir " + root_).c_str(), errno));
    while (struct dirent* shard = ::readdir(root.get())) {
        if (!is_shard_name(shard->d_name)) continue;
        DirPtr dir(::opendir((root_ + "/" + shard->d_name).c_str()));
        if (!dir) continue;
        while (struct dirent* e = ::readdir(dir.get())) {
            if (!is_temporary_name(e->d_name)) continue;
            struct stat st{};
            if (::fstatat(::dirfd(dir.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            if (age_of(st) >= min_age_seconds && ::unlinkat(::dirfd(dir.get()), e->d_name, 0) == 0) ++removed;
        }
    }
    return removed;
}

}  // namespace stoa::storage
