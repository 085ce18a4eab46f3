#include "projects/zip_stream.h"

#include <archive.h>
#include <archive_entry.h>

#include <ctime>
#include <memory>
#include <stdexcept>

namespace stoa::projects {
namespace {

struct EntryDeleter {
    void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

[[noreturn]] void raise(struct archive* a, const char* what) {
    const char* text = archive_error_string(a);
    throw std::runtime_error(std::string("zip: ") + what + ": " + (text != nullptr ? text : "unknown error"));
}

}  // namespace

long ZipStream::write_cb(struct archive*, void* self, const void* buf, std::size_t n) {
    auto* z = static_cast<ZipStream*>(self);
    if (z->gone_) return -1;
    if (!z->sink_.write(static_cast<const char*>(buf), n)) {
        z->gone_ = true;
        return -1;
    }
    return static_cast<long>(n);
}

ZipStream::ZipStream(http::BodySink& sink) : a_(archive_write_new()), sink_(sink) {
    if (a_ == nullptr) throw std::runtime_error("zip: archive_write_new failed");
    // No blocking: every write goes out as it comes, and nothing pads the end.
    if (archive_write_set_format_zip(a_) != ARCHIVE_OK || archive_write_set_bytes_per_block(a_, 0) != ARCHIVE_OK ||
        archive_write_set_options(a_, "zip:hdrcharset=UTF-8") != ARCHIVE_OK) {
        std::string text = archive_error_string(a_) != nullptr ? archive_error_string(a_) : "setup failed";
        archive_write_free(a_);
        throw std::runtime_error("zip: " + text);
    }
    if (archive_write_open2(a_, this, nullptr, &ZipStream::write_cb, nullptr, nullptr) != ARCHIVE_OK) {
        std::string text = archive_error_string(a_) != nullptr ? archive_error_string(a_) : "open failed";
        archive_write_free(a_);
        throw std::runtime_error("zip: " + text);
    }
}

ZipStream::~ZipStream() {
    // Without finish() (an error midway) the central directory is not
    // written: the client gets an archive no tool accepts, not a silently
    // incomplete one.
    if (!finished_) archive_write_fail(a_);
    archive_write_free(a_);
}

void ZipStream::header(std::string_view path, std::uint64_t size, bool compress) {
    if (compress) archive_write_zip_set_compression_deflate(a_);
    else archive_write_zip_set_compression_store(a_);
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    std::string name(path);
    archive_entry_set_pathname_utf8(e.get(), name.c_str());
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_mtime(e.get(), std::time(nullptr), 0);
    if (archive_write_header(a_, e.get()) != ARCHIVE_OK) raise(a_, "writing an entry header");
}

void ZipStream::data(const char* bytes, std::size_t n) {
    while (n > 0) {
        la_ssize_t wrote = archive_write_data(a_, bytes, n);
        if (wrote <= 0) raise(a_, gone_ ? "the client went away" : "writing entry data");
        bytes += wrote;
        n -= static_cast<std::size_t>(wrote);
    }
}

void ZipStream::add(std::string_view path, std::string_view content) {
    header(path, content.size(), true);
    data(content.data(), content.size());
}

void ZipStream::add(std::string_view path, std::uint64_t size, storage::ByteSource& source, bool compress) {
    header(path, size, compress);
    std::string buf(256 * 1024, '\0');
    std::uint64_t total = 0;
    for (;;) {
        auto n = source.read(buf.data(), buf.size());
        if (!n) throw std::runtime_error("zip: reading " + std::string(path) + ": " + n.error());
        if (*n == 0) break;
        total += *n;
        if (total > size) throw std::runtime_error("zip: " + std::string(path) + " is larger than recorded");
        data(buf.data(), *n);
    }
    if (total != size) throw std::runtime_error("zip: " + std::string(path) + " is shorter than recorded");
}

void ZipStream::finish() {
    if (archive_write_close(a_) != ARCHIVE_OK) raise(a_, "writing the central directory");
    finished_ = true;
}

}  // namespace stoa::projects
