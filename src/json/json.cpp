#include "json/json.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace stoa {
namespace {

json_t* checked(json_t* j) {
    if (j == nullptr) throw std::bad_alloc();
    return j;
}

std::string jansson_dump(const json_t* j) {
    struct Free {
        void operator()(char* p) const noexcept { free(p); }  // NOLINT(cppcoreguidelines-no-malloc)
    };
    std::unique_ptr<char, Free> text(json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY));
    if (!text) throw std::bad_alloc();
    return std::string(text.get());
}

// A string as jansson's JSON_COMPACT writes it (jansson keeps strings valid
// UTF-8, which passes through unescaped): runs of plain bytes copied whole.
void append_escaped(std::string& out, const char* s, std::size_t n) {
    out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s + run, i - run);
        run = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: {
                std::array<char, 8> seq{};
                std::snprintf(seq.data(), seq.size(), "\\u%04X", c);
                out.append(seq.data(), 6);
            }
        }
    }
    out.append(s + run, n - run);
    out.push_back('"');
}

// json_dumps(JSON_COMPACT | JSON_ENCODE_ANY), byte for byte, at a fraction of
// its cost (it decodes every character of every string); reals, rare here,
// are left to jansson for its exact number format.
void append_value(std::string& out, json_t* j) {
    switch (json_typeof(j)) {
        case JSON_OBJECT: {
            out.push_back('{');
            bool first = true;
            for (void* it = json_object_iter(j); it != nullptr; it = json_object_iter_next(j, it)) {
                if (!first) out.push_back(',');
                first = false;
                append_escaped(out, json_object_iter_key(it), json_object_iter_key_len(it));
                out.push_back(':');
                append_value(out, json_object_iter_value(it));
            }
            out.push_back('}');
            break;
        }
        case JSON_ARRAY: {
            out.push_back('[');
            std::size_t n = json_array_size(j);
            for (std::size_t i = 0; i < n; ++i) {
                if (i > 0) out.push_back(',');
                append_value(out, json_array_get(j, i));
            }
            out.push_back(']');
            break;
        }
        case JSON_STRING: append_escaped(out, json_string_value(j), json_string_length(j)); break;
        case JSON_INTEGER: {
            std::array<char, 24> digits{};
            auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), json_integer_value(j));
            out.append(digits.data(), end);
            break;
        }
        case JSON_REAL: out += jansson_dump(j); break;
        case JSON_TRUE: out += "true"; break;
        case JSON_FALSE: out += "false"; break;
        case JSON_NULL: out += "null"; break;
    }
}

}  // namespace

Json Json::object() { return Json(checked(json_object())); }
Json Json::array() { return Json(checked(json_array())); }
Json Json::string(std::string_view s) {
    json_t* j = json_stringn(s.data(), s.size());
    if (j != nullptr) return Json(j);
    // Invalid UTF-8 (handlers refuse it in input; this guards log lines and
    // other echoes): every byte outside ASCII becomes U+FFFD.
    std::string clean;
    clean.reserve(s.size());
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x80 && c != 0) clean.push_back(static_cast<char>(c));
        else clean += "\xEF\xBF\xBD";
    }
    return Json(checked(json_stringn(clean.data(), clean.size())));
}
Json Json::integer(std::int64_t v) { return Json(checked(json_integer(v))); }
Json Json::number(double v) { return Json(checked(json_real(v))); }
Json Json::boolean(bool v) { return Json(checked(json_boolean(v))); }
Json Json::null() { return Json(checked(json_null())); }
Json Json::optional_string(const std::optional<std::string>& s) {
    return s ? string(*s) : null();
}

Result<Json> Json::parse(std::string_view text) {
    json_error_t err;
    json_t* j = json_loadb(text.data(), text.size(), JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (j == nullptr) {
        return fail("line " + std::to_string(err.line) + ", column " + std::to_string(err.column) +
                    ": " + err.text);
    }
    return Json(j);
}

Json& Json::set(const char* key, Json value) {
    if (json_object_set_new(raw_.get(), key, value.release()) != 0)
        throw std::logic_error("Json::set on a non-object");
    return *this;
}
Json& Json::set(const char* key, std::string_view value) { return set(key, string(value)); }
Json& Json::set(const char* key, const char* value) { return set(key, string(value)); }
Json& Json::set(const char* key, const std::string& value) { return set(key, string(value)); }
Json& Json::set(const char* key, std::int64_t value) { return set(key, integer(value)); }
Json& Json::set(const char* key, int value) { return set(key, integer(value)); }
Json& Json::set(const char* key, bool value) { return set(key, boolean(value)); }

Json& Json::push(Json value) {
    if (json_array_append_new(raw_.get(), value.release()) != 0)
        throw std::logic_error("Json::push on a non-array");
    return *this;
}

std::string Json::dump() const {
    if (!raw_) return "null";
    std::string out;
    out.reserve(256);
    append_value(out, raw_.get());
    return out;
}

std::string Json::dump_with_jansson() const {
    return raw_ ? jansson_dump(raw_.get()) : "null";
}

void Json::append_utf8_string(std::string& out, std::string_view valid_utf8) {
    append_escaped(out, valid_utf8.data(), valid_utf8.size());
}

void Json::append_string(std::string& out, std::string_view s) {
    for (char ch : s) {
        if (static_cast<unsigned char>(ch) >= 0x80) {
            out += string(s).dump();  // checked as UTF-8 (or repaired) by jansson first
            return;
        }
    }
    append_escaped(out, s.data(), s.size());
}

}  // namespace stoa
