// The target of a like, comment or subscription (API.md "Likes and
// comments"): a page `url` or an entity (`entity_type` + `entity_id`),
// exactly one of the two.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.h"
#include "http/fields.h"
#include "http/problem.h"
#include "http/request.h"
#include "json/json.h"

namespace stoa::community {

enum class TargetKind { page, comment, project };

struct Target {
    TargetKind kind = TargetKind::page;
    std::string url;             // normalised; pages only
    std::int64_t entity_id = 0;  // comments and projects
};

// The target fields as the client sent them (a JSON body or the query).
struct TargetInput {
    std::optional<std::string> url;
    std::optional<std::string> entity_type;
    std::optional<std::string> entity_id;  // digits; a JSON number is passed as its text
};

TargetInput target_input(const http::Fields& body);
TargetInput target_input(const http::Request& query);

// Checks and normalises; adds field errors to `v` and answers nullopt when
// the input is not exactly one valid target.
std::optional<Target> read_target(const TargetInput& in, const Config& config, http::Validation& v);
// read_target, throwing the 422 itself.
Target require_target(const TargetInput& in, const Config& config);

const char* entity_type_name(TargetKind kind);
// {"url": ...} or {"entity_type": ..., "entity_id": ...}.
Json target_json(const Target& t);

}  // namespace stoa::community
