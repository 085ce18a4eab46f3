// SpoolFile: an upload on its way to the store, in an anonymous temporary
// file (O_TMPFILE, or created and unlinked at once): it has no name, so it
// vanishes with the descriptor, even when the worker crashes. Nothing of an
// upload is held in memory.
#pragma once

#include <cstdint>
#include <string>

#include "storage/byte_source.h"

namespace stoa::storage {

class SpoolFile final : public ByteSource {
public:
    // In `dir`, created (one level) when missing.
    static Result<SpoolFile> create(const std::string& dir);

    Status append(const char* data, std::size_t n);
    std::uint64_t size() const noexcept { return size_; }
    int fd() const noexcept { return fd_.get(); }

    // Reading starts at the first byte, independently of appending.
    Result<std::size_t> read(char* buf, std::size_t n) override;
    bool rewind() override {
        read_offset_ = 0;
        return true;
    }

private:
    explicit SpoolFile(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::uint64_t read_offset_ = 0;
};

}  // namespace stoa::storage
