// What clients send for a project and its parts (API.md "Projects"), read
// and checked in one pass: every broken rule becomes one entry of a single
// 422. A field that is absent (or null) stays as it is on update; optional
// text fields are cleared with "".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "http/fields.h"

namespace stoa::projects {

enum class Mode { create, update };

struct ProjectInput {
    std::optional<std::string> title;
    std::optional<std::string> description;
    std::optional<std::string> background;
    std::optional<std::string> source_url;  // "" clears
    std::optional<std::vector<std::string>> tags;
    std::optional<std::string> status;      // draft or published
};
ProjectInput read_project_input(const http::Fields& f, Mode mode);

struct StepInput {
    std::optional<std::string> title;
    std::optional<std::string> body;
};
StepInput read_step_input(const http::Fields& f, Mode mode);

struct BomInput {
    std::optional<std::string> name;
    std::optional<long long> quantity;
    std::optional<std::string> unit;
    std::optional<std::string> part_number;
    std::optional<std::string> supplier_url;
    std::optional<std::string> unit_price;
    std::optional<std::string> currency;
    std::optional<std::string> notes;
};
BomInput read_bom_input(const http::Fields& f, Mode mode);

struct ComponentInput {
    std::string name;
    std::optional<std::string> manufacturer;
    std::optional<std::string> part_number;
    std::optional<std::string> datasheet_url;
    std::optional<std::string> description;
};
ComponentInput read_component_input(const http::Fields& f);

struct ProjectComponentInput {
    std::int64_t component_id = 0;
    long long quantity = 1;
    std::optional<std::string> notes;
};
ProjectComponentInput read_project_component_input(const http::Fields& f);

struct LinkInput {
    std::optional<std::string> kind;
    std::optional<std::string> title;
    std::optional<std::string> url;
};
LinkInput read_link_input(const http::Fields& f, Mode mode);

struct ToolInput {
    std::optional<std::string> name;
    std::optional<std::string> kind;
    std::optional<std::string> notes;
};
ToolInput read_tool_input(const http::Fields& f, Mode mode);

// `order` must name every id of `existing` exactly once; 422 otherwise.
void check_reorder(const std::vector<long long>& order, const std::vector<std::int64_t>& existing);

// The component search text: trimmed, lower-cased, at least 2 characters
// (422 otherwise), at most 200.
std::string read_component_query(const std::optional<std::string>& q);

// An absolute http(s) URL with a host and no white space or control characters.
bool valid_http_url(std::string_view url);
// A decimal with at most 10 digits before and 4 after the point.
bool valid_decimal(std::string_view text);

}  // namespace stoa::projects
