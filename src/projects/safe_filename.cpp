#include "projects/safe_filename.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace stoa::projects {
namespace {

// Length of the valid UTF-8 sequence at s[i] (1..4), 0 when invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((b(i + k) & 0xc0) != 0x80) return 0;
    if (n == 3 && c == 0xe0 && b(i + 1) < 0xa0) return 0;  // overlong
    if (n == 3 && c == 0xed && b(i + 1) >= 0xa0) return 0;  // surrogates
    if (n == 4 && c == 0xf0 && b(i + 1) < 0x90) return 0;  // overlong
    if (n == 4 && c == 0xf4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return n;
}

bool forbidden_ascii(unsigned char c) {
    return c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == ':' || c == '"' || c == '|' || c == '?' ||
           c == '*' || c == '/' || c == '\\';
}

// U+202A..U+202E and U+2066..U+2069: bidirectional overrides that disguise
// an extension ("gpj.exe" shown as "exe.jpg").
bool bidi_control(std::string_view seq) {
    return seq.size() == 3 && static_cast<unsigned char>(seq[0]) == 0xe2 &&
           ((static_cast<unsigned char>(seq[1]) == 0x80 && static_cast<unsigned char>(seq[2]) >= 0xaa &&
             static_cast<unsigned char>(seq[2]) <= 0xae) ||
            (static_cast<unsigned char>(seq[1]) == 0x81 && static_cast<unsigned char>(seq[2]) >= 0xa6 &&
             static_cast<unsigned char>(seq[2]) <= 0xa9));
}

// Cuts `s` to at most `max` bytes at a character boundary (s is valid UTF-8).
std::string cut_utf8(std::string s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) --end;
    s.resize(end);
    return s;
}

bool reserved_device(std::string_view name) {
    std::string stem(name.substr(0, name.find('.')));
    std::transform(stem.begin(), stem.end(), stem.begin(), [](unsigned char c) { return std::toupper(c); });
    static constexpr std::array<std::string_view, 6> kPlain = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"};
    if (std::find(kPlain.begin(), kPlain.end(), stem) != kPlain.end()) return true;
    return stem.size() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) && stem[3] >= '0' && stem[3] <= '9';
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

std::string safe_filename(std::string_view original) {
    // The last path component, whichever separator the client's system uses.
    if (auto slash = original.find_last_of("/\\"); slash != std::string_view::npos)
        original = original.substr(slash + 1);
    std::string out;
    for (std::size_t i = 0; i < original.size();) {
        std::size_t n = utf8_sequence(original, i);
        if (n == 0) {
            out += '_';
            ++i;
            continue;
        }
        std::string_view seq = original.substr(i, n);
        i += n;
        if (n == 1 && forbidden_ascii(static_cast<unsigned char>(seq[0]))) {
            out += '_';
        } else if (n == 2 && static_cast<unsigned char>(seq[0]) == 0xc2 && static_cast<unsigned char>(seq[1]) < 0xa0) {
            out += '_';  // C1 controls
        } else if (bidi_control(seq)) {
            out += '_';
        } else {
            out += seq;
        }
    }
    std::size_t first = out.find_first_not_of(". ");
    out = first == std::string::npos ? std::string() : out.substr(first);
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
    if (out.empty()) out = "file";
    if (reserved_device(out)) out = "_" + out;
    if (out.size() > kMaxFilenameBytes) {
        std::string ext = extension_of(out);
        if (ext.size() > 16) ext.clear();
        std::string_view ext_kept = ext.empty() ? std::string_view() : std::string_view(out).substr(out.size() - ext.size());
        std::string stem = cut_utf8(out.substr(0, out.size() - ext_kept.size()), kMaxFilenameBytes - ext_kept.size());
        out = stem + std::string(ext_kept);
    }
    return out;
}

std::string extension_of(std::string_view name) {
    auto dot = name.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return {};
    std::string_view ext = name.substr(dot);
    if (ext.size() < 2 || ext.find_first_of("/\\ ") != std::string_view::npos) return {};
    return lower_ascii(ext);
}

std::string content_disposition(std::string_view disposition, std::string_view safe_name) {
    std::string ascii;
    for (std::size_t i = 0; i < safe_name.size();) {
        std::size_t n = utf8_sequence(safe_name, i);
        unsigned char c = static_cast<unsigned char>(safe_name[i]);
        if (n == 1 && c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%') ascii += static_cast<char>(c);
        else ascii += '_';
        i += n == 0 ? 1 : n;
    }
    // RFC 5987 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else %XX.
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string encoded;
    for (char ch : safe_name) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
            encoded += static_cast<char>(c);
        } else {
            encoded += '%';
            encoded += kHex[c >> 4];
            encoded += kHex[c & 0x0f];
        }
    }
    std::string out(disposition);
    out += "; filename=\"" + ascii + "\"";
    out += "; filename*=UTF-8''" + encoded;
    return out;
}

std::string UniqueNames::take(std::string_view safe_name) {
    std::string name(safe_name);
    if (taken_.insert(lower_ascii(name)).second) return name;
    std::string ext = extension_of(name);
    std::string stem = name.substr(0, name.size() - ext.size());
    ext = name.substr(name.size() - ext.size());
    for (int n = 2;; ++n) {
        std::string candidate = stem + " (" + std::to_string(n) + ")" + ext;
        if (taken_.insert(lower_ascii(candidate)).second) return candidate;
    }
}

}  // namespace stoa::projects
