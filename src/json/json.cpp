#include "json/json.h"

#include <stdexcept>

namespace stoa {
namespace {

json_t* checked(json_t* j) {
    if (j == nullptr) throw std::bad_alloc();
    return j;
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
    struct Free {
        void operator()(char* p) const noexcept { free(p); }  // NOLINT(cppcoreguidelines-no-malloc)
    };
    std::unique_ptr<char, Free> text(json_dumps(raw_.get(), JSON_COMPACT | JSON_ENCODE_ANY));
    if (!text) throw std::bad_alloc();
    return std::string(text.get());
}

void Json::append_string(std::string& out, std::string_view s) {
    bool plain = true;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        plain &= c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
    }
    if (!plain) {
        out += string(s).dump();
        return;
    }
    out.push_back('"');
    out.append(s);
    out.push_back('"');
}

}  // namespace stoa
