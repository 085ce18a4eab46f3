// Fields: typed access to the fields of a JSON object body or a form body,
// so one validation serves the JSON API and the HTML form posts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"

namespace stoa::http {

class Fields {
public:
    static Fields from_json(const Json& object) { return Fields(&object, nullptr); }
    static Fields from_form(const std::map<std::string, std::string, std::less<>>& form) { return Fields(nullptr, &form); }

    // The string value; nullopt when absent or JSON null. 400 when present
    // with another JSON type.
    std::optional<std::string> string(const char* name) const;
    // A JSON integer (or a form field of digits); 400 on another type.
    std::optional<long long> integer(const char* name) const;
    std::optional<bool> boolean(const char* name) const;
    // A JSON array of strings / of integers; nullopt when absent or null,
    // 400 on another type (JSON bodies only).
    std::optional<std::vector<std::string>> string_list(const char* name) const;
    std::optional<std::vector<long long>> integer_list(const char* name) const;
    bool has(const char* name) const;

private:
    Fields(const Json* json, const std::map<std::string, std::string, std::less<>>* form) : json_(json), form_(form) {}
    const Json* json_;
    const std::map<std::string, std::string, std::less<>>* form_;
};

}  // namespace stoa::http
