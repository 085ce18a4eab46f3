#include "http/fields.h"

#include "http/problem.h"

namespace stoa::http {

bool Fields::has(const char* name) const {
    if (json_ != nullptr) return json_object_get(json_->get(), name) != nullptr;
    return form_->find(name) != form_->end();
}

std::optional<std::string> Fields::string(const char* name) const {
    if (json_ != nullptr) {
        json_t* v = json_object_get(json_->get(), name);
        if (v == nullptr || json_is_null(v)) return std::nullopt;
        if (!json_is_string(v)) throw Problem::bad_request(std::string(name) + " must be a string");
        return std::string(json_string_value(v), json_string_length(v));
    }
    auto it = form_->find(name);
    if (it == form_->end()) return std::nullopt;
    return it->second;
}

std::optional<long long> Fields::integer(const char* name) const {
    if (json_ != nullptr) {
        json_t* v = json_object_get(json_->get(), name);
        if (v == nullptr || json_is_null(v)) return std::nullopt;
        if (!json_is_integer(v)) throw Problem::bad_request(std::string(name) + " must be an integer");
        return json_integer_value(v);
    }
    auto it = form_->find(name);
    if (it == form_->end()) return std::nullopt;
    try {
        std::size_t used = 0;
        long long n = std::stoll(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument(name);
        return n;
    } catch (const std::exception&) {
        throw Problem::bad_request(std::string(name) + " must be an integer");
    }
}

std::optional<bool> Fields::boolean(const char* name) const {
    if (json_ != nullptr) {
        json_t* v = json_object_get(json_->get(), name);
        if (v == nullptr || json_is_null(v)) return std::nullopt;
        if (!json_is_boolean(v)) throw Problem::bad_request(std::string(name) + " must be true or false");
        return json_is_true(v);
    }
    auto it = form_->find(name);
    if (it == form_->end()) return std::nullopt;
    if (it->second == "true" || it->second == "on" || it->second == "1") return true;
    if (it->second == "false" || it->second == "off" || it->second == "0") return false;
    throw Problem::bad_request(std::string(name) + " must be true or false");
}

}  // namespace stoa::http
