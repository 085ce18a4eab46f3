#include "auth/rate_limiter.h"

#include <algorithm>

#include "http/problem.h"
#include "log/log.h"

namespace stoa::auth {
namespace {

constexpr db::Query kHit{
    "rate_limit_hit",
    "INSERT INTO rate_limits AS r (key, window_start, window_end, hits) "
    "VALUES ($1, now(), now() + make_interval(secs => $2::int), 1) "
    "ON CONFLICT (key) DO UPDATE SET "
    " hits = CASE WHEN r.window_end <= now() THEN 1 ELSE r.hits + 1 END, "
    " window_start = CASE WHEN r.window_end <= now() THEN now() ELSE r.window_start END, "
    " window_end = CASE WHEN r.window_end <= now() THEN now() + make_interval(secs => $2::int) ELSE r.window_end END "
    "RETURNING hits, GREATEST(1, ceil(extract(epoch FROM r.window_end - now())))::int"};

}  // namespace

void enforce_rate_limit(RequestContext& ctx, const std::string& rule_name, std::string_view subject) {
    const RateLimitRule& rule = ctx.app.config.rate_limit(rule_name);
    std::string key = rule_name + ":" + std::string(subject);
    auto r = ctx.app.db.exec(kHit, key, rule.window_seconds);
    auto hits = r.int64(0, 0);
    auto reset = static_cast<int>(r.int64(0, 1));
    int remaining = static_cast<int>(std::max<std::int64_t>(0, rule.limit - hits));
    if (!ctx.rate || remaining < ctx.rate->remaining) ctx.rate = RateState{rule.limit, remaining, reset};
    if (hits > rule.limit) {
        log::info("rate_limited", Json::object().set("rule", rule_name));
        throw http::Problem(429, "rate_limited", "too many requests; try again in " + std::to_string(reset) + " seconds")
            .header("Retry-After", std::to_string(reset))
            .header("RateLimit-Limit", std::to_string(rule.limit))
            .header("RateLimit-Remaining", "0")
            .header("RateLimit-Reset", std::to_string(reset));
    }
}

}  // namespace stoa::auth
