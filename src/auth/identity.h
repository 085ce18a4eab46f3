// Usernames and emails: validation and the normal form used for uniqueness
// (Unicode NFKC, then lower case), so "Alice", "ALICE" and "ａｌｉｃｅ" are one name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stoa::auth {

// NFKC + lower case of UTF-8 text; nullopt for invalid UTF-8.
std::optional<std::string> normalize_identity(std::string_view text);

// The normalised username when it is 3 to 32 of [a-z0-9_.-] after
// normalisation; nullopt otherwise.
std::optional<std::string> normalize_username(std::string_view text);

// The normalised email when it is a plausible address (one @, local part
// 1-64, domain with a dot, no spaces or control characters, <= 254); else nullopt.
std::optional<std::string> normalize_email(std::string_view text);

inline constexpr const char* kUsernameRule = "3 to 32 of a-z 0-9 _ . -";

}  // namespace stoa::auth
