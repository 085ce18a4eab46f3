// Metadata removal at the container level for WebP: drops the EXIF, XMP and
// ICCP chunks and clears their flags in VP8X. libvips 8.14's webpsave
// writes an EXIF chunk (rebuilt from the image header) even when asked to
// strip, so pictures go through this as well.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa::image {

Result<std::string> strip_webp_metadata(std::string_view webp);

}  // namespace stoa::image
