#include "storage/checksum.h"

namespace stoa::storage {

std::string Sha256::hex() {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state_, digest);
    char out[sizeof digest * 2 + 1];
    sodium_bin2hex(out, sizeof out, digest, sizeof digest);
    return std::string(out, sizeof digest * 2);
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data.data(), data.size());
    return h.hex();
}

}  // namespace stoa::storage
