// Fixed-window rate limits counted in PostgreSQL, so every worker and host
// shares them: one upsert statement per check.
#pragma once

#include <string>
#include <string_view>

#include "app.h"
#include "config/config.h"

namespace stoa::auth {

// Counts one hit on `rule_name` for `subject` (an IP or "user:ID"). Records
// the tightest state in ctx.rate for the RateLimit-* headers; throws 429
// rate_limited with Retry-After when the limit is exceeded.
void enforce_rate_limit(RequestContext& ctx, const std::string& rule_name, std::string_view subject);

}  // namespace stoa::auth
