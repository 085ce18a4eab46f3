#include "projects/project_input.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "http/problem.h"
#include "util/text.h"

namespace stoa::projects {
namespace {

using http::Validation;

// Checks one text field's length (in characters) when present; `required`
// on create. Returns the value (trimmed when `trim_it`).
std::optional<std::string> text(const http::Fields& f, const char* name, Validation& v, std::size_t min,
                                std::size_t max, bool required, bool trim_it = true) {
    auto value = f.string(name);
    if (value && trim_it) value = std::string(trim(*value));
    if (!value) {
        if (required) v.add(name, "required", std::string(name) + " is required");
        return value;
    }
    std::size_t n = utf8_length(*value);
    if (n < min || n > max) {
        std::string rule = min > 0 ? std::to_string(min) + " to " + std::to_string(max) + " characters"
                                   : "at most " + std::to_string(max) + " characters";
        v.add(name, n < min ? (n == 0 ? "required" : "too_short") : "too_long", std::string(name) + ": " + rule);
    }
    return value;
}

std::optional<std::string> url_field(const http::Fields& f, const char* name, Validation& v, bool required) {
    auto value = text(f, name, v, 0, 2048, required);
    if (value && !value->empty() && !valid_http_url(*value))
        v.add(name, "invalid_url", std::string(name) + ": an http:// or https:// URL");
    if (value && value->empty() && required) v.add(name, "required", std::string(name) + " is required");
    return value;
}

std::optional<std::string> choice(const http::Fields& f, const char* name, Validation& v,
                                  std::initializer_list<const char*> allowed, bool required) {
    auto value = f.string(name);
    if (!value) {
        if (required) v.add(name, "required", std::string(name) + " is required");
        return value;
    }
    std::string list;
    for (const char* a : allowed) {
        if (*value == a) return value;
        list += (list.empty() ? "" : ", ") + std::string(a);
    }
    v.add(name, "invalid", std::string(name) + ": one of " + list);
    return value;
}

std::optional<long long> quantity(const http::Fields& f, const char* name, Validation& v, bool required) {
    auto q = f.integer(name);
    if (!q) {
        if (required) v.add(name, "required", std::string(name) + " is required");
    } else if (*q < 1 || *q > 100000) {
        v.add(name, "out_of_range", std::string(name) + ": a whole number from 1 to 100000");
    }
    return q;
}

std::string lower_ascii(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

}  // namespace

bool valid_http_url(std::string_view url) {
    std::size_t scheme = url.starts_with("https://") ? 8 : url.starts_with("http://") ? 7 : 0;
    if (scheme == 0 || url.size() > 2048) return false;
    for (char ch : url) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f) return false;
    }
    std::string_view rest = url.substr(scheme);
    std::size_t host_end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, host_end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
    return !authority.empty() && authority[0] != ':';
}

bool valid_decimal(std::string_view text) {
    std::size_t dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
    };
    if (whole.empty() || whole.size() > 10 || !digits(whole)) return false;
    if (dot != std::string_view::npos && (frac.empty() || frac.size() > 4 || !digits(frac))) return false;
    return true;
}

ProjectInput read_project_input(const http::Fields& f, Mode mode) {
    Validation v;
    ProjectInput in;
    in.title = text(f, "title", v, 1, 200, mode == Mode::create);
    in.description = text(f, "description", v, 0, 20000, false, false);
    in.background = text(f, "background", v, 0, 20000, false, false);
    in.source_url = url_field(f, "source_url", v, false);
    in.status = choice(f, "status", v, {"draft", "published"}, false);
    if (auto tags = f.string_list("tags")) {
        std::vector<std::string> clean;
        std::set<std::string> seen;
        bool bad = false;
        for (const auto& t : *tags) {
            std::string tag = lower_ascii(std::string(trim(t)));
            std::size_t n = utf8_length(tag);
            bool control = std::any_of(tag.begin(), tag.end(), [](char c) {
                return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
            });
            if (n == 0 || n > 32 || control || tag.find(',') != std::string::npos) bad = true;
            else if (seen.insert(tag).second) clean.push_back(tag);
        }
        if (bad) v.add("tags", "invalid", "tags: each 1 to 32 characters, no commas or control characters");
        if (clean.size() > 10) v.add("tags", "too_many", "tags: at most 10");
        in.tags = std::move(clean);
    }
    v.throw_if_any();
    return in;
}

StepInput read_step_input(const http::Fields& f, Mode mode) {
    Validation v;
    StepInput in;
    in.title = text(f, "title", v, 1, 200, mode == Mode::create);
    in.body = text(f, "body", v, 0, 20000, false, false);
    v.throw_if_any();
    return in;
}

BomInput read_bom_input(const http::Fields& f, Mode mode) {
    Validation v;
    BomInput in;
    bool create = mode == Mode::create;
    in.name = text(f, "name", v, 1, 200, create);
    in.quantity = quantity(f, "quantity", v, create);
    in.unit = text(f, "unit", v, 0, 32, false);
    in.part_number = text(f, "part_number", v, 0, 100, false);
    in.supplier_url = url_field(f, "supplier_url", v, false);
    in.unit_price = text(f, "unit_price", v, 0, 20, false);
    if (in.unit_price && !in.unit_price->empty() && !valid_decimal(*in.unit_price))
        v.add("unit_price", "invalid", "unit_price: a decimal string such as \"12.50\" (up to 4 decimals)");
    in.currency = text(f, "currency", v, 0, 3, false);
    if (in.currency && !in.currency->empty()) {
        std::string c = *in.currency;
        std::transform(c.begin(), c.end(), c.begin(), [](unsigned char x) { return std::toupper(x); });
        if (c.size() != 3 || !std::all_of(c.begin(), c.end(), [](unsigned char x) { return x >= 'A' && x <= 'Z'; }))
            v.add("currency", "invalid", "currency: an ISO 4217 code such as EUR or USD");
        in.currency = c;
    }
    in.notes = text(f, "notes", v, 0, 2000, false, false);
    v.throw_if_any();
    return in;
}

ComponentInput read_component_input(const http::Fields& f) {
    Validation v;
    ComponentInput in;
    in.name = text(f, "name", v, 2, 200, true).value_or("");
    in.manufacturer = text(f, "manufacturer", v, 0, 200, false);
    in.part_number = text(f, "part_number", v, 0, 100, false);
    in.datasheet_url = url_field(f, "datasheet_url", v, false);
    in.description = text(f, "description", v, 0, 2000, false, false);
    v.throw_if_any();
    return in;
}

ProjectComponentInput read_project_component_input(const http::Fields& f) {
    Validation v;
    ProjectComponentInput in;
    auto id = f.integer("component_id");
    if (!id) v.add("component_id", "required", "component_id is required (create one with POST /components)");
    else in.component_id = *id;
    in.quantity = quantity(f, "quantity", v, false).value_or(1);
    in.notes = text(f, "notes", v, 0, 2000, false, false);
    v.throw_if_any();
    return in;
}

LinkInput read_link_input(const http::Fields& f, Mode mode) {
    Validation v;
    LinkInput in;
    bool create = mode == Mode::create;
    in.kind = choice(f, "kind", v, {"video", "course", "article", "code", "documentation", "other"}, create);
    in.title = text(f, "title", v, 1, 200, create);
    in.url = url_field(f, "url", v, create);
    v.throw_if_any();
    return in;
}

ToolInput read_tool_input(const http::Fields& f, Mode mode) {
    Validation v;
    ToolInput in;
    bool create = mode == Mode::create;
    in.name = text(f, "name", v, 1, 200, create);
    in.kind = choice(f, "kind", v, {"tool", "material"}, create);
    in.notes = text(f, "notes", v, 0, 2000, false, false);
    v.throw_if_any();
    return in;
}

void check_reorder(const std::vector<long long>& order, const std::vector<std::int64_t>& existing) {
    std::set<long long> want(existing.begin(), existing.end());
    std::set<long long> seen;
    bool ok = order.size() == existing.size();
    for (long long id : order) ok = ok && want.count(id) == 1 && seen.insert(id).second;
    if (!ok)
        throw http::Problem::validation().field("order", "invalid",
                                                "order: every step id of this project (" +
                                                    std::to_string(existing.size()) + " of them), each exactly once");
}

std::string read_component_query(const std::optional<std::string>& q) {
    std::string text_q = lower_ascii(std::string(trim(q.value_or(""))));
    std::size_t n = utf8_length(text_q);
    if (n < 2 || n > 200)
        throw http::Problem::validation().field("q", n < 2 ? "too_short" : "too_long", "q: 2 to 200 characters");
    return text_q;
}

}  // namespace stoa::projects
