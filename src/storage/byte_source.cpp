#include "storage/byte_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace stoa::storage {

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

Result<std::string> read_all(ByteSource& source, std::size_t max) {
    std::string out;
    char buf[65536];
    for (;;) {
        auto n = source.read(buf, sizeof buf);
        if (!n) return fail(n.error());
        if (*n == 0) return out;
        if (out.size() + *n > max) return fail("blob larger than " + std::to_string(max) + " bytes");
        out.append(buf, *n);
    }
}

Result<std::size_t> MemorySource::read(char* buf, std::size_t n) {
    std::size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
}

Result<std::size_t> FileSource::read(char* buf, std::size_t n) {
    for (;;) {
        ssize_t got = ::pread(fd_.get(), buf, n, static_cast<off_t>(offset_));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return fail(errno_text("read", errno));
        offset_ += static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
    }
}

}  // namespace stoa::storage
