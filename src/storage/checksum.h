// Sha256: an incremental SHA-256 (libsodium) of what a blob holds, kept in
// the database so a copy can be verified byte for byte.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace stoa::storage {

class Sha256 {
public:
    Sha256() { crypto_hash_sha256_init(&state_); }
    void update(const char* data, std::size_t n) {
        crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(data), n);
    }
    // 64 lower-case hex characters; the object is spent afterwards.
    std::string hex();

private:
    crypto_hash_sha256_state state_{};
};

std::string sha256_hex(std::string_view data);

}  // namespace stoa::storage
