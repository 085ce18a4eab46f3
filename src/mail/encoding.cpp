#include "mail/encoding.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

namespace stoa::mail {
namespace {

constexpr std::size_t kQpLine = 76;          // RFC 2045 6.7 (5)
constexpr std::size_t kEncodedLine = 76;     // RFC 2047 2: lines with encoded-words
constexpr std::size_t kEncodedWordMax = 75;  // RFC 2047 2: one encoded-word
constexpr std::size_t kHeaderLine = 78;      // RFC 5322 2.1.1: SHOULD
constexpr std::string_view kWordStart = "=?UTF-8?B?";
constexpr std::string_view kWordEnd = "?=";
constexpr char kHex[] = "0123456789ABCDEF";

bool is_ascii_text(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f;
    });
}

void append_hex(std::string& out, unsigned char c) {
    out.push_back('=');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0x0f]);
}

void qp_line(std::string_view line, std::string& out) {
    std::string physical;
    std::string token;
    bool from_line = line.starts_with("From ");
    for (std::size_t i = 0; i < line.size(); ++i) {
        auto c = static_cast<unsigned char>(line[i]);
        bool last = i + 1 == line.size();
        token.clear();
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
        if (i == 0 && (c == '.' || from_line)) literal = false;
        if (literal)
            token.push_back(static_cast<char>(c));
        else
            append_hex(token, c);
        // A soft break needs one column for its "=", except after the last token.
        std::size_t limit = last ? kQpLine : kQpLine - 1;
        if (physical.size() + token.size() > limit) {
            out += physical;
            out += "=\r\n";
            physical.clear();
        }
        physical += token;
    }
    out += physical;
}

std::string base64(std::string_view bytes) {
    std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

// The longest prefix of `text` at most `max_bytes` long that ends on a UTF-8
// character boundary (at least one character, so the loop always advances).
std::size_t utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text.size();
    std::size_t n = max_bytes;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    if (n == 0) {
        n = 1;
        while (n < text.size() && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) ++n;
    }
    return n;
}

// Payload bytes whose base64 fits an encoded-word of `budget` characters.
std::size_t payload_for(std::size_t budget) {
    std::size_t overhead = kWordStart.size() + kWordEnd.size();
    if (budget <= overhead + 4) return 0;
    return (budget - overhead) / 4 * 3;
}

std::string encoded_words(std::string_view text, std::size_t used) {
    std::string out;
    std::size_t line = used;
    if (payload_for(kEncodedLine - std::min(line, kEncodedLine)) < 6) {
        out += "\r\n ";
        line = 1;
    }
    while (!text.empty()) {
        std::size_t budget = std::min(kEncodedWordMax, kEncodedLine - line);
        std::size_t n = utf8_prefix(text, payload_for(budget));
        out += kWordStart;
        out += base64(text.substr(0, n));
        out += kWordEnd;
        text.remove_prefix(n);
        if (!text.empty()) {
            out += "\r\n ";
            line = 1;
        }
    }
    return out;
}

// Plain ASCII folded before white space, so lines stay within 78 characters
// where a space allows it.
std::string folded(std::string_view text, std::size_t used) {
    std::string out;
    std::size_t line = used;
    std::size_t i = 0;
    while (i < text.size()) {
        // A chunk is the white space before a word plus the word.
        std::size_t j = i;
        while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
        while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
        std::string_view chunk = text.substr(i, j - i);
        bool starts_with_space = chunk.front() == ' ' || chunk.front() == '\t';
        if (starts_with_space && line > 1 && line + chunk.size() > kHeaderLine) {
            out += "\r\n";
            line = 0;
        }
        out += chunk;
        line += chunk.size();
        i = j;
    }
    return out;
}

bool atom_text(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == ' ' ||
               std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
    });
}

}  // namespace

std::string quoted_printable(std::string_view text) {
    std::string out;
    std::size_t start = 0;
    while (true) {
        std::size_t end = text.find_first_of("\r\n", start);
        if (end == std::string_view::npos) end = text.size();
        qp_line(text.substr(start, end - start), out);
        if (end == text.size()) break;
        out += "\r\n";
        start = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
    }
    return out;
}

bool header_safe(std::string_view value) {
    return std::none_of(value.begin(), value.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
    });
}

std::string encode_unstructured(std::string_view value, std::size_t used) {
    bool plain = is_ascii_text(value) && value.find("=?") == std::string_view::npos;
    // A run no space can fold would break the 998-character hard limit.
    std::size_t longest = 0;
    std::size_t run = 0;
    for (char c : value) {
        run = (c == ' ' || c == '\t') ? 0 : run + 1;
        longest = std::max(longest, run);
    }
    if (plain && used + longest < 900) return folded(value, used);
    return encoded_words(value, used);
}

std::string encode_phrase(std::string_view name, std::size_t used) {
    if (name.empty()) return {};
    bool ascii = is_ascii_text(name) && name.find("=?") == std::string_view::npos && name.size() < 200;
    if (!ascii) return encoded_words(name, used);
    if (atom_text(name) && name.front() != ' ' && name.back() != ' ') return std::string(name);
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"' || c == '\\') quoted.push_back('\\');
        quoted.push_back(c);
    }
    quoted.push_back('"');
    return quoted;
}

}  // namespace stoa::mail
