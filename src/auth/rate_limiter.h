// Fixed-window rate limits counted in PostgreSQL, so every worker and host
// shares them. A hit is one upsert; a statement that does more work in the
// same round trip (authenticating a request, rotating a refresh token)
// embeds that upsert with STOA_SQL_RATE_LIMIT_HIT and hands what it
// returned to record_rate_hit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "app.h"
#include "config/config.h"

// Counts one hit on each row of `source`, a relation with the columns key
// and window_seconds (aliased c here), and returns key, hits and reset (the
// seconds left in the window) of each counter.
#define STOA_SQL_RATE_LIMIT_HIT(source)                                                             \
    "INSERT INTO rate_limits AS r (key, window_start, window_end, hits) "                           \
    "SELECT c.key, now(), now() + make_interval(secs => c.window_seconds), 1 "                      \
    "FROM " source " AS c "                                                                         \
    "ON CONFLICT (key) DO UPDATE SET "                                                              \
    " hits = CASE WHEN r.window_end <= now() THEN 1 ELSE r.hits + 1 END, "                          \
    " window_start = CASE WHEN r.window_end <= now() THEN now() ELSE r.window_start END, "          \
    " window_end = CASE WHEN r.window_end <= now() THEN excluded.window_end ELSE r.window_end END " \
    "RETURNING r.key, r.hits, GREATEST(1, ceil(extract(epoch FROM r.window_end - now())))::int AS reset"

namespace stoa::auth {

// One hit to count: the rule, and the counter it goes to.
struct RateCharge {
    std::string rule_name;  // a key of Config::rate_limits
    std::string key;        // the rate_limits row: "rule_name:subject"
    RateLimitRule rule;
};

// The charge of `rule_name` for `subject` (an IP or "user:ID").
RateCharge rate_charge(const Config& config, const std::string& rule_name, std::string_view subject);

// What the upsert returned for one counter.
struct RateHit {
    std::int64_t hits = 0;
    int reset = 0;  // seconds until the window ends
};

// Records a counted hit: the tightest state goes to ctx.rate for the
// RateLimit-* headers; throws 429 rate_limited with Retry-After when the
// hit is over the limit.
void record_rate_hit(RequestContext& ctx, const RateCharge& charge, RateHit hit);

// Counts one hit in a statement of its own and records it (as above).
void enforce_rate_limit(RequestContext& ctx, const RateCharge& charge);
void enforce_rate_limit(RequestContext& ctx, const std::string& rule_name, std::string_view subject);
// The same hit, sent with the request's first read-only query in one round
// trip (db::Connection::defer): for reads, whose queries may run before the
// verdict is known. The pipeline flushes it after the handler at the latest,
// and a 429 then replaces whatever the handler answered.
void defer_rate_limit(RequestContext& ctx, const RateCharge& charge);

}  // namespace stoa::auth
