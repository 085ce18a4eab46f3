#include "auth/rate_limiter.h"

#include <algorithm>

#include "http/problem.h"
#include "log/log.h"

namespace stoa::auth {
namespace {

constexpr db::Query kHit{"rate_limit_hit",
                         STOA_SQL_RATE_LIMIT_HIT("(SELECT $1::text AS key, $2::int AS window_seconds)")};

}  // namespace

RateCharge rate_charge(const Config& config, const std::string& rule_name, std::string_view subject) {
    return RateCharge{rule_name, rule_name + ":" + std::string(subject), config.rate_limit(rule_name)};
}

void record_rate_hit(RequestContext& ctx, const RateCharge& charge, RateHit hit) {
    const RateLimitRule& rule = charge.rule;
    int remaining = static_cast<int>(std::max<std::int64_t>(0, rule.limit - hit.hits));
    if (!ctx.rate || remaining < ctx.rate->remaining) ctx.rate = RateState{rule.limit, remaining, hit.reset};
    if (hit.hits > rule.limit) {
        log::info("rate_limited", Json::object().set("rule", charge.rule_name));
        throw http::Problem(429, "rate_limited",
                            "too many requests; try again in " + std::to_string(hit.reset) + " seconds")
            .header("Retry-After", std::to_string(hit.reset))
            .header("RateLimit-Limit", std::to_string(rule.limit))
            .header("RateLimit-Remaining", "0")
            .header("RateLimit-Reset", std::to_string(hit.reset));
    }
}

void enforce_rate_limit(RequestContext& ctx, const RateCharge& charge) {
    auto r = ctx.app.db.exec(kHit, charge.key, charge.rule.window_seconds);
    record_rate_hit(ctx, charge, RateHit{r.int64(0, "hits"), static_cast<int>(r.int64(0, "reset"))});
}

void defer_rate_limit(RequestContext& ctx, const RateCharge& charge) {
    ctx.app.db.defer(kHit, {charge.key, std::to_string(charge.rule.window_seconds)},
                     [&ctx, charge](const db::PgResult& r) {
                         record_rate_hit(ctx, charge,
                                         RateHit{r.int64(0, "hits"), static_cast<int>(r.int64(0, "reset"))});
                     });
}

void enforce_rate_limit(RequestContext& ctx, const std::string& rule_name, std::string_view subject) {
    enforce_rate_limit(ctx, rate_charge(ctx.app.config, rule_name, subject));
}

}  // namespace stoa::auth
