#include "http/cors.h"

#include <algorithm>

namespace stoa::http {

std::optional<std::string> allowed_origin(const Config& config, const Request& req) {
    auto origin = req.header("Origin");
    if (!origin || origin->empty()) return std::nullopt;
    std::string o(*origin);
    std::string lower(o);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& a : config.allowed_origins) {
        // "*" is refused in production by the config; elsewhere it echoes any origin.
        if (a == lower || a == "*") return o;
    }
    return std::nullopt;
}

void apply_cors(const Config& config, const Request& req, Response& res) {
    res.header("Vary", "Origin");
    auto origin = allowed_origin(config, req);
    if (!origin) return;
    res.header("Access-Control-Allow-Origin", *origin);
    res.header("Access-Control-Allow-Credentials", "true");
    res.header("Access-Control-Expose-Headers",
               "X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, Location");
}

Response preflight(const Config& config, const Request& req, const std::vector<std::string>& methods) {
    Response res = Response::no_content();
    std::string allow;
    for (const auto& m : methods) {
        if (!allow.empty()) allow += ", ";
        allow += m;
    }
    if (!allow.empty()) allow += ", ";
    allow += "OPTIONS";
    res.header("Allow", allow);
    if (allowed_origin(config, req)) {
        res.header("Access-Control-Allow-Methods", allow);
        res.header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-CSRF-Token");
        res.header("Access-Control-Max-Age", "600");
    }
    return res;
}

}  // namespace stoa::http
