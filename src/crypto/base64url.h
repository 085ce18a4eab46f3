// base64url without padding (RFC 4648 §5), the encoding of JWT segments and
// of the opaque tokens handed to clients.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa::crypto {

[[nodiscard]] std::string base64url_encode(std::string_view bytes);

// Strict: rejects padding, characters outside A-Z a-z 0-9 - _, whitespace,
// trailing garbage, impossible lengths and non-zero trailing bits, so every
// byte string has exactly one accepted encoding.
[[nodiscard]] Result<std::string> base64url_decode(std::string_view text);

}  // namespace stoa::crypto
