#include "http/multipart.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace stoa::http {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kMaxBoundary = 70;
constexpr std::string_view kCrlf = "\r\n";

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_tchar(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// RFC 2046 bchars.
bool is_bchar(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || std::strchr("'()+_,-./:=? ", c) != nullptr;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Parameters after the first ';' of a header value: `; key=token` or
// `; key="quoted \" string"`. Keys are lower-cased; a repeated key is an error.
Result<std::vector<std::pair<std::string, std::string>>> parse_parameters(std::string_view s) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t i = 0;
    auto skip_ows = [&] {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    };
    for (;;) {
        skip_ows();
        if (i == s.size()) return out;
        if (s[i] != ';') return fail("expected ';' between parameters");
        ++i;
        skip_ows();
        if (i == s.size()) return out;  // a trailing ';' is tolerated
        std::size_t key_start = i;
        while (i < s.size() && is_tchar(s[i])) ++i;
        if (i == key_start) return fail("a parameter has no name");
        std::string key(s.substr(key_start, i - key_start));
        std::transform(key.begin(), key.end(), key.begin(), lower);
        skip_ows();
        if (i == s.size() || s[i] != '=') return fail("parameter " + key + " has no value");
        ++i;
        skip_ows();
        std::string value;
        if (i < s.size() && s[i] == '"') {
            ++i;
            bool closed = false;
            while (i < s.size()) {
                char c = s[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\') {
                    if (i == s.size()) break;
                    c = s[i++];
                }
                value.push_back(c);
            }
            if (!closed) return fail("parameter " + key + " has an unterminated quoted string");
        } else {
            std::size_t start = i;
            while (i < s.size() && s[i] != ';' && s[i] != ' ' && s[i] != '\t') ++i;
            value = std::string(s.substr(start, i - start));
            if (value.empty()) return fail("parameter " + key + " has an empty value");
        }
        for (const auto& [k, v] : out)
            if (k == key) return fail("parameter " + key + " appears twice");
        out.emplace_back(std::move(key), std::move(value));
    }
}

// RFC 5987 ext-value "UTF-8''na%C3%AFve.png"; only UTF-8 is understood.
Result<std::string> decode_ext_value(std::string_view v) {
    std::size_t q1 = v.find('\'');
    std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos || !iequals(v.substr(0, q1), "utf-8")) return fail("filename* must be UTF-8''...");
    std::string out;
    for (std::size_t i = q2 + 1; i < v.size(); ++i) {
        if (v[i] != '%') {
            out.push_back(v[i]);
            continue;
        }
        int hi = i + 2 < v.size() ? hex_value(v[i + 1]) : -1;
        int lo = i + 2 < v.size() ? hex_value(v[i + 2]) : -1;
        if (hi < 0 || lo < 0) return fail("filename* has a malformed percent escape");
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

Status parse_content_disposition(std::string_view value, MultipartPart& part) {
    std::string_view type = trim(value.substr(0, value.find(';')));
    if (!iequals(type, "form-data")) return fail("Content-Disposition of a part must be form-data");
    std::string_view rest = value.substr(std::min(value.size(), value.find(';')));
    auto params = parse_parameters(rest);
    if (!params) return fail("Content-Disposition: " + params.error());
    bool has_name = false;
    for (auto& [key, v] : *params) {
        if (key == "name") {
            part.name = std::move(v);
            has_name = true;
        } else if (key == "filename" && !part.filename) {
            part.filename = std::move(v);
        } else if (key == "filename*") {
            auto decoded = decode_ext_value(v);
            if (!decoded) return fail("Content-Disposition: " + decoded.error());
            part.filename = std::move(*decoded);
        }
    }
    if (!has_name || part.name.empty()) return fail("a part's Content-Disposition has no name");
    return Ok{};
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
    if (media_type(content_type) != "multipart/form-data") return fail("the body must be multipart/form-data");
    auto params = parse_parameters(content_type.substr(std::min(content_type.size(), content_type.find(';'))));
    if (!params) return fail("Content-Type: " + params.error());
    for (const auto& [key, value] : *params) {
        if (key != "boundary") continue;
        if (value.empty() || value.size() > kMaxBoundary || value.back() == ' ' ||
            !std::all_of(value.begin(), value.end(), is_bchar))
            return fail("the multipart boundary must be 1 to 70 characters of letters, digits and '()+_,-./:=? ");
        return value;
    }
    return fail("multipart/form-data without a boundary parameter");
}

MultipartReader::MultipartReader(BodySource& body, std::string_view boundary, MultipartLimits limits)
    : body_(body), limits_(limits), delimiter_("\r\n--" + std::string(boundary)), buf_(kCrlf) {}

Error MultipartReader::failed(std::string message) {
    state_ = State::failed;
    return Error{"malformed multipart body: " + std::move(message)};
}

bool MultipartReader::fill(std::size_t n) {
    while (buf_.size() - pos_ < n && !eof_) {
        if (pos_ > 0 && pos_ >= buf_.size() / 2) {
            buf_.erase(0, pos_);
            data_end_ = 0;
            pos_ = 0;
        }
        std::size_t old = buf_.size();
        buf_.resize(old + kChunk);
        std::size_t got = body_.read(buf_.data() + old, kChunk);
        buf_.resize(old + got);
        if (got == 0) eof_ = true;
    }
    return buf_.size() - pos_ >= n;
}

Status MultipartReader::skip_preamble() {
    for (;;) {
        std::string_view view = unread();
        std::size_t idx = view.find(delimiter_);
        if (idx != std::string_view::npos) {
            pos_ += idx + delimiter_.size();
            state_ = State::after_delimiter;
            return Ok{};
        }
        // Keep what could be the start of a delimiter cut by the chunk's end.
        pos_ += view.size() - std::min(view.size(), delimiter_.size() - 1);
        if (!fill(unread().size() + 1)) return failed("no boundary line (is the boundary parameter right?)");
    }
}

Result<bool> MultipartReader::read_delimiter_line() {
    if (!fill(2)) return failed("the body ends after a boundary");
    if (unread().starts_with("--")) {
        state_ = State::done;
        return false;
    }
    // Transport padding (spaces, tabs) may follow a boundary, then CRLF.
    for (std::size_t padding = 0;; ++padding) {
        if (!fill(2)) return failed("the body ends after a boundary");
        char c = unread().front();
        if (c != ' ' && c != '\t') break;
        if (padding > 64) return failed("too much padding after a boundary");
        ++pos_;
    }
    if (!unread().starts_with(kCrlf)) return failed("a boundary is not followed by CRLF or --");
    pos_ += 2;
    return true;
}

Result<MultipartPart> MultipartReader::read_headers() {
    std::size_t end = std::string_view::npos;
    for (;;) {
        std::string_view view = unread();
        if (view.starts_with(kCrlf)) return failed("a part has no headers (Content-Disposition is required)");
        end = view.find("\r\n\r\n");
        if (end != std::string_view::npos) break;
        if (view.size() > limits_.max_header_bytes) break;
        if (!fill(view.size() + 1)) return failed("the body ends inside a part's headers");
    }
    if (end == std::string_view::npos || end > limits_.max_header_bytes)
        return failed("a part's headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
    std::string block(unread().substr(0, end + 2));
    pos_ += end + 4;

    MultipartPart part;
    bool has_disposition = false;
    std::string_view rest(block);
    while (!rest.empty()) {
        std::size_t eol = rest.find(kCrlf);
        std::string_view line = rest.substr(0, eol);
        rest.remove_prefix(eol + 2);
        if (line.empty()) continue;
        if (line.front() == ' ' || line.front() == '\t') return failed("folded header lines are not allowed");
        for (char c : line) {
            auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7f) return failed("a part header contains a control character");
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return failed("a part header line has no name");
        std::string_view name = line.substr(0, colon);
        if (!std::all_of(name.begin(), name.end(), is_tchar)) return failed("a part header has an invalid name");
        std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "Content-Disposition")) {
            if (has_disposition) return failed("a part has two Content-Disposition headers");
            has_disposition = true;
            if (auto s = parse_content_disposition(value, part); !s) return failed(s.error());
        } else if (iequals(name, "Content-Type")) {
            part.content_type = std::string(value);
        }
    }
    if (!has_disposition) return failed("a part has no Content-Disposition header");
    return part;
}

Result<std::optional<MultipartPart>> MultipartReader::next() {
    if (state_ == State::failed) return Error{"malformed multipart body"};
    if (state_ == State::preamble) {
        if (auto s = skip_preamble(); !s) return fail(s.error());
    }
    if (state_ == State::in_part) {
        char scratch[16384];
        for (;;) {
            auto n = read(scratch, sizeof scratch);
            if (!n) return fail(n.error());
            if (*n == 0) break;
        }
    }
    if (state_ == State::done) return std::optional<MultipartPart>();
    auto more = read_delimiter_line();
    if (!more) return fail(more.error());
    if (!*more) return std::optional<MultipartPart>();
    if (++parts_ > limits_.max_parts) return failed("more than " + std::to_string(limits_.max_parts) + " parts");
    auto part = read_headers();
    if (!part) return fail(part.error());
    state_ = State::in_part;
    data_end_ = pos_;
    return std::optional<MultipartPart>(std::move(*part));
}

Result<std::size_t> MultipartReader::read(char* buf, std::size_t n) {
    if (state_ == State::failed) return Error{"malformed multipart body"};
    if (state_ != State::in_part || n == 0) return std::size_t{0};
    while (pos_ >= data_end_) {
        // Find how far the content surely goes: up to the next delimiter, or
        // to where a delimiter cut by the buffer's end could begin.
        std::string_view view = unread();
        std::size_t idx = view.find(delimiter_);
        if (idx == 0) {
            pos_ += delimiter_.size();
            state_ = State::after_delimiter;
            return std::size_t{0};
        }
        std::size_t sure = idx != std::string_view::npos
                               ? idx
                               : view.size() - std::min(view.size(), delimiter_.size() - 1);
        data_end_ = pos_ + sure;
        if (sure == 0 && !fill(view.size() + 1)) return failed("the body ends inside a part (no closing boundary)");
    }
    std::size_t k = std::min(n, data_end_ - pos_);
    std::memcpy(buf, buf_.data() + pos_, k);
    pos_ += k;
    return k;
}

}  // namespace stoa::http
