#include "crypto/token.h"

#include <sodium.h>

#include "crypto/base64url.h"

namespace stoa::crypto {

namespace {

const unsigned char* as_bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

std::string to_hex(const unsigned char* bytes, std::size_t len) {
    std::string hex(len * 2 + 1, '\0');  // sodium_bin2hex writes a terminating NUL
    sodium_bin2hex(hex.data(), hex.size(), bytes, len);
    hex.pop_back();
    return hex;
}

}  // namespace

Status init() {
    // 0: initialised now, 1: already initialised, -1: failure.
    if (sodium_init() < 0) {
        return fail("crypto: libsodium failed to initialise (no entropy source?)");
    }
    return Ok{};
}

std::string random_token(std::size_t bytes) {
    std::string raw(bytes, '\0');  // data() is never null, even for 0 bytes
    randombytes_buf(raw.data(), raw.size());
    std::string token = base64url_encode(raw);
    sodium_memzero(raw.data(), raw.size());
    return token;
}

std::string token_hash(std::string_view token) {
    std::array<unsigned char, crypto_generichash_BYTES> digest{};
    static_assert(crypto_generichash_BYTES == 32, "BLAKE2b-256");
    crypto_generichash(digest.data(), digest.size(), as_bytes(token), token.size(), nullptr, 0);
    return to_hex(digest.data(), digest.size());
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    if (a.empty()) {
        return true;
    }
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string uuid_v4() {
    std::array<unsigned char, 16> raw{};
    randombytes_buf(raw.data(), raw.size());
    raw[6] = static_cast<unsigned char>((raw[6] & 0x0Fu) | 0x40u);  // version 4
    raw[8] = static_cast<unsigned char>((raw[8] & 0x3Fu) | 0x80u);  // variant 10xx
    const std::string hex = to_hex(raw.data(), raw.size());
    std::string uuid;
    uuid.reserve(36);
    uuid.append(hex, 0, 8).append(1, '-');
    uuid.append(hex, 8, 4).append(1, '-');
    uuid.append(hex, 12, 4).append(1, '-');
    uuid.append(hex, 16, 4).append(1, '-');
    uuid.append(hex, 20, 12);
    return uuid;
}

HmacSha256 hmac_sha256(std::string_view key, std::string_view message) {
    static constexpr unsigned char kNoBytes[1] = {0};
    // libsodium declares the key pointer nonnull even for an empty key.
    const unsigned char* key_bytes = key.empty() ? kNoBytes : as_bytes(key);

    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, key_bytes, key.size());
    crypto_auth_hmacsha256_update(&state, as_bytes(message), message.size());
    HmacSha256 mac{};
    crypto_auth_hmacsha256_final(&state, mac.data());
    // The state holds the key's inner and outer pads.
    sodium_memzero(&state, sizeof state);
    return mac;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    const HmacSha256 mac = hmac_sha256(key, message);
    return to_hex(mac.data(), mac.size());
}

}  // namespace stoa::crypto
