// A QR code (libqrencode, error correction M) drawn as a standalone SVG
// document: one <path> of dark modules on a white square with the 4-module
// quiet zone the standard asks for.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa::auth {

// Fails when the text holds a NUL or is too long for any QR version.
[[nodiscard]] Result<std::string> qr_svg(std::string_view text);

}  // namespace stoa::auth
