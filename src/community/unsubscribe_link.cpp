#include "community/unsubscribe_link.h"

#include <sodium.h>

#include "crypto/base64url.h"
#include "crypto/token.h"

namespace stoa::community {
namespace {

constexpr std::string_view kKeyLabel = "stoa/unsubscribe-link/v1";

const char* purpose_tag(UnsubscribePurpose p) {
    switch (p) {
        case UnsubscribePurpose::replies:
            return "r";
        case UnsubscribePurpose::subscription:
            return "s";
        case UnsubscribePurpose::moderation:
            return "m";
    }
    return "r";
}

std::string mac(const std::string& jwt_secret, std::string_view message) {
    crypto::HmacSha256 key = crypto::hmac_sha256(jwt_secret, kKeyLabel);
    std::string_view key_view(reinterpret_cast<const char*>(key.data()), key.size());
    crypto::HmacSha256 tag = crypto::hmac_sha256(key_view, message);
    sodium_memzero(key.data(), key.size());
    return crypto::base64url_encode(std::string_view(reinterpret_cast<const char*>(tag.data()), tag.size()));
}

}  // namespace

std::string sign_unsubscribe(const std::string& jwt_secret, UnsubscribeGrant grant) {
    std::string message = std::string(purpose_tag(grant.purpose)) + "." + std::to_string(grant.id);
    return message + "." + mac(jwt_secret, message);
}

std::optional<UnsubscribeGrant> verify_unsubscribe(const std::string& jwt_secret, std::string_view token) {
    if (token.size() > 100) return std::nullopt;
    std::size_t dot = token.rfind('.');
    if (dot == std::string_view::npos) return std::nullopt;
    std::string_view message = token.substr(0, dot);
    if (!crypto::constant_time_equal(mac(jwt_secret, message), token.substr(dot + 1))) return std::nullopt;
    std::size_t sep = message.find('.');
    if (sep != 1) return std::nullopt;
    UnsubscribeGrant g;
    switch (message[0]) {
        case 'r':
            g.purpose = UnsubscribePurpose::replies;
            break;
        case 's':
            g.purpose = UnsubscribePurpose::subscription;
            break;
        case 'm':
            g.purpose = UnsubscribePurpose::moderation;
            break;
        default:
            return std::nullopt;
    }
    std::string_view digits = message.substr(2);
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    g.id = std::stoll(std::string(digits));
    return g;
}

std::string unsubscribe_url(const Config& config, UnsubscribeGrant grant) {
    // The token is base64url, digits, letters and dots: nothing to escape.
    return config.public_base_url + "/auth/unsubscribe?token=" + sign_unsubscribe(config.jwt_secret, grant);
}

}  // namespace stoa::community
