#include "auth/identity.h"

#include <unicase.h>
#include <uninorm.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "auth/password_policy.h"

namespace stoa::auth {
namespace {

struct FreeDeleter {
    void operator()(uint8_t* p) const noexcept { std::free(p); }  // NOLINT(cppcoreguidelines-no-malloc)
};

bool label_ok(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return std::isalnum(u) || c == '-' || u >= 0x80;
    });
}

}  // namespace

std::optional<std::string> normalize_identity(std::string_view text) {
    if (!valid_utf8(text)) return std::nullopt;
    if (text.empty()) return std::string();
    std::size_t len = 0;
    // NFKC folds compatibility forms (full-width letters, ligatures), then
    // lower-casing makes the comparison case-insensitive.
    std::unique_ptr<uint8_t, FreeDeleter> folded(u8_tolower(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                                            nullptr, UNINORM_NFKC, nullptr, &len));
    if (!folded) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(folded.get()), len);
}

std::optional<std::string> normalize_username(std::string_view text) {
    auto n = normalize_identity(text);
    if (!n || n->size() < 3 || n->size() > 32) return std::nullopt;
    bool ok = std::all_of(n->begin(), n->end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    });
    if (!ok) return std::nullopt;
    return n;
}

std::optional<std::string> normalize_email(std::string_view text) {
    if (text.size() > 254) return std::nullopt;
    auto n = normalize_identity(text);
    if (!n || n->size() > 254) return std::nullopt;
    auto at = n->rfind('@');
    if (at == std::string::npos || n->find('@') != at) return std::nullopt;
    std::string_view local(n->data(), at);
    std::string_view domain(n->data() + at + 1, n->size() - at - 1);
    if (local.empty() || local.size() > 64 || domain.size() < 3) return std::nullopt;
    for (char ch : *n) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' || c == ',' || c == ';')
            return std::nullopt;
    }
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return std::nullopt;
    if (domain.find('.') == std::string_view::npos) return std::nullopt;
    std::size_t i = 0;
    while (i <= domain.size()) {
        std::size_t j = domain.find('.', i);
        if (j == std::string_view::npos) j = domain.size();
        if (!label_ok(domain.substr(i, j - i))) return std::nullopt;
        i = j + 1;
    }
    return n;
}

}  // namespace stoa::auth
