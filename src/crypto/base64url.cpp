#include "crypto/base64url.h"

#include <sodium.h>

namespace stoa::crypto {

namespace {
constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

const unsigned char* as_bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

std::string base64url_encode(std::string_view bytes) {
    // sodium_base64_encoded_len counts the terminating NUL.
    std::string out(sodium_base64_encoded_len(bytes.size(), kVariant), '\0');
    sodium_bin2base64(out.data(), out.size(), as_bytes(bytes), bytes.size(), kVariant);
    out.pop_back();
    return out;
}

Result<std::string> base64url_decode(std::string_view text) {
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t decoded_len = 0;
    // With b64_end == nullptr libsodium fails unless all of the input was consumed.
    const int rc =
        sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &decoded_len, nullptr, kVariant);
    if (rc != 0) {
        return fail(
            "base64url: expected only A-Z a-z 0-9 - _ without padding, "
            "in a canonical encoding");
    }
    out.resize(decoded_len);
    return out;
}

}  // namespace stoa::crypto
