// SecretBox: authenticated encryption of small secrets stored at rest
// (libsodium crypto_secretbox, XSalsa20-Poly1305). A sealed value is the
// random nonce followed by the ciphertext and its tag. The key is wiped when
// the box goes away.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa::crypto {

class SecretBox {
public:
    static constexpr std::size_t kKeyBytes = 32;
    static constexpr std::size_t kNonceBytes = 24;
    static constexpr std::size_t kTagBytes = 16;
    using Key = std::array<unsigned char, kKeyBytes>;

    // A key for one purpose derived from a long-lived secret: BLAKE2b-256
    // keyed by `secret` over `context` (a secret over 64 bytes is hashed to
    // 64 first). Fails for a secret under 16 bytes. Another secret or another
    // context gives an unrelated key, so rotating the secret makes every
    // value sealed before unreadable.
    [[nodiscard]] static Result<SecretBox> derive(std::string_view secret, std::string_view context);

    explicit SecretBox(const Key& key) noexcept : key_(key) {}
    ~SecretBox();
    SecretBox(const SecretBox&) = delete;
    SecretBox& operator=(const SecretBox&) = delete;
    SecretBox(SecretBox&& other) noexcept;
    SecretBox& operator=(SecretBox&& other) noexcept;

    // nonce || ciphertext: kNonceBytes + plaintext.size() + kTagBytes bytes.
    [[nodiscard]] std::string seal(std::string_view plaintext) const;
    // Fails when the value is truncated, was altered or was sealed with another key.
    [[nodiscard]] Result<std::string> open(std::string_view sealed) const;

private:
    Key key_{};
};

}  // namespace stoa::crypto
