// The password rules of API.md ("Passwords"): length, character classes,
// no identity, not a common password. check_password lists every broken
// rule, so a handler answers one 422 naming them all.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stoa::auth {

inline constexpr std::size_t kPasswordMinLength = 8;    // code points
inline constexpr std::size_t kPasswordMaxLength = 128;  // code points

// One broken rule. `code` is one of, in this order: too_short, too_long,
// missing_upper, missing_lower, missing_digit, missing_symbol,
// contains_identity, too_common. `message` says what is allowed.
struct PasswordViolation {
    std::string code;
    std::string message;
};

// Every rule `password` breaks, in the order above; empty when it passes.
// `password` should be valid UTF-8 (see valid_utf8; the handler answers
// bad_request otherwise); invalid bytes here count as one symbol each.
// Classes: A-Z upper, a-z lower, 0-9 digit; any other code point that is not
// white space is a symbol (so non-ASCII letters count as symbols).
// Identity: the password must not equal or contain, ignoring ASCII case,
// `username`, the local part of `email` (before the last '@') or that part
// before a '+' tag; parts shorter than 3 code points are ignored.
[[nodiscard]] std::vector<PasswordViolation> check_password(std::string_view password,
                                                            std::string_view username,
                                                            std::string_view email);

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or
// code points above U+10FFFF).
[[nodiscard]] bool valid_utf8(std::string_view text) noexcept;

// True when `password`, ignoring ASCII case, is in the shipped list.
[[nodiscard]] bool is_common_password(std::string_view password);

// Number of entries in the shipped list.
[[nodiscard]] std::size_t common_password_count();

// data/common-passwords.txt as embedded by cmake/common_passwords.cmake:
// lower-case, sorted bytewise, one entry per '\n'-terminated line.
extern const char kCommonPasswords[];
extern const std::size_t kCommonPasswordsSize;

}  // namespace stoa::auth
