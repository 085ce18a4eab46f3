// ZipStream: a ZIP archive written by libarchive straight into a BodySink
// (the FastCGI output), entry by entry: memory holds libarchive's buffers
// and one copy buffer, never an entry or the archive. Owns the `archive*`;
// archive_write_free is called nowhere else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/response.h"
#include "storage/byte_source.h"

struct archive;

namespace stoa::projects {

class ZipStream {
public:
    // Throws std::runtime_error when libarchive cannot start.
    explicit ZipStream(http::BodySink& sink);
    ~ZipStream();
    ZipStream(const ZipStream&) = delete;
    ZipStream& operator=(const ZipStream&) = delete;

    // A small entry from memory (README.md, bom.csv), deflated.
    void add(std::string_view path, std::string_view content);
    // An entry of `size` bytes read from `source` (stored when `compress`
    // is false: images are compressed already). Throws when the source
    // fails or yields another size.
    void add(std::string_view path, std::uint64_t size, storage::ByteSource& source, bool compress);
    // Writes the central directory. Without it the archive is invalid, so a
    // stream cut short by an error is never mistaken for a whole archive.
    void finish();

    // Whether the client went away (writes are then dropped).
    bool client_gone() const noexcept { return gone_; }

private:
    void header(std::string_view path, std::uint64_t size, bool compress);
    void data(const char* bytes, std::size_t n);
    static long write_cb(struct archive* a, void* self, const void* buf, std::size_t n);

    struct archive* a_;
    http::BodySink& sink_;
    bool gone_ = false;
    bool finished_ = false;
};

}  // namespace stoa::projects
