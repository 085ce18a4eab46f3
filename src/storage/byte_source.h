// ByteSource: bytes on their way into or out of a store (an upload spooled
// to disk, an encoded picture in memory, a blob being read). UniqueFd owns
// a file descriptor; close() is called nowhere else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa::storage {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Reads up to n bytes; 0 at the end.
    virtual Result<std::size_t> read(char* buf, std::size_t n) = 0;
    // Back to the first byte, so a failed copy can be retried; false when
    // this source cannot.
    virtual bool rewind() { return false; }
};

// Reads the whole of a source into memory (blobs read this way are small:
// pictures), refusing more than `max` bytes.
Result<std::string> read_all(ByteSource& source, std::size_t max);

// Reads bytes it does not own: they must outlive the source.
class MemorySource final : public ByteSource {
public:
    explicit MemorySource(std::string_view data) : data_(data) {}
    Result<std::size_t> read(char* buf, std::size_t n) override;
    bool rewind() override {
        pos_ = 0;
        return true;
    }

private:
    std::string_view data_;
    std::size_t pos_ = 0;
};

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) reset(o.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

// Reads a file through a descriptor it owns, from the start (pread: the
// descriptor's own offset is left alone).
class FileSource final : public ByteSource {
public:
    explicit FileSource(UniqueFd fd) : fd_(std::move(fd)) {}
    Result<std::size_t> read(char* buf, std::size_t n) override;
    bool rewind() override {
        offset_ = 0;
        return true;
    }
    int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
    std::uint64_t offset_ = 0;
};

// "open: No such file or directory": an errno as text for logs and errors.
std::string errno_text(const char* what, int err);

}  // namespace stoa::storage
