// Argon2id password hashes (libsodium, PHC string format "$argon2id$...").
// sodium_init() must have succeeded before any call (create() also calls it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "util/result.h"

namespace stoa::crypto {

// OWASP's minimum for Argon2id: m = 19 MiB, t = 2, p = 1 (libsodium's p is 1).
inline constexpr unsigned long long kArgon2MinOpslimit = 2;
inline constexpr std::size_t kArgon2MinMemlimitBytes = std::size_t{19} * 1024 * 1024;

struct Argon2Params {
    unsigned long long opslimit = kArgon2MinOpslimit;  // passes (t)
    std::size_t memlimit_bytes = kArgon2MinMemlimitBytes;
};

class PasswordHasher {
public:
    // Refuses parameters below the OWASP minimum or above libsodium's maximum.
    // Costs one hash: it makes the hash verify_dummy checks against.
    [[nodiscard]] static Result<PasswordHasher> create(Argon2Params params);

    // A fresh salt each call; fails only when memory runs out.
    [[nodiscard]] Result<std::string> hash(std::string_view password) const;

    // False for a wrong password and for a stored hash libsodium cannot read.
    [[nodiscard]] bool verify(std::string_view stored_hash,
                              std::string_view password) const noexcept;

    // True when the stored hash is not Argon2id with exactly this hasher's
    // parameters (weaker, stronger or unreadable): rehash after a good login.
    [[nodiscard]] bool needs_rehash(std::string_view stored_hash) const noexcept;

    // Takes as long as verify() of a hash made with these parameters and
    // answers nothing: for logins naming no account, so their timing does not
    // reveal whether the account exists.
    void verify_dummy(std::string_view password) const noexcept;

    [[nodiscard]] const Argon2Params& params() const noexcept { return params_; }

private:
    PasswordHasher(Argon2Params params, std::string dummy_hash)
        : params_(params), dummy_hash_(std::move(dummy_hash)) {}

    Argon2Params params_;
    std::string dummy_hash_;
};

}  // namespace stoa::crypto
