#include "http/router.h"

#include <algorithm>
#include <stdexcept>

namespace stoa::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t i = 0;
    if (!path.empty() && path.front() == '/') i = 1;
    while (i <= path.size()) {
        std::size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        parts.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    return parts;
}

bool is_int(std::string_view s) {
    // Positive ids up to 18 digits, so they always fit an int64.
    return !s.empty() && s.size() <= 18 && s.front() != '0' &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

const char* role_name(Role role) {
    switch (role) {
        case Role::guest: return "guest";
        case Role::user: return "user";
        case Role::moderator: return "moderator";
        case Role::admin: return "admin";
    }
    return "guest";
}

std::optional<Role> parse_role(std::string_view name) {
    if (name == "guest") return Role::guest;
    if (name == "user") return Role::user;
    if (name == "moderator") return Role::moderator;
    if (name == "admin") return Role::admin;
    return std::nullopt;
}

Router::Compiled Router::compile(const std::string& pattern) {
    if (pattern.empty() || pattern.front() != '/') throw std::invalid_argument("route must start with /: " + pattern);
    Compiled c;
    for (auto part : split_path(pattern)) {
        if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
            std::string_view inner = part.substr(1, part.size() - 2);
            auto colon = inner.find(':');
            std::string name(inner.substr(0, colon));
            if (colon == std::string_view::npos) {
                c.segments.push_back({Segment::Kind::string, name});
            } else if (inner.substr(colon + 1) == "int") {
                c.segments.push_back({Segment::Kind::integer, name});
            } else {
                throw std::invalid_argument("unknown parameter type in " + pattern);
            }
        } else {
            c.segments.push_back({Segment::Kind::literal, std::string(part)});
        }
    }
    return c;
}

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
    compiled_.push_back(compile(pattern));
    routes_.push_back({std::move(method), std::move(pattern), std::move(handler), options});
}

bool Router::match_segments(const Compiled& c, const std::vector<std::string_view>& parts,
                            std::map<std::string, std::string, std::less<>>& params) {
    if (c.segments.size() != parts.size()) return false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const Segment& s = c.segments[i];
        switch (s.kind) {
            case Segment::Kind::literal:
                if (s.text != parts[i]) return false;
                break;
            case Segment::Kind::integer:
                if (!is_int(parts[i])) return false;
                params[s.text] = std::string(parts[i]);
                break;
            case Segment::Kind::string:
                if (parts[i].empty()) return false;
                params[s.text] = std::string(parts[i]);
                break;
        }
    }
    return true;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
    RouteMatch m;
    auto parts = split_path(path);
    std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        std::map<std::string, std::string, std::less<>> params;
        if (!match_segments(compiled_[i], parts, params)) continue;
        if (routes_[i].method == wanted) {
            m.route = &routes_[i];
            m.params = std::move(params);
            m.allowed.clear();
            return m;
        }
        if (std::find(m.allowed.begin(), m.allowed.end(), routes_[i].method) == m.allowed.end()) {
            m.allowed.push_back(routes_[i].method);
            if (routes_[i].method == "GET") m.allowed.emplace_back("HEAD");
        }
    }
    return m;
}

}  // namespace stoa::http
