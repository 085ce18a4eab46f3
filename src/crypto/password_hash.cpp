#include "crypto/password_hash.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <utility>

namespace stoa::crypto {
namespace {

using HashString = std::array<char, crypto_pwhash_STRBYTES>;

// libsodium reads the stored hash as a C string; copy it into a NUL-terminated
// buffer, refusing what cannot be a hash (too long, embedded NUL).
bool to_c_string(std::string_view stored_hash, HashString& out) noexcept {
    if (stored_hash.size() >= out.size() ||
        stored_hash.find('\0') != std::string_view::npos) {
        return false;
    }
    std::copy(stored_hash.begin(), stored_hash.end(), out.begin());
    out[stored_hash.size()] = '\0';
    return true;
}

// The password arguments are declared nonnull; an empty view may hold null.
const char* bytes_of(std::string_view password) noexcept {
    return password.empty() ? "" : password.data();
}

Result<std::string> hash_with(const Argon2Params& params, std::string_view password) {
    HashString out{};
    if (crypto_pwhash_str_alg(out.data(), bytes_of(password), password.size(), params.opslimit,
                              params.memlimit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return fail("argon2id: hashing failed (out of memory?)");
    }
    return std::string(out.data());
}

}  // namespace

Result<PasswordHasher> PasswordHasher::create(Argon2Params params) {
    if (params.opslimit < kArgon2MinOpslimit ||
        params.opslimit > crypto_pwhash_argon2id_OPSLIMIT_MAX) {
        return fail("argon2id: opslimit must be at least 2 (OWASP minimum) and at most " +
                    std::to_string(crypto_pwhash_argon2id_OPSLIMIT_MAX));
    }
    if (params.memlimit_bytes < kArgon2MinMemlimitBytes ||
        params.memlimit_bytes > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
        return fail("argon2id: memlimit must be at least 19 MiB (OWASP minimum) and at most " +
                    std::to_string(crypto_pwhash_argon2id_MEMLIMIT_MAX) + " bytes");
    }
    if (sodium_init() < 0) return fail("argon2id: libsodium failed to initialise");

    // The dummy's password is random and forgotten: nothing ever matches it.
    std::array<char, 32> secret{};
    randombytes_buf(secret.data(), secret.size());
    Result<std::string> dummy = hash_with(params, std::string_view(secret.data(), secret.size()));
    sodium_memzero(secret.data(), secret.size());
    if (!dummy.ok()) return fail(dummy.error());
    return PasswordHasher(params, std::move(dummy).value());
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
    return hash_with(params_, password);
}

bool PasswordHasher::verify(std::string_view stored_hash,
                            std::string_view password) const noexcept {
    HashString hash;
    if (!to_c_string(stored_hash, hash)) return false;
    return crypto_pwhash_str_verify(hash.data(), bytes_of(password), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(std::string_view stored_hash) const noexcept {
    HashString hash;
    if (!to_c_string(stored_hash, hash)) return true;
    // The argon2id variant: an argon2i hash with the same parameters still
    // needs rehashing, which the generic crypto_pwhash_str_needs_rehash misses.
    return crypto_pwhash_argon2id_str_needs_rehash(hash.data(), params_.opslimit,
                                                   params_.memlimit_bytes) != 0;
}

void PasswordHasher::verify_dummy(std::string_view password) const noexcept {
    [[maybe_unused]] const bool matched = verify(dummy_hash_, password);
}

}  // namespace stoa::crypto
