#include "crypto/verified_tokens.h"

#include <cstring>

namespace stoa::crypto {

VerifiedTokens::VerifiedTokens(const JwtCodec& codec, std::size_t capacity) : codec_(codec), capacity_(capacity) {
    crypto_shorthash_keygen(key_.data());
}

std::uint64_t VerifiedTokens::slot_of(std::string_view token) const noexcept {
    std::array<unsigned char, crypto_shorthash_BYTES> out{};
    crypto_shorthash(out.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size(), key_.data());
    std::uint64_t slot = 0;
    std::memcpy(&slot, out.data(), sizeof slot);
    return slot;
}

VerifyOutcome VerifiedTokens::verify(std::string_view token, std::int64_t now) {
    const std::uint64_t slot = slot_of(token);
    if (auto it = entries_.find(slot); it != entries_.end()) {
        const Entry& e = it->second;
        // The length of a token is no secret; its bytes are compared in constant time.
        bool same = e.token.size() == token.size() && sodium_memcmp(e.token.data(), token.data(), token.size()) == 0;
        if (same && e.claims.exp + codec_.leeway() > now) return e.claims;
        if (same) entries_.erase(it);  // expired: the codec says so, with the claims
    }
    VerifyOutcome outcome = codec_.verify(token, now);
    if (outcome.ok()) {
        if (entries_.size() >= capacity_) entries_.clear();  // a new generation; cheap, and rare
        entries_.insert_or_assign(slot, Entry{std::string(token), outcome.claims()});
    }
    return outcome;
}

}  // namespace stoa::crypto
