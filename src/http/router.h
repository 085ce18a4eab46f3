// Router: method + path pattern -> handler. Patterns are literal segments
// and typed parameters: "/api/v1/comments/{id:int}", "/api/v1/users/{username}".
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace stoa {
struct RequestContext;
}

namespace stoa::http {

enum class Role { guest = 0, user = 1, moderator = 2, admin = 3 };

using Handler = std::function<Response(RequestContext&)>;

struct RouteOptions {
    std::size_t max_body = kDefaultBodyLimit;
    // Set: the route needs an authenticated caller with at least this role.
    std::optional<Role> role;
    // Authenticate when credentials are present, but serve anonymous callers too.
    bool optional_auth = false;
    // Served while an admin-forced password reset is pending (/me, /logout, /password/change).
    bool during_forced_reset = false;
    // Exempt from the default per-IP/per-user limit (health checks).
    bool unlimited = false;
    // HTML form posts carry the CSRF token as the form field csrf_token; the
    // handler checks it instead of the X-CSRF-Token header.
    bool csrf_in_form = false;

    RouteOptions with_body_limit(std::size_t bytes) const {
        RouteOptions o = *this;
        o.max_body = bytes;
        return o;
    }
    RouteOptions allowed_during_forced_reset() const {
        RouteOptions o = *this;
        o.during_forced_reset = true;
        return o;
    }
};

struct Route {
    std::string method;
    std::string pattern;
    Handler handler;
    RouteOptions options;
};

struct RouteMatch {
    const Route* route = nullptr;
    std::map<std::string, std::string, std::less<>> params;
    // When the path matched but not the method: the methods that would.
    std::vector<std::string> allowed;
};

inline RouteOptions needs(Role role) {
    RouteOptions o;
    o.role = role;
    return o;
}
inline RouteOptions optional_auth() {
    RouteOptions o;
    o.optional_auth = true;
    return o;
}
inline RouteOptions unlimited() {
    RouteOptions o;
    o.unlimited = true;
    return o;
}

const char* role_name(Role role);
std::optional<Role> parse_role(std::string_view name);

class Router {
public:
    void get(std::string pattern, Handler h, RouteOptions o = {}) { add("GET", std::move(pattern), std::move(h), o); }
    void post(std::string pattern, Handler h, RouteOptions o = {}) { add("POST", std::move(pattern), std::move(h), o); }
    void put(std::string pattern, Handler h, RouteOptions o = {}) { add("PUT", std::move(pattern), std::move(h), o); }
    void patch(std::string pattern, Handler h, RouteOptions o = {}) { add("PATCH", std::move(pattern), std::move(h), o); }
    void del(std::string pattern, Handler h, RouteOptions o = {}) { add("DELETE", std::move(pattern), std::move(h), o); }
    void add(std::string method, std::string pattern, Handler handler, RouteOptions options);

    // HEAD is served by GET routes. No match and no `allowed`: 404.
    RouteMatch match(std::string_view method, std::string_view path) const;

    const std::vector<Route>& routes() const noexcept { return routes_; }

private:
    struct Segment {
        enum class Kind { literal, string, integer } kind;
        std::string text;  // literal text or parameter name
    };
    struct Compiled {
        std::vector<Segment> segments;
    };
    static Compiled compile(const std::string& pattern);
    static bool match_segments(const Compiled& c, const std::vector<std::string_view>& parts,
                               std::map<std::string, std::string, std::less<>>& params);

    std::vector<Route> routes_;
    std::vector<Compiled> compiled_;
};

}  // namespace stoa::http
