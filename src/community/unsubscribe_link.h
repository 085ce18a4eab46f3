// One-click unsubscribe links in notification mail (RFC 8058): a signed,
// single-purpose token that works without signing in. The key is derived
// from JWT_SECRET for this one use, so a token can never pass for anything
// else (and an access token never for it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace stoa::community {

enum class UnsubscribePurpose {
    replies,       // users.notify_replies of user `id`
    subscription,  // comment_subscriptions row `id`
    moderation,    // users.notify_moderation of user `id`
};

struct UnsubscribeGrant {
    UnsubscribePurpose purpose = UnsubscribePurpose::replies;
    std::int64_t id = 0;
};

// "<purpose>.<id>.<base64url HMAC-SHA-256>"
std::string sign_unsubscribe(const std::string& jwt_secret, UnsubscribeGrant grant);
// nullopt for anything not signed by sign_unsubscribe with this secret.
std::optional<UnsubscribeGrant> verify_unsubscribe(const std::string& jwt_secret, std::string_view token);

// PUBLIC_BASE_URL/auth/unsubscribe?token=...
std::string unsubscribe_url(const Config& config, UnsubscribeGrant grant);

}  // namespace stoa::community
