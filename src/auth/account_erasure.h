// Erasing an account (self-service or by an admin): the user row and
// everything hanging off it go; the log keeps one event without personal data.
#pragma once

#include <cstdint>
#include <optional>

#include "app.h"

namespace stoa::auth {

// Runs in the caller's transaction.
void erase_account(RequestContext& ctx, std::int64_t user_id, std::optional<std::int64_t> actor_id);

}  // namespace stoa::auth
