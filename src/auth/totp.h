// TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps from the epoch) on
// liboath, plus the base32 and otpauth:// forms authenticator apps read.
// Secrets here are raw bytes; callers keep them encrypted at rest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa::auth::totp {

inline constexpr unsigned kDigits = 6;
inline constexpr unsigned kStepSeconds = 30;
// Codes of the previous and the next step are accepted too (clock drift).
inline constexpr std::size_t kWindowSteps = 1;
// 160 bits, the HMAC-SHA-1 output size RFC 4226 recommends.
inline constexpr std::size_t kSecretBytes = 20;

// kSecretBytes from the CSPRNG.
[[nodiscard]] std::string new_secret();

// RFC 4648 base32 without padding (20 bytes -> 32 characters).
[[nodiscard]] std::string base32_encode(std::string_view raw);
// Accepts upper or lower case and spaces, as people copy secrets.
[[nodiscard]] Result<std::string> base32_decode(std::string_view text);

// The time step a unix time falls in.
[[nodiscard]] std::int64_t step_at(std::int64_t unix_time);

// The code of the step `unix_time` falls in; `digits` 6 to 8.
[[nodiscard]] Result<std::string> code_at(std::string_view secret, std::int64_t unix_time, unsigned digits = kDigits);

// Exactly kDigits ASCII digits.
[[nodiscard]] bool well_formed(std::string_view code);

// The step whose code `code` is, searched within kWindowSteps of the step of
// `unix_time`; nullopt when none matches. Whether that step was used already
// is not decided here: callers record it with one atomic conditional UPDATE
// (users.totp_last_step), so parallel requests cannot both pass.
[[nodiscard]] std::optional<std::int64_t> matching_step(std::string_view secret, std::string_view code,
                                                        std::int64_t unix_time);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30,
// every part percent-encoded (Key Uri Format of Google Authenticator).
[[nodiscard]] std::string otpauth_uri(std::string_view issuer, std::string_view account,
                                      std::string_view secret_base32);

}  // namespace stoa::auth::totp
