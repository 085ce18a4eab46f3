#include "storage/spool_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace stoa::storage {

Result<SpoolFile> SpoolFile::create(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fail(errno_text(("mkdir " + dir).c_str(), errno));
    UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    if (!fd && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        // A file system without O_TMPFILE: a named file, unlinked at once.
        std::string pattern = dir + "/upload-XXXXXX";
        std::vector<char> path(pattern.begin(), pattern.end());
        path.push_back('\0');
        fd.reset(::mkostemp(path.data(), O_CLOEXEC));
        if (fd) ::unlink(path.data());
    }
    if (!fd) return fail(errno_text(("spool file in " + dir).c_str(), errno));
    return SpoolFile(std::move(fd));
}

Status SpoolFile::append(const char* data, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::pwrite(fd_.get(), data, n, static_cast<off_t>(size_));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return fail(errno_text("spool write", errno));
        data += w;
        n -= static_cast<std::size_t>(w);
        size_ += static_cast<std::uint64_t>(w);
    }
    return Ok{};
}

Result<std::size_t> SpoolFile::read(char* buf, std::size_t n) {
    for (;;) {
        ssize_t got = ::pread(fd_.get(), buf, n, static_cast<off_t>(read_offset_));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return fail(errno_text("spool read", errno));
        read_offset_ += static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
    }
}

}  // namespace stoa::storage
