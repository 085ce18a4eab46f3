// Access tokens this worker has verified, kept with their claims. A client
// sends the same token with every request for its 15 minutes; seen again, it
// costs one keyed hash and one constant-time comparison of the whole token
// instead of two JSON parses and an HMAC. Only tokens that verified go in,
// the expiry (with the codec's leeway) is checked again on every use, and a
// token that has expired goes back through the codec (which says so).
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "crypto/jwt.h"

namespace stoa::crypto {

class VerifiedTokens {
public:
    static constexpr std::size_t kDefaultCapacity = 2048;

    // Keeps a reference to `codec`, which must outlive this.
    explicit VerifiedTokens(const JwtCodec& codec, std::size_t capacity = kDefaultCapacity);
    VerifiedTokens(const VerifiedTokens&) = delete;
    VerifiedTokens& operator=(const VerifiedTokens&) = delete;

    // What codec.verify(token, now) would answer.
    [[nodiscard]] VerifyOutcome verify(std::string_view token, std::int64_t now);

    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
    struct Entry {
        std::string token;
        AccessClaims claims;
    };
    std::uint64_t slot_of(std::string_view token) const noexcept;

    const JwtCodec& codec_;
    std::size_t capacity_;
    // SipHash key, random per process: nobody can aim tokens at one slot.
    std::array<unsigned char, crypto_shorthash_KEYBYTES> key_{};
    std::unordered_map<std::uint64_t, Entry> entries_;
};

}  // namespace stoa::crypto
