// Random secrets, their stored hashes and keyed digests, all from libsodium.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa::crypto {

// Initialises libsodium; call once at process start, before any other function
// here. Safe to call again.
[[nodiscard]] Status init();

// `bytes` from the CSPRNG as base64url (32 bytes -> 43 characters). Used for
// refresh, verification and reset tokens and the CSRF cookie.
[[nodiscard]] std::string random_token(std::size_t bytes = 32);

// Lower-case hex BLAKE2b-256 of a token: what the database stores, so a leaked
// table does not hand out usable tokens. Tokens carry 256 random bits, so an
// unkeyed fast hash is enough (this is not for passwords).
[[nodiscard]] std::string token_hash(std::string_view token);

// Compares contents in constant time. The lengths themselves are not secret:
// strings of different length compare unequal at once.
[[nodiscard]] bool constant_time_equal(std::string_view a, std::string_view b);

// RFC 9562 version-4 UUID ("xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx", lower-case,
// 122 random bits); used for jti and request ids.
[[nodiscard]] std::string uuid_v4();

inline constexpr std::size_t kHmacSha256Bytes = 32;
using HmacSha256 = std::array<unsigned char, kHmacSha256Bytes>;

// HMAC-SHA-256 (RFC 2104) with a key of any length; keys longer than the
// 64-byte block are hashed first, as the RFC requires.
[[nodiscard]] HmacSha256 hmac_sha256(std::string_view key, std::string_view message);
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view message);

}  // namespace stoa::crypto
