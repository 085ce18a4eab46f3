#include "auth/totp.h"

#include <liboath/oath.h>
#include <sodium.h>

#include <cstdlib>
#include <memory>
#include <new>

#include "util/text.h"

namespace stoa::auth::totp {
namespace {

// liboath keeps no state of its own beyond its one-time crypto setup.
bool oath_ready() {
    static const bool ready = oath_init() == OATH_OK;
    return ready;
}

struct FreeDeleter {
    void operator()(char* p) const noexcept { std::free(p); }  // NOLINT(cppcoreguidelines-no-malloc): liboath mallocs
};
using OathBuffer = std::unique_ptr<char, FreeDeleter>;

// oath_totp_validate*_callback hands each candidate code here: compare in
// constant time (0 means a match, as with strcmp).
int compare_code(void* expected, const char* candidate) {
    const auto* code = static_cast<const std::string_view*>(expected);
    std::string_view other(candidate);
    if (other.size() != code->size()) return 1;
    return sodium_memcmp(other.data(), code->data(), code->size()) == 0 ? 0 : 1;
}

}  // namespace

std::string new_secret() {
    std::string secret(kSecretBytes, '\0');
    randombytes_buf(secret.data(), secret.size());
    return secret;
}

std::string base32_encode(std::string_view raw) {
    char* out = nullptr;
    std::size_t out_len = 0;
    if (!oath_ready() || oath_base32_encode(raw.data(), raw.size(), &out, &out_len) != OATH_OK)
        throw std::bad_alloc();  // liboath fails here only when memory runs out
    OathBuffer owned(out);
    std::string text(out, out_len);
    sodium_memzero(out, out_len);
    while (!text.empty() && text.back() == '=') text.pop_back();
    return text;
}

Result<std::string> base32_decode(std::string_view text) {
    if (!oath_ready()) return fail("totp: liboath failed to initialise");
    std::string cleaned;
    cleaned.reserve(text.size() + 8);
    for (char c : text) {
        if (c == ' ') continue;
        cleaned.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    // liboath wants the padding RFC 4648 prescribes; apps usually drop it.
    while (cleaned.size() % 8 != 0) cleaned.push_back('=');
    char* out = nullptr;
    std::size_t out_len = 0;
    int rc = oath_base32_decode(cleaned.data(), cleaned.size(), &out, &out_len);
    sodium_memzero(cleaned.data(), cleaned.size());
    if (rc != OATH_OK) return fail("totp: the secret is not valid base32");
    OathBuffer owned(out);
    std::string raw(out, out_len);
    sodium_memzero(out, out_len);
    return raw;
}

std::int64_t step_at(std::int64_t unix_time) {
    return unix_time / static_cast<std::int64_t>(kStepSeconds);
}

Result<std::string> code_at(std::string_view secret, std::int64_t unix_time, unsigned digits) {
    if (digits < 6 || digits > 8) return fail("totp: codes have 6 to 8 digits");
    if (!oath_ready()) return fail("totp: liboath failed to initialise");
    char out[16] = {};
    int rc =
        oath_totp_generate(secret.data(), secret.size(), static_cast<time_t>(unix_time), kStepSeconds, 0, digits, out);
    if (rc != OATH_OK) return fail(std::string("totp: ") + oath_strerror(rc));
    return std::string(out, digits);
}

bool well_formed(std::string_view code) {
    if (code.size() != kDigits) return false;
    for (char c : code)
        if (c < '0' || c > '9') return false;
    return true;
}

std::optional<std::int64_t> matching_step(std::string_view secret, std::string_view code, std::int64_t unix_time) {
    if (!well_formed(code) || secret.empty() || !oath_ready()) return std::nullopt;
    int position = 0;
    std::uint64_t counter = 0;
    int rc = oath_totp_validate3_callback(secret.data(), secret.size(), static_cast<time_t>(unix_time), kStepSeconds, 0,
                                          kDigits, kWindowSteps, &position, &counter, compare_code, &code);
    if (rc < 0) return std::nullopt;  // OATH_INVALID_OTP or an internal error
    return static_cast<std::int64_t>(counter);
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret_base32) {
    std::string uri = "otpauth://totp/";
    uri += percent_encode(issuer);
    uri += ':';
    uri += percent_encode(account);
    uri += "?secret=";
    uri += percent_encode(secret_base32);
    uri += "&issuer=";
    uri += percent_encode(issuer);
    uri += "&algorithm=SHA1&digits=";
    uri += std::to_string(kDigits);
    uri += "&period=";
    uri += std::to_string(kStepSeconds);
    return uri;
}

}  // namespace stoa::auth::totp
