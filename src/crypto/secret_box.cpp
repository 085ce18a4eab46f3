#include "crypto/secret_box.h"

#include <sodium.h>

namespace stoa::crypto {
namespace {

static_assert(SecretBox::kKeyBytes == crypto_secretbox_KEYBYTES);
static_assert(SecretBox::kNonceBytes == crypto_secretbox_NONCEBYTES);
static_assert(SecretBox::kTagBytes == crypto_secretbox_MACBYTES);

const unsigned char* as_bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* as_bytes(std::string& s) {
    return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace

Result<SecretBox> SecretBox::derive(std::string_view secret, std::string_view context) {
    if (secret.size() < crypto_generichash_KEYBYTES_MIN)
        return fail("secret box: the secret must have at least 16 bytes");
    // BLAKE2b takes keys of at most 64 bytes; a longer secret is compressed first.
    std::array<unsigned char, crypto_generichash_KEYBYTES_MAX> compressed{};
    const unsigned char* mac_key = as_bytes(secret);
    std::size_t mac_key_len = secret.size();
    if (secret.size() > compressed.size()) {
        crypto_generichash(compressed.data(), compressed.size(), as_bytes(secret), secret.size(), nullptr, 0);
        mac_key = compressed.data();
        mac_key_len = compressed.size();
    }
    Key key{};
    crypto_generichash(key.data(), key.size(), as_bytes(context), context.size(), mac_key, mac_key_len);
    sodium_memzero(compressed.data(), compressed.size());
    SecretBox box(key);
    sodium_memzero(key.data(), key.size());
    return box;
}

SecretBox::~SecretBox() {
    sodium_memzero(key_.data(), key_.size());
}

SecretBox::SecretBox(SecretBox&& other) noexcept : key_(other.key_) {
    sodium_memzero(other.key_.data(), other.key_.size());
}

SecretBox& SecretBox::operator=(SecretBox&& other) noexcept {
    if (this != &other) {
        key_ = other.key_;
        sodium_memzero(other.key_.data(), other.key_.size());
    }
    return *this;
}

std::string SecretBox::seal(std::string_view plaintext) const {
    std::string sealed(kNonceBytes + kTagBytes + plaintext.size(), '\0');
    unsigned char* nonce = as_bytes(sealed);
    randombytes_buf(nonce, kNonceBytes);
    crypto_secretbox_easy(nonce + kNonceBytes, as_bytes(plaintext), plaintext.size(), nonce, key_.data());
    return sealed;
}

Result<std::string> SecretBox::open(std::string_view sealed) const {
    if (sealed.size() < kNonceBytes + kTagBytes) return fail("secret box: sealed value too short");
    const unsigned char* nonce = as_bytes(sealed);
    std::size_t cipher_len = sealed.size() - kNonceBytes;
    std::string plain(cipher_len - kTagBytes, '\0');
    if (crypto_secretbox_open_easy(as_bytes(plain), nonce + kNonceBytes, cipher_len, nonce, key_.data()) != 0)
        return fail("secret box: authentication failed (altered, or sealed with another key)");
    return plain;
}

}  // namespace stoa::crypto
