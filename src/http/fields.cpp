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

std::optional<std::vector<std::string>> Fields::string_list(const char* name) const {
    if (json_ == nullptr) throw Problem::bad_request(std::string(name) + " must be a JSON array of strings");
    json_t* v = json_object_get(json_->get(), name);
    if (v == nullptr || json_is_null(v)) return std::nullopt;
    if (!json_is_array(v)) throw Problem::bad_request(std::string(name) + " must be an array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < json_array_size(v); ++i) {
        json_t* item = json_array_get(v, i);
        if (!json_is_string(item)) throw Problem::bad_request(std::string(name) + " must be an array of strings");
        out.emplace_back(json_string_value(item), json_string_length(item));
    }
    return out;
}

std::optional<std::vector<long long>> Fields::integer_list(const char* name) const {
    if (json_ == nullptr) throw Problem::bad_request(std::string(name) + " must be a JSON array of integers");
    json_t* v = json_object_get(json_->get(), name);
    if (v == nullptr || json_is_null(v)) return std::nullopt;
    if (!json_is_array(v)) throw Problem::bad_request(std::string(name) + " must be an array of integers");
    std::vector<long long> out;
    for (std::size_t i = 0; i < json_array_size(v); ++i) {
        json_t* item = json_array_get(v, i);
        if (!json_is_integer(item)) throw Problem::bad_request(std::string(name) + " must be an array of integers");
        out.push_back(json_integer_value(item));
    }
    return out;
}

}  // namespace stoa::http
