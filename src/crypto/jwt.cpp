#include "crypto/jwt.h"

#include <jansson.h>
#include <sodium.h>

#include <memory>
#include <stdexcept>

#include "crypto/base64url.h"
#include "crypto/token.h"
#include "util/result.h"

namespace stoa::crypto {

namespace {

struct JsonDecref {
    void operator()(json_t* json) const noexcept { json_decref(json); }
};
using JsonPtr = std::unique_ptr<json_t, JsonDecref>;

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
// 9999-12-31T23:59:59Z: keeps every time comparison below free of overflow.
constexpr std::int64_t kMaxTimestamp = 253402300799;

struct Segments {
    std::string_view header;
    std::string_view payload;
    std::string_view signature;
    std::string_view signing_input;  // "header.payload", what the HMAC covers
};

TokenRejection invalid(std::string reason) {
    return TokenRejection{TokenError::invalid, std::move(reason), std::nullopt};
}

Result<Segments> split(std::string_view token) {
    if (token.empty()) {
        return fail("token is empty");
    }
    if (token.size() > kJwtMaxTokenBytes) {
        return fail("token is longer than " + std::to_string(kJwtMaxTokenBytes) + " bytes");
    }
    const std::size_t first = token.find('.');
    const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        return fail("token does not have exactly three dot-separated segments");
    }
    Segments s;
    s.header = token.substr(0, first);
    s.payload = token.substr(first + 1, second - first - 1);
    s.signature = token.substr(second + 1);
    s.signing_input = token.substr(0, second);
    if (s.header.empty() || s.payload.empty()) {
        return fail("header or payload segment is empty");
    }
    if (s.signature.empty()) {
        return fail("signature segment is empty (unsigned token)");
    }
    return s;
}

bool signature_matches(const Segments& s, std::string_view key) {
    const Result<std::string> given = base64url_decode(s.signature);
    if (!given.ok() || given->size() != kHmacSha256Bytes) {
        return false;
    }
    HmacSha256 expected = hmac_sha256(key, s.signing_input);
    const bool match = sodium_memcmp(expected.data(), given->data(), expected.size()) == 0;
    // A valid MAC for attacker-chosen input must not linger in memory.
    sodium_memzero(expected.data(), expected.size());
    return match;
}

// Error texts carry the byte position only: jansson's own text quotes the input.
Result<JsonPtr> parse_object(std::string_view segment, const std::string& what) {
    const Result<std::string> decoded = base64url_decode(segment);
    if (!decoded.ok()) {
        return fail(what + " is not base64url");
    }
    json_error_t error;
    JsonPtr json(json_loadb(decoded->data(), decoded->size(), JSON_REJECT_DUPLICATES, &error));
    if (!json) {
        return fail(what + " is not JSON (or repeats a member), at byte " +
                    std::to_string(error.position));
    }
    if (!json_is_object(json.get())) {
        return fail(what + " is not a JSON object");
    }
    return json;
}

std::string_view string_of(const json_t* json) {
    return {json_string_value(json), json_string_length(json)};
}

bool is_string_equal(const json_t* json, std::string_view expected) {
    return json_is_string(json) && string_of(json) == expected;
}

Result<Ok> check_header(const json_t* header) {
    const json_t* alg = json_object_get(header, "alg");
    if (alg == nullptr) {
        return fail("header has no alg");
    }
    if (!is_string_equal(alg, "HS256")) {
        return fail("header alg is not HS256");
    }
    if (json_object_get(header, "crit") != nullptr) {
        return fail("header has crit, which is not supported");
    }
    const json_t* typ = json_object_get(header, "typ");
    if (typ != nullptr && !is_string_equal(typ, "JWT")) {
        return fail("header typ is not JWT");
    }
    return Ok{};
}

bool audience_matches(const json_t* aud, std::string_view audience) {
    if (json_is_string(aud)) {
        return string_of(aud) == audience;
    }
    if (!json_is_array(aud)) {
        return false;
    }
    for (std::size_t i = 0; i < json_array_size(aud); ++i) {
        if (is_string_equal(json_array_get(aud, i), audience)) {
            return true;
        }
    }
    return false;
}

Result<std::string> required_string(const json_t* claims, const char* name) {
    const json_t* value = json_object_get(claims, name);
    if (!json_is_string(value) || json_string_length(value) == 0) {
        return fail(std::string("claim ") + name + " is missing or not a non-empty string");
    }
    return std::string(string_of(value));
}

Result<std::int64_t> time_claim(const json_t* value, const char* name) {
    if (!json_is_integer(value)) {
        return fail(std::string("claim ") + name + " is missing or not an integer");
    }
    const json_int_t seconds = json_integer_value(value);
    if (seconds < 0 || seconds > kMaxTimestamp) {
        return fail(std::string("claim ") + name + " is outside 0.." +
                    std::to_string(kMaxTimestamp));
    }
    return std::int64_t{seconds};
}

void set_claim(json_t* object, const char* name, JsonPtr value) {
    if (!value) {
        // json_stringn refuses invalid UTF-8; json_integer fails only without memory.
        throw std::invalid_argument(std::string("jwt sign: claim ") + name + " is not valid UTF-8");
    }
    if (json_object_set_new(object, name, value.release()) != 0) {
        throw std::bad_alloc();
    }
}

JsonPtr json_text(const std::string& s) { return JsonPtr(json_stringn(s.data(), s.size())); }

std::string dump_compact(const json_t* json) {
    const std::size_t size = json_dumpb(json, nullptr, 0, JSON_COMPACT);
    std::string out(size, '\0');
    if (size == 0 || json_dumpb(json, out.data(), out.size(), JSON_COMPACT) != size) {
        throw std::bad_alloc();
    }
    return out;
}

std::string bytes_of(const HmacSha256& mac) {
    return {reinterpret_cast<const char*>(mac.data()), mac.size()};
}

}  // namespace

JwtCodec::JwtCodec(std::string secret, std::string issuer, std::string audience,
                   std::int64_t leeway_seconds)
    : secret_(std::move(secret)),
      issuer_(std::move(issuer)),
      audience_(std::move(audience)),
      leeway_(leeway_seconds) {
    if (secret_.size() < kJwtMinSecretBytes) {
        wipe_secret();
        throw std::invalid_argument("jwt: secret must be at least " +
                                    std::to_string(kJwtMinSecretBytes) + " bytes");
    }
    if (issuer_.empty() || audience_.empty()) {
        wipe_secret();
        throw std::invalid_argument("jwt: issuer and audience must not be empty");
    }
    if (leeway_ < 0 || leeway_ > kJwtMaxLeewaySeconds) {
        wipe_secret();
        throw std::invalid_argument("jwt: leeway must be 0 to " +
                                    std::to_string(kJwtMaxLeewaySeconds) + " seconds");
    }
}

JwtCodec::~JwtCodec() { wipe_secret(); }

JwtCodec::JwtCodec(JwtCodec&& other) noexcept
    : secret_(std::move(other.secret_)),
      issuer_(std::move(other.issuer_)),
      audience_(std::move(other.audience_)),
      leeway_(other.leeway_) {
    other.wipe_secret();
}

JwtCodec& JwtCodec::operator=(JwtCodec&& other) noexcept {
    if (this != &other) {
        wipe_secret();  // the old buffer may be freed or handed to `other`
        secret_ = std::move(other.secret_);
        issuer_ = std::move(other.issuer_);
        audience_ = std::move(other.audience_);
        leeway_ = other.leeway_;
        other.wipe_secret();
    }
    return *this;
}

void JwtCodec::wipe_secret() noexcept {
    if (!secret_.empty()) {
        sodium_memzero(secret_.data(), secret_.size());
    }
    secret_.clear();
}

AccessClaims JwtCodec::claims_for(std::string sub, std::string role, std::string sid,
                                  std::int64_t now, std::int64_t ttl_seconds) const {
    AccessClaims claims;
    claims.iss = issuer_;
    claims.aud = audience_;
    claims.sub = std::move(sub);
    claims.jti = uuid_v4();
    claims.role = std::move(role);
    claims.sid = std::move(sid);
    claims.iat = now;
    claims.exp = now + ttl_seconds;
    return claims;
}

std::string JwtCodec::sign(const AccessClaims& claims) const {
    JsonPtr payload(json_object());
    if (!payload) {
        throw std::bad_alloc();
    }
    set_claim(payload.get(), "iss", json_text(claims.iss));
    set_claim(payload.get(), "aud", json_text(claims.aud));
    set_claim(payload.get(), "sub", json_text(claims.sub));
    set_claim(payload.get(), "iat", JsonPtr(json_integer(claims.iat)));
    set_claim(payload.get(), "exp", JsonPtr(json_integer(claims.exp)));
    set_claim(payload.get(), "jti", json_text(claims.jti));
    set_claim(payload.get(), "role", json_text(claims.role));
    set_claim(payload.get(), "sid", json_text(claims.sid));

    std::string token = base64url_encode(kHeader);
    token += '.';
    token += base64url_encode(dump_compact(payload.get()));
    const HmacSha256 mac = hmac_sha256(secret_, token);
    token += '.';
    token += base64url_encode(bytes_of(mac));
    return token;
}

VerifyOutcome JwtCodec::verify(std::string_view token, std::int64_t now) const {
    const Result<Segments> segments = split(token);
    if (!segments.ok()) {
        return invalid(segments.error());
    }
    const Result<JsonPtr> header = parse_object(segments->header, "header");
    if (!header.ok()) {
        return invalid(header.error());
    }
    if (const Result<Ok> checked = check_header(header->get()); !checked.ok()) {
        return invalid(checked.error());
    }
    if (!signature_matches(*segments, secret_)) {
        return invalid("signature does not match");
    }

    // Signed by us from here on.
    const Result<JsonPtr> payload = parse_object(segments->payload, "payload");
    if (!payload.ok()) {
        return invalid(payload.error());
    }
    const json_t* claims = payload->get();
    if (!is_string_equal(json_object_get(claims, "iss"), issuer_)) {
        return invalid("claim iss is not the configured issuer");
    }
    if (!audience_matches(json_object_get(claims, "aud"), audience_)) {
        return invalid("claim aud does not name the configured audience");
    }

    AccessClaims out;
    out.iss = issuer_;
    out.aud = audience_;
    for (auto [name, field] : {std::pair{"sub", &out.sub}, std::pair{"jti", &out.jti},
                               std::pair{"role", &out.role}, std::pair{"sid", &out.sid}}) {
        Result<std::string> value = required_string(claims, name);
        if (!value.ok()) {
            return invalid(value.error());
        }
        *field = std::move(value).value();
    }

    const Result<std::int64_t> iat = time_claim(json_object_get(claims, "iat"), "iat");
    if (!iat.ok()) {
        return invalid(iat.error());
    }
    const Result<std::int64_t> exp = time_claim(json_object_get(claims, "exp"), "exp");
    if (!exp.ok()) {
        return invalid(exp.error());
    }
    out.iat = *iat;
    out.exp = *exp;

    // Claims are bounded by kMaxTimestamp and leeway_ by kJwtMaxLeewaySeconds,
    // so the arithmetic stays on the claim side and cannot overflow.
    if (*iat - leeway_ > now) {
        return invalid("claim iat is in the future");
    }
    if (const json_t* nbf_json = json_object_get(claims, "nbf"); nbf_json != nullptr) {
        const Result<std::int64_t> nbf = time_claim(nbf_json, "nbf");
        if (!nbf.ok()) {
            return invalid(nbf.error());
        }
        if (*nbf - leeway_ > now) {
            return invalid("claim nbf is in the future");
        }
    }
    if (*exp + leeway_ <= now) {
        return TokenRejection{TokenError::expired, "token expired", out};
    }
    return out;
}

bool verify_hs256_signature(std::string_view token, std::string_view key) {
    const Result<Segments> segments = split(token);
    return segments.ok() && signature_matches(*segments, key);
}

}  // namespace stoa::crypto
