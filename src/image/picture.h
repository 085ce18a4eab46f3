// Profile pictures: whatever PNG, JPEG, WebP or GIF a user uploads becomes a
// small WebP with no metadata. The format is told by the bytes, never by
// the name or the declared type; only that format's libvips loader runs;
// dimensions are read from the header and absurd ones refused before any
// pixel is decoded (decompression bombs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa::image {

enum class Format { png, jpeg, webp, gif };

// The format by its signature bytes (the first 12 bytes are enough).
std::optional<Format> sniff_format(std::string_view head);
const char* format_name(Format format);

struct PictureLimits {
    int max_side = 16384;                   // pixels, either side
    std::int64_t max_pixels = 50'000'000;  // width × height
    int box = 400;                          // fit into box × box, never enlarge
    int quality = 82;                       // WebP quality
};

struct Picture {
    std::string bytes;
    std::string content_type = "image/webp";
    int width = 0;
    int height = 0;
};

// Decodes the image in the file `fd` (read from its first byte), fits it
// into the box (upright, as its EXIF orientation says), strips every piece
// of metadata (EXIF with any GPS position, XMP, ICC, comments) and encodes
// it as WebP. The error text is for the client: what was wrong and what is
// accepted; libvips' own messages are logged.
Result<Picture> make_picture(int fd, const PictureLimits& limits = {});

}  // namespace stoa::image
