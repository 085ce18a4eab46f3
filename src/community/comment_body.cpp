#include "community/comment_body.h"

#include <algorithm>
#include <cctype>

#include "auth/password_policy.h"

namespace stoa::community {
namespace {

// The code point of the valid UTF-8 sequence at s[i]; `len` gets its length.
char32_t decode(std::string_view s, std::size_t i, std::size_t& len) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
        len = 1;
        return b;
    }
    len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    char32_t cp = b & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    return cp;
}

// White space and invisible characters a body may not consist of alone.
bool blank(char32_t cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

bool control(char32_t cp) {
    return (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F);
}

}  // namespace

void check_comment_body(http::Validation& v, const std::string& body) {
    if (!auth::valid_utf8(body)) {
        v.add("body", "invalid", "body must be valid UTF-8 text");
        return;
    }
    std::size_t chars = 0, trailing_blank = 0;
    bool started = false;
    for (std::size_t i = 0, len = 0; i < body.size(); i += len) {
        char32_t cp = decode(body, i, len);
        if (control(cp)) {
            v.add("body", "invalid_character",
                  "body: plain text; control characters other than newline and tab are refused");
            return;
        }
        if (!started && blank(cp)) continue;
        started = true;
        ++chars;
        trailing_blank = blank(cp) ? trailing_blank + 1 : 0;
    }
    chars -= trailing_blank;
    if (chars == 0)
        v.add("body", "too_short", "body: 1 to 10000 characters, not counting white space at both ends");
    else if (chars > kMaxCommentChars)
        v.add("body", "too_long", "body: at most 10000 characters (got " + std::to_string(chars) + ")");
}

std::size_t count_links(std::string_view body) {
    std::string lower(body);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::size_t n = 0;
    for (std::size_t i = 0; i < lower.size(); ++i) {
        std::string_view rest(lower.data() + i, lower.size() - i);
        if (rest.starts_with("https://")) {
            ++n;
            i += 7;
        } else if (rest.starts_with("http://")) {
            ++n;
            i += 6;
        } else if (rest.starts_with("www.") && (i == 0 || lower[i - 1] != '/')) {
            ++n;
            i += 3;
        }
    }
    return n;
}

}  // namespace stoa::community
