// Json: the one owner of a jansson json_t. Every json_t the project creates
// or parses lives in a Json; json_decref is called nowhere else.
#pragma once

#include <jansson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace stoa {

class Json {
public:
    Json() = default;
    static Json adopt(json_t* raw) noexcept { return Json(raw); }
    static Json borrow(json_t* raw) noexcept { return Json(json_incref(raw)); }

    static Json object();
    static Json array();
    static Json string(std::string_view s);
    static Json integer(std::int64_t v);
    static Json number(double v);
    static Json boolean(bool v);
    static Json null();
    // A string or null when absent.
    static Json optional_string(const std::optional<std::string>& s);

    // Parses UTF-8 JSON text; refuses trailing data and invalid UTF-8.
    static Result<Json> parse(std::string_view text);

    json_t* get() const noexcept { return raw_.get(); }
    json_t* release() noexcept { return raw_.release(); }
    explicit operator bool() const noexcept { return raw_ != nullptr; }

    // Builders for objects and arrays; they return *this for chaining.
    Json& set(const char* key, Json value);
    Json& set(const char* key, std::string_view value);
    Json& set(const char* key, const char* value);
    Json& set(const char* key, const std::string& value);
    Json& set(const char* key, std::int64_t value);
    Json& set(const char* key, int value);
    Json& set(const char* key, bool value);
    Json& push(Json value);

    // Compact JSON text, byte for byte as jansson's json_dumps(JSON_COMPACT |
    // JSON_ENCODE_ANY) writes it, several times faster.
    std::string dump() const;
    // The same from jansson itself (for tests that hold dump() to it).
    std::string dump_with_jansson() const;

    // Appends the JSON text of the string s to out, byte for byte as
    // Json::string(s).dump() would write it, without building a json_t
    // when s is ASCII (the common case: URLs, names, ids).
    static void append_string(std::string& out, std::string_view s);
    // The same for text known to be valid UTF-8 (read from PostgreSQL, or
    // checked on input): no check, a plain byte scan.
    static void append_utf8_string(std::string& out, std::string_view valid_utf8);

private:
    explicit Json(json_t* raw) noexcept : raw_(raw) {}
    struct Deleter {
        void operator()(json_t* j) const noexcept { json_decref(j); }
    };
    std::unique_ptr<json_t, Deleter> raw_;
};

}  // namespace stoa
