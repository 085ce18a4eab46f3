// HS256 access tokens (RFC 7519 / RFC 7515 compact serialization): signing and
// strict verification against one configured secret, issuer and audience.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace stoa::crypto {

struct AccessClaims {
    std::string iss;
    std::string aud;
    std::string sub;  // user id
    std::string jti;
    std::string role;      // guest | user | moderator | admin
    std::string sid;       // session id: every token of one login shares it
    std::int64_t iat = 0;  // seconds since the Unix epoch
    std::int64_t exp = 0;
};

// The two kinds of rejection API.md lets clients tell apart.
enum class TokenError { invalid, expired };

constexpr std::string_view token_error_code(TokenError error) noexcept {
    return error == TokenError::expired ? "token_expired" : "token_invalid";
}

struct TokenRejection {
    TokenError error = TokenError::invalid;
    std::string reason;  // for the log: names what was wrong, never contains the token
    // For an expired token we signed: its claims, so logout can still find
    // the session to revoke. Never use them to grant access.
    std::optional<AccessClaims> expired_claims;
};

class [[nodiscard]] VerifyOutcome {
public:
    // Implicit, like Result: `return claims;` or `return TokenRejection{...};`.
    // cppcheck-suppress noExplicitConstructor
    // NOLINTNEXTLINE(google-explicit-constructor)
    VerifyOutcome(AccessClaims claims) : v_(std::move(claims)) {}
    // cppcheck-suppress noExplicitConstructor
    // NOLINTNEXTLINE(google-explicit-constructor)
    VerifyOutcome(TokenRejection rejection) : v_(std::move(rejection)) {}

    [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
    // Only when ok(); throws std::bad_variant_access otherwise.
    [[nodiscard]] const AccessClaims& claims() const { return std::get<0>(v_); }
    // Only when !ok().
    [[nodiscard]] TokenError error() const { return std::get<1>(v_).error; }
    [[nodiscard]] const std::string& reason() const { return std::get<1>(v_).reason; }
    // Only when !ok() and the token was ours but expired; never grants access.
    [[nodiscard]] const std::optional<AccessClaims>& expired_claims() const {
        return std::get<1>(v_).expired_claims;
    }

private:
    std::variant<AccessClaims, TokenRejection> v_;
};

inline constexpr std::size_t kJwtMinSecretBytes = 32;
inline constexpr std::int64_t kJwtMaxLeewaySeconds = 300;
inline constexpr std::size_t kJwtMaxTokenBytes = 4096;

class JwtCodec {
public:
    // Throws std::invalid_argument if the secret is shorter than
    // kJwtMinSecretBytes, issuer or audience is empty, or the leeway is outside
    // [0, kJwtMaxLeewaySeconds]: config is expected to have rejected those already.
    JwtCodec(std::string secret, std::string issuer, std::string audience,
             std::int64_t leeway_seconds = 30);
    ~JwtCodec();  // wipes the secret
    JwtCodec(const JwtCodec&) = delete;
    JwtCodec& operator=(const JwtCodec&) = delete;
    JwtCodec(JwtCodec&& other) noexcept;
    JwtCodec& operator=(JwtCodec&& other) noexcept;

    // Claims for a new access token: this codec's iss and aud, a fresh random
    // jti, iat = now, exp = now + ttl_seconds.
    [[nodiscard]] AccessClaims claims_for(std::string sub, std::string role, std::string sid,
                                          std::int64_t now, std::int64_t ttl_seconds) const;

    // Header {"alg":"HS256","typ":"JWT"}; the claims are written as given.
    // Throws std::invalid_argument if a claim string is not valid UTF-8.
    [[nodiscard]] std::string sign(const AccessClaims& claims) const;

    // Strict checks: shape and size, header alg exactly HS256 (no crit), the
    // signature in constant time, then iss, aud, the required claims and time
    // with the leeway. Expired is only reported for an otherwise valid token.
    [[nodiscard]] VerifyOutcome verify(std::string_view token, std::int64_t now) const;

    [[nodiscard]] const std::string& issuer() const noexcept { return issuer_; }
    [[nodiscard]] const std::string& audience() const noexcept { return audience_; }
    [[nodiscard]] std::int64_t leeway() const noexcept { return leeway_; }

private:
    void wipe_secret() noexcept;

    std::string secret_;
    std::string issuer_;
    std::string audience_;
    std::int64_t leeway_;
};

// Only the HMAC-SHA-256 over "header.payload" against the third segment, with
// a key of any length; no header or claim checks. For test vectors.
[[nodiscard]] bool verify_hs256_signature(std::string_view token, std::string_view key);

}  // namespace stoa::crypto
