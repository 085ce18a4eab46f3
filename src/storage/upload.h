// Receiving a file upload: the multipart/form-data body is streamed from
// the FastCGI input through MultipartReader into a SpoolFile, with the size
// cap checked while reading. Memory holds one chunk, never the file.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"
#include "storage/spool_file.h"

namespace stoa::storage {

struct Upload {
    SpoolFile file;
    std::optional<std::string> filename;  // the client's name for it: display metadata only
    std::string declared_type;            // the client's word for its type: never trusted
    // Small text parts asked for by name (a caption, a description).
    std::map<std::string, std::string, std::less<>> text_fields;
};

// Spools the part named `field`. Throws Problem: 415 unless the body is
// multipart/form-data, 400 when it is malformed or has the field twice,
// 413 past `max_bytes` (or the route's body limit), 422 without the field,
// 503 when the spool directory cannot be written.
// `text_fields` names small text parts kept in Upload::text_fields (each at
// most kMaxTextField bytes, else 422); other parts are skipped unread.
inline constexpr std::size_t kMaxTextField = 4096;
Upload receive_upload(http::Request& req, std::string_view field, std::uint64_t max_bytes,
                      const std::string& spool_dir, std::initializer_list<std::string_view> text_fields = {});

// "5 MiB", "64 KiB", "100 bytes".
std::string size_text(std::uint64_t bytes);

}  // namespace stoa::storage
