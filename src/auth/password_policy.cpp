#include "auth/password_policy.h"

#include <algorithm>
#include <cstdint>

namespace stoa::auth {
namespace {

static_assert(kPasswordMinLength == 8 && kPasswordMaxLength == 128,
              "update the too_short / too_long messages");

constexpr std::size_t kMinIdentityPart = 3;

struct CodePoint {
    std::uint32_t value;
    std::size_t size;  // bytes; 1 for an invalid byte
    bool valid;
};

// Decodes the code point starting at text[at]; an invalid sequence yields
// one invalid byte so every byte is consumed exactly once.
CodePoint decode_utf8(std::string_view text, std::size_t at) noexcept {
    constexpr CodePoint invalid{0xFFFD, 1, false};
    const auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80) return {lead, 1, true};

    std::size_t size = 0;
    std::uint32_t value = 0;
    std::uint32_t smallest = 0;
    if ((lead & 0xE0U) == 0xC0U) {
        size = 2;
        value = lead & 0x1FU;
        smallest = 0x80;
    } else if ((lead & 0xF0U) == 0xE0U) {
        size = 3;
        value = lead & 0x0FU;
        smallest = 0x800;
    } else if ((lead & 0xF8U) == 0xF0U) {
        size = 4;
        value = lead & 0x07U;
        smallest = 0x10000;
    } else {
        return invalid;
    }
    if (text.size() - at < size) return invalid;
    for (std::size_t i = 1; i < size; ++i) {
        const auto next = static_cast<unsigned char>(text[at + i]);
        if ((next & 0xC0U) != 0x80U) return invalid;
        value = (value << 6) | (next & 0x3FU);
    }
    if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        return invalid;
    }
    return {value, size, true};
}

bool is_upper(std::uint32_t c) noexcept { return c >= 'A' && c <= 'Z'; }
bool is_lower(std::uint32_t c) noexcept { return c >= 'a' && c <= 'z'; }
bool is_digit(std::uint32_t c) noexcept { return c >= '0' && c <= '9'; }

// Unicode White_Space: a space is not a symbol, whatever script it is from.
bool is_white_space(std::uint32_t c) noexcept {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

char fold(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::size_t code_point_count(std::string_view text) noexcept {
    std::size_t count = 0;
    for (std::size_t at = 0; at < text.size(); at += decode_utf8(text, at).size) ++count;
    return count;
}

struct Composition {
    std::size_t length = 0;  // code points
    bool upper = false;
    bool lower = false;
    bool digit = false;
    bool symbol = false;
};

Composition composition_of(std::string_view password) noexcept {
    Composition found;
    for (std::size_t at = 0; at < password.size();) {
        const CodePoint cp = decode_utf8(password, at);
        at += cp.size;
        ++found.length;
        if (is_upper(cp.value)) {
            found.upper = true;
        } else if (is_lower(cp.value)) {
            found.lower = true;
        } else if (is_digit(cp.value)) {
            found.digit = true;
        } else if (!is_white_space(cp.value)) {
            found.symbol = true;
        }
    }
    return found;
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                       [](char a, char b) { return fold(a) == fold(b); }) != haystack.end();
}

bool contains_identity(std::string_view password, std::string_view username,
                       std::string_view email) {
    const std::string_view local = email.substr(0, std::min(email.rfind('@'), email.size()));
    const std::string_view untagged = local.substr(0, std::min(local.find('+'), local.size()));
    for (const std::string_view part : {username, local, untagged}) {
        if (code_point_count(part) >= kMinIdentityPart && contains_ignoring_case(password, part)) {
            return true;
        }
    }
    return false;
}

struct CommonList {
    std::vector<std::string_view> entries;  // sorted bytewise
    std::size_t longest = 0;                // bytes
};

const CommonList& common_list() {
    static const CommonList list = [] {
        CommonList built;
        built.entries.reserve(kCommonPasswordsSize / 8);
        std::string_view rest(kCommonPasswords, kCommonPasswordsSize);
        while (!rest.empty()) {
            const std::size_t end = std::min(rest.find('\n'), rest.size());
            if (end > 0) {
                built.entries.push_back(rest.substr(0, end));
                built.longest = std::max(built.longest, end);
            }
            rest.remove_prefix(std::min(end + 1, rest.size()));
        }
        // The generator sorts with LC_ALL=C, which is std::string_view's order;
        // sorting here too keeps a hand-edited list working.
        if (!std::is_sorted(built.entries.begin(), built.entries.end())) {
            std::sort(built.entries.begin(), built.entries.end());
        }
        return built;
    }();
    return list;
}

// Bytewise comparison (as unsigned char, like std::string_view) of `key`
// folded to lower case against a list entry, without copying the password.
int compare_folded(std::string_view key, std::string_view entry) noexcept {
    const std::size_t shared = std::min(key.size(), entry.size());
    for (std::size_t i = 0; i < shared; ++i) {
        const auto a = static_cast<unsigned char>(fold(key[i]));
        const auto b = static_cast<unsigned char>(entry[i]);
        if (a != b) return a < b ? -1 : 1;
    }
    if (key.size() == entry.size()) return 0;
    return key.size() < entry.size() ? -1 : 1;
}

bool listed(std::string_view candidate) {
    const auto& entries = common_list().entries;
    const auto before = [](std::string_view entry, std::string_view key) {
        return compare_folded(key, entry) > 0;
    };
    const auto it = std::lower_bound(entries.begin(), entries.end(), candidate, before);
    return it != entries.end() && compare_folded(candidate, *it) == 0;
}

}  // namespace

bool valid_utf8(std::string_view text) noexcept {
    for (std::size_t at = 0; at < text.size();) {
        const CodePoint cp = decode_utf8(text, at);
        if (!cp.valid) return false;
        at += cp.size;
    }
    return true;
}

bool is_common_password(std::string_view password) {
    // Exact membership, ignoring case: API.md's rule is "not in the shipped
    // list"; decorated variants ("Password1!") are left to the other rules.
    if (password.size() > common_list().longest) return false;
    return listed(password);
}

std::size_t common_password_count() { return common_list().entries.size(); }

std::vector<PasswordViolation> check_password(std::string_view password,
                                              std::string_view username,
                                              std::string_view email) {
    const Composition found = composition_of(password);
    std::vector<PasswordViolation> broken;
    const auto add = [&broken](const char* code, const char* message) {
        broken.push_back({code, message});
    };
    if (found.length < kPasswordMinLength) add("too_short", "at least 8 characters");
    if (found.length > kPasswordMaxLength) add("too_long", "at most 128 characters");
    if (!found.upper) add("missing_upper", "must contain an upper-case letter (A-Z)");
    if (!found.lower) add("missing_lower", "must contain a lower-case letter (a-z)");
    if (!found.digit) add("missing_digit", "must contain a digit (0-9)");
    if (!found.symbol) {
        add("missing_symbol", "must contain a symbol (a character other than a letter A-Z/a-z, "
                              "a digit or a space)");
    }
    if (contains_identity(password, username, email)) {
        add("contains_identity",
            "must not contain the username or the part of the email address before the @");
    }
    if (is_common_password(password)) {
        add("too_common", "must not be a common password (it is in the list of leaked passwords)");
    }
    return broken;
}

}  // namespace stoa::auth
