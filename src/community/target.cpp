#include "community/target.h"

#include "community/page_url.h"

namespace stoa::community {
namespace {

std::optional<std::int64_t> positive_id(const std::string& text) {
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    std::int64_t n = std::stoll(text);
    return n > 0 ? std::optional<std::int64_t>(n) : std::nullopt;
}

}  // namespace

TargetInput target_input(const http::Fields& body) {
    TargetInput in;
    in.url = body.string("url");
    in.entity_type = body.string("entity_type");
    // Ids are "a JSON number or string" (API.md): take either.
    if (body.has("entity_id")) {
        try {
            if (auto n = body.integer("entity_id")) in.entity_id = std::to_string(*n);
        } catch (const http::Problem&) {
            in.entity_id = body.string("entity_id");
        }
    }
    return in;
}

TargetInput target_input(const http::Request& query) {
    return {query.query("url"), query.query("entity_type"), query.query("entity_id")};
}

std::optional<Target> read_target(const TargetInput& in, const Config& config, http::Validation& v) {
    bool has_entity = in.entity_type || in.entity_id;
    if (in.url && has_entity) {
        v.add("url", "exclusive", "give either url or entity_type and entity_id, not both");
        return std::nullopt;
    }
    if (!in.url && !has_entity) {
        v.add("url", "required", "a target is required: url, or entity_type and entity_id");
        return std::nullopt;
    }
    Target t;
    if (in.url) {
        auto url = normalize_page_url(*in.url);
        if (!url) {
            v.add("url", "invalid", "url " + url.error() + "; an absolute http(s) URL of a page of this site");
            return std::nullopt;
        }
        if (!is_site_origin(*url, config.site_origins)) {
            v.add("url", "foreign_origin",
                  "url: the origin " + page_origin(*url) + " is not one of this site's origins");
            return std::nullopt;
        }
        t.url = std::move(url).value();
        return t;
    }
    bool ok = true;
    if (!in.entity_type) {
        v.add("entity_type", "required", "entity_type: project or comment");
        ok = false;
    } else if (*in.entity_type == "comment") {
        t.kind = TargetKind::comment;
    } else if (*in.entity_type == "project") {
        t.kind = TargetKind::project;
    } else {
        v.add("entity_type", "invalid", "entity_type: project or comment");
        ok = false;
    }
    auto id = in.entity_id ? positive_id(*in.entity_id) : std::nullopt;
    if (!in.entity_id) {
        v.add("entity_id", "required", "entity_id: the id of the project or comment");
        ok = false;
    } else if (!id) {
        v.add("entity_id", "invalid", "entity_id: a positive whole number");
        ok = false;
    }
    if (!ok) return std::nullopt;
    t.entity_id = *id;
    return t;
}

Target require_target(const TargetInput& in, const Config& config) {
    http::Validation v;
    auto t = read_target(in, config, v);
    v.throw_if_any();
    return *t;
}

const char* entity_type_name(TargetKind kind) {
    switch (kind) {
        case TargetKind::page:
            return "page";
        case TargetKind::comment:
            return "comment";
        case TargetKind::project:
            return "project";
    }
    return "page";
}

Json target_json(const Target& t) {
    Json j = Json::object();
    if (t.kind == TargetKind::page)
        j.set("url", t.url);
    else
        j.set("entity_type", entity_type_name(t.kind)).set("entity_id", t.entity_id);
    return j;
}

}  // namespace stoa::community
