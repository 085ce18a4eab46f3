// Unit tests for src/crypto/jwt.*: HS256 access tokens and their strict checks.
#include "crypto/jwt.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/base64url.h"
#include "crypto/token.h"

namespace {

using stoa::crypto::AccessClaims;
using stoa::crypto::base64url_decode;
using stoa::crypto::base64url_encode;
using stoa::crypto::JwtCodec;
using stoa::crypto::TokenError;
using stoa::crypto::VerifyOutcome;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef-test-secret";
constexpr std::string_view kOtherSecret = "fedcba9876543210fedcba9876543210-other-secret";
constexpr std::string_view kIssuer = "https://stoa.test";
constexpr std::string_view kAudience = "stoa-api";
constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kLeeway = 30;

constexpr std::string_view kGoodHeader = R"({"alg":"HS256","typ":"JWT"})";

std::string describe(const VerifyOutcome& outcome) {
    if (outcome.ok()) {
        return "accepted, sub=" + outcome.claims().sub;
    }
    return std::string(stoa::crypto::token_error_code(outcome.error())) + ": " + outcome.reason();
}

// Claims JSON built member by member, each value given as raw JSON, so a test
// can drop, retype or repeat any claim.
class Payload {
public:
    Payload() {
        set("iss", quoted(kIssuer));
        set("aud", quoted(kAudience));
        set("sub", R"("42")");
        set("iat", std::to_string(kNow - 60));
        set("exp", std::to_string(kNow + 840));
        set("jti", R"("0b6f9d4e-8f55-4c1f-9a9a-3c2b0f6f1a77")");
        set("role", R"("user")");
        set("sid", R"("s-7")");
    }

    static std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

    Payload& set(const std::string& name, std::string raw_json) {
        without(name);
        members_.emplace_back(name, std::move(raw_json));
        return *this;
    }
    Payload& without(const std::string& name) {
        std::erase_if(members_, [&](const auto& m) { return m.first == name; });
        return *this;
    }
    std::string json() const {
        std::string out = "{";
        for (const auto& [name, raw] : members_) {
            out += (out.size() > 1 ? "," : "") + quoted(name) + ":" + raw;
        }
        return out + "}";
    }

private:
    std::vector<std::pair<std::string, std::string>> members_;
};

// A token with any header and payload, signed with HMAC-SHA-256 under `key`
// regardless of what the header says: what an attacker holding the key (or a
// bug in our signer) could produce.
std::string forge(std::string_view header_json, std::string_view payload_json,
                  std::string_view key = kSecret) {
    std::string token = base64url_encode(header_json) + "." + base64url_encode(payload_json);
    const stoa::crypto::HmacSha256 mac = stoa::crypto::hmac_sha256(key, token);
    const std::string_view mac_bytes(reinterpret_cast<const char*>(mac.data()), mac.size());
    return token + "." + base64url_encode(mac_bytes);
}

std::string forge(const Payload& payload) { return forge(kGoodHeader, payload.json()); }

std::vector<std::string_view> segments_of(std::string_view token) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t dot = token.find('.'); dot != std::string_view::npos;
         dot = token.find('.', start)) {
        parts.push_back(token.substr(start, dot - start));
        start = dot + 1;
    }
    parts.push_back(token.substr(start));
    return parts;
}

class Jwt : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(stoa::crypto::init().ok()) << "libsodium init failed"; }

    AccessClaims sample_claims() const {
        AccessClaims c;
        c.iss = kIssuer;
        c.aud = kAudience;
        c.sub = "42";
        c.jti = "0b6f9d4e-8f55-4c1f-9a9a-3c2b0f6f1a77";
        c.role = "moderator";
        c.sid = "s-7";
        c.iat = kNow - 60;
        c.exp = kNow + 840;
        return c;
    }

    void expect_invalid(std::string_view token, std::string_view reason_part = {},
                        std::int64_t now = kNow) const {
        const VerifyOutcome outcome = codec.verify(token, now);
        ASSERT_FALSE(outcome.ok()) << "accepted a token that must be rejected";
        EXPECT_EQ(outcome.error(), TokenError::invalid) << describe(outcome);
        EXPECT_NE(outcome.reason().find(reason_part), std::string::npos)
            << "reason should mention '" << reason_part << "': " << describe(outcome);
    }

    void expect_accepted(std::string_view token, std::int64_t now = kNow) const {
        const VerifyOutcome outcome = codec.verify(token, now);
        EXPECT_TRUE(outcome.ok()) << describe(outcome);
    }

    JwtCodec codec{std::string(kSecret), std::string(kIssuer), std::string(kAudience), kLeeway};
};

// --- signing and the happy path ---------------------------------------------

TEST_F(Jwt, RoundTripReturnsTheSignedClaims) {
    const AccessClaims in = sample_claims();
    const VerifyOutcome outcome = codec.verify(codec.sign(in), kNow);
    ASSERT_TRUE(outcome.ok()) << describe(outcome);
    const AccessClaims& out = outcome.claims();
    EXPECT_EQ(out.iss, in.iss);
    EXPECT_EQ(out.aud, in.aud);
    EXPECT_EQ(out.sub, in.sub);
    EXPECT_EQ(out.jti, in.jti);
    EXPECT_EQ(out.role, in.role);
    EXPECT_EQ(out.sid, in.sid);
    EXPECT_EQ(out.iat, in.iat);
    EXPECT_EQ(out.exp, in.exp);
}

TEST_F(Jwt, SignedHeaderIsExactlyHs256Jwt) {
    const std::string token = codec.sign(sample_claims());
    const std::vector<std::string_view> parts = segments_of(token);
    ASSERT_EQ(parts.size(), 3u);
    const auto header = base64url_decode(parts[0]);
    ASSERT_TRUE(header.ok()) << header.error();
    EXPECT_EQ(header.value(), kGoodHeader);
}

TEST_F(Jwt, SignedPayloadIsCompactJsonOfTheClaims) {
    const std::string token = codec.sign(sample_claims());
    const std::vector<std::string_view> parts = segments_of(token);
    ASSERT_EQ(parts.size(), 3u);
    const auto payload = base64url_decode(parts[1]);
    ASSERT_TRUE(payload.ok()) << payload.error();
    EXPECT_EQ(payload.value(),
              R"({"iss":"https://stoa.test","aud":"stoa-api","sub":"42","iat":1699999940,)"
              R"("exp":1700000840,"jti":"0b6f9d4e-8f55-4c1f-9a9a-3c2b0f6f1a77",)"
              R"("role":"moderator","sid":"s-7"})");
}

TEST_F(Jwt, SignatureIsHmacSha256OfHeaderDotPayload) {
    const std::string token = codec.sign(sample_claims());
    EXPECT_TRUE(stoa::crypto::verify_hs256_signature(token, kSecret)) << token;
    EXPECT_FALSE(stoa::crypto::verify_hs256_signature(token, kOtherSecret)) << token;
}

TEST_F(Jwt, ClaimsForUsesCodecIssuerAudienceAndFreshJti) {
    const AccessClaims a = codec.claims_for("42", "user", "s-7", kNow, 900);
    const AccessClaims b = codec.claims_for("42", "user", "s-7", kNow, 900);
    EXPECT_EQ(a.iss, kIssuer);
    EXPECT_EQ(a.aud, kAudience);
    EXPECT_EQ(a.sub, "42");
    EXPECT_EQ(a.role, "user");
    EXPECT_EQ(a.sid, "s-7");
    EXPECT_EQ(a.iat, kNow);
    EXPECT_EQ(a.exp, kNow + 900);
    EXPECT_EQ(a.jti.size(), 36u) << a.jti;
    EXPECT_NE(a.jti, b.jti) << "every token needs its own jti";
    expect_accepted(codec.sign(a));
}

TEST_F(Jwt, AcceptsHandBuiltTokenWithValidClaims) {
    // The forging helpers below must produce acceptable tokens, or every
    // rejection test would pass for the wrong reason.
    expect_accepted(forge(Payload()));
    expect_accepted(forge(R"({"typ":"JWT","alg":"HS256"})", Payload().json()));
    expect_accepted(forge(R"({"alg":"HS256"})", Payload().json()));
}

TEST_F(Jwt, WorksWithSecretsLongerThanTheHashBlock) {
    const std::string long_secret(100, 'k');
    const JwtCodec long_codec{long_secret, std::string(kIssuer), std::string(kAudience)};
    const std::string token = long_codec.sign(sample_claims());
    EXPECT_TRUE(long_codec.verify(token, kNow).ok());
    EXPECT_TRUE(stoa::crypto::verify_hs256_signature(token, long_secret));
    EXPECT_FALSE(codec.verify(token, kNow).ok()) << "a different secret must not verify";
}

TEST_F(Jwt, MovedCodecKeepsWorking) {
    JwtCodec moved{std::move(codec)};
    const std::string token = moved.sign(sample_claims());
    EXPECT_TRUE(moved.verify(token, kNow).ok());
    JwtCodec assigned{std::string(kOtherSecret), "other", "other"};
    assigned = std::move(moved);
    EXPECT_TRUE(assigned.verify(token, kNow).ok());
    EXPECT_EQ(assigned.issuer(), kIssuer);
}

// --- header -----------------------------------------------------------------

TEST_F(Jwt, RejectsAlgNone) {
    const std::string payload = Payload().json();
    const std::string none_header = R"({"alg":"none","typ":"JWT"})";
    // The classic form: no signature at all.
    const std::string unsigned_token =
        base64url_encode(none_header) + "." + base64url_encode(payload) + ".";
    expect_invalid(unsigned_token, "signature");
    // Even with a correct HMAC, the header's alg must be HS256.
    expect_invalid(forge(none_header, payload), "alg");
    expect_invalid(forge(R"({"alg":"None"})", payload), "alg");
}

TEST_F(Jwt, RejectsAnyAlgOtherThanHs256) {
    const std::string payload = Payload().json();
    const std::string_view headers[] = {
        R"({"alg":"HS512","typ":"JWT"})",  R"({"alg":"HS384","typ":"JWT"})",
        R"({"alg":"RS256","typ":"JWT"})",  R"({"alg":"EdDSA","typ":"JWT"})",
        R"({"alg":"hs256","typ":"JWT"})",  R"({"alg":"Hs256","typ":"JWT"})",
        R"({"alg":"HS256 ","typ":"JWT"})", R"({"alg":"","typ":"JWT"})",
        R"({"alg":null,"typ":"JWT"})",     R"({"alg":["HS256"],"typ":"JWT"})",
        R"({"alg":256,"typ":"JWT"})",      R"({"typ":"JWT"})",
        R"({"ALG":"HS256","typ":"JWT"})",
    };
    for (const std::string_view header : headers) {
        SCOPED_TRACE(header);
        expect_invalid(forge(header, payload), "alg");
    }
}

TEST_F(Jwt, RejectsRepeatedAlgInHeader) {
    expect_invalid(forge(R"({"alg":"HS256","alg":"none"})", Payload().json()), "header");
    expect_invalid(forge(R"({"alg":"none","alg":"HS256"})", Payload().json()), "header");
}

TEST_F(Jwt, RejectsCritHeader) {
    expect_invalid(forge(R"({"alg":"HS256","typ":"JWT","crit":["exp"],"exp":1})", Payload().json()),
                   "crit");
    expect_invalid(forge(R"({"alg":"HS256","crit":[]})", Payload().json()), "crit");
}

TEST_F(Jwt, RejectsTypOtherThanJwt) {
    expect_invalid(forge(R"({"alg":"HS256","typ":"at+jwt"})", Payload().json()), "typ");
    expect_invalid(forge(R"({"alg":"HS256","typ":1})", Payload().json()), "typ");
}

TEST_F(Jwt, RejectsHeaderThatIsNotAnObject) {
    expect_invalid(forge(R"(["alg","HS256"])", Payload().json()), "header");
    expect_invalid(forge(R"("HS256")", Payload().json()), "header");
    expect_invalid(forge("null", Payload().json()), "header");
}

TEST_F(Jwt, RejectsHeaderThatIsNotJson) {
    expect_invalid(forge("alg=HS256", Payload().json()), "header");
    expect_invalid(forge(R"({"alg":"HS256"} trailing)", Payload().json()), "header");
    expect_invalid(forge(R"({"alg":"HS256")", Payload().json()), "header");
}

// --- signature --------------------------------------------------------------

TEST_F(Jwt, RejectsTamperedPayload) {
    const std::string token = codec.sign(sample_claims());
    std::vector<std::string_view> parts = segments_of(token);
    ASSERT_EQ(parts.size(), 3u);
    AccessClaims promoted = sample_claims();
    promoted.role = "admin";
    const std::string promoted_payload = std::string(segments_of(codec.sign(promoted))[1]);
    const std::string tampered =
        std::string(parts[0]) + "." + promoted_payload + "." + std::string(parts[2]);
    ASSERT_NE(tampered, token);
    expect_invalid(tampered, "signature");
}

TEST_F(Jwt, RejectsTamperedSignature) {
    const std::string token = codec.sign(sample_claims());
    // Early and late in the 43 characters, so every MAC byte has to be compared.
    for (const std::size_t offset : {1u, 5u, 20u, 41u}) {
        std::string tampered = token;
        const std::size_t pos = tampered.rfind('.') + offset;
        tampered[pos] = tampered[pos] == 'A' ? 'B' : 'A';
        SCOPED_TRACE(offset);
        expect_invalid(tampered, "signature");
    }
    // A truncated or extended signature is no better.
    expect_invalid(token.substr(0, token.size() - 1), "signature");
    expect_invalid(token + "AAAA", "signature");
}

TEST_F(Jwt, RejectsWrongKey) {
    const JwtCodec other{std::string(kOtherSecret), std::string(kIssuer), std::string(kAudience)};
    expect_invalid(other.sign(sample_claims()), "signature");
    expect_invalid(forge(kGoodHeader, Payload().json(), kOtherSecret), "signature");
}

TEST_F(Jwt, RejectsEmptySignature) {
    const std::string token = codec.sign(sample_claims());
    expect_invalid(token.substr(0, token.rfind('.') + 1), "signature");
}

TEST_F(Jwt, ForgedExpiredTokenIsInvalidNotExpired) {
    // Only a token we signed may learn that it has expired.
    const Payload expired = Payload().set("exp", std::to_string(kNow - 3600));
    expect_invalid(forge(kGoodHeader, expired.json(), kOtherSecret), "signature");
}

// --- claims -----------------------------------------------------------------

TEST_F(Jwt, RejectsPayloadThatIsNotAJsonObject) {
    expect_invalid(forge(kGoodHeader, "[1,2,3]"), "payload");
    expect_invalid(forge(kGoodHeader, "not json"), "payload");
    expect_invalid(forge(kGoodHeader, R"({"sub":"42")"), "payload");
    expect_invalid(forge(kGoodHeader, R"({"sub":"4\u00002"})"), "payload");
}

TEST_F(Jwt, RejectsRepeatedClaim) {
    const std::string json = Payload().json();
    const std::string twice = json.substr(0, json.size() - 1) + R"(,"role":"admin"})";
    expect_invalid(forge(kGoodHeader, twice), "payload");
}

TEST_F(Jwt, RejectsWrongIssuer) {
    expect_invalid(forge(Payload().set("iss", R"("https://evil.test")")), "iss");
    expect_invalid(forge(Payload().set("iss", R"("https://stoa.test/")")), "iss");
    expect_invalid(forge(Payload().set("iss", R"(["https://stoa.test"])")), "iss");
    AccessClaims claims = sample_claims();
    claims.iss = "https://other.test";
    expect_invalid(codec.sign(claims), "iss");
}

TEST_F(Jwt, RejectsWrongAudience) {
    AccessClaims claims = sample_claims();
    claims.aud = "stoa-admin";
    expect_invalid(codec.sign(claims), "aud");
    expect_invalid(forge(Payload().set("aud", R"("STOA-API")")), "aud");
    expect_invalid(forge(Payload().set("aud", R"(["other","stoa-api2"])")), "aud");
    expect_invalid(forge(Payload().set("aud", "[]")), "aud");
    expect_invalid(forge(Payload().set("aud", "null")), "aud");
}

TEST_F(Jwt, AcceptsAudienceArrayThatNamesTheAudience) {
    const VerifyOutcome outcome =
        codec.verify(forge(Payload().set("aud", R"(["other","stoa-api"])")), kNow);
    ASSERT_TRUE(outcome.ok()) << describe(outcome);
    EXPECT_EQ(outcome.claims().aud, kAudience);
}

TEST_F(Jwt, RejectsMissingRequiredClaims) {
    for (const char* name : {"iss", "aud", "sub", "jti", "role", "sid", "iat", "exp"}) {
        SCOPED_TRACE(name);
        expect_invalid(forge(Payload().without(name)), name);
    }
}

TEST_F(Jwt, RejectsEmptyOrNonStringIdentityClaims) {
    for (const char* name : {"sub", "jti", "role", "sid"}) {
        SCOPED_TRACE(name);
        expect_invalid(forge(Payload().set(name, R"("")")), name);
        expect_invalid(forge(Payload().set(name, "42")), name);
        expect_invalid(forge(Payload().set(name, "null")), name);
    }
}

TEST_F(Jwt, RejectsTimesThatAreNotNonNegativeIntegers) {
    for (const char* name : {"iat", "exp"}) {
        SCOPED_TRACE(name);
        expect_invalid(forge(Payload().set(name, "\"1700000000\"")), name);
        expect_invalid(forge(Payload().set(name, "1700000000.5")), name);
        expect_invalid(forge(Payload().set(name, "1.7e9")), name);
        expect_invalid(forge(Payload().set(name, "true")), name);
        expect_invalid(forge(Payload().set(name, "-1")), name);
        expect_invalid(forge(Payload().set(name, "9223372036854775807")), name);
    }
}

// --- time -------------------------------------------------------------------

TEST_F(Jwt, ExpiredTokenIsExpired) {
    AccessClaims claims = sample_claims();
    claims.iat = kNow - 3600;
    claims.exp = kNow - 900;
    const VerifyOutcome outcome = codec.verify(codec.sign(claims), kNow);
    ASSERT_FALSE(outcome.ok()) << "an expired token was accepted";
    EXPECT_EQ(outcome.error(), TokenError::expired) << describe(outcome);
    EXPECT_EQ(stoa::crypto::token_error_code(outcome.error()), "token_expired");
}

TEST_F(Jwt, LeewayAcceptsJustExpired) {
    AccessClaims claims = sample_claims();
    claims.iat = kNow - 900;
    claims.exp = kNow - (kLeeway - 1);
    expect_accepted(codec.sign(claims));
}

TEST_F(Jwt, ExpiresExactlyWhenTheLeewayRunsOut) {
    AccessClaims claims = sample_claims();
    claims.iat = kNow - 900;
    claims.exp = kNow - kLeeway;
    const VerifyOutcome outcome = codec.verify(codec.sign(claims), kNow);
    ASSERT_FALSE(outcome.ok()) << "exp + leeway == now must count as expired";
    EXPECT_EQ(outcome.error(), TokenError::expired) << describe(outcome);
}

TEST_F(Jwt, ZeroLeewayExpiresAtExp) {
    const JwtCodec strict{std::string(kSecret), std::string(kIssuer), std::string(kAudience), 0};
    AccessClaims claims = sample_claims();
    claims.exp = kNow + 1;
    EXPECT_TRUE(strict.verify(strict.sign(claims), kNow).ok());
    claims.exp = kNow;
    const VerifyOutcome outcome = strict.verify(strict.sign(claims), kNow);
    ASSERT_FALSE(outcome.ok()) << "exp == now must count as expired without leeway";
    EXPECT_EQ(outcome.error(), TokenError::expired) << describe(outcome);
}

TEST_F(Jwt, RejectsIatInTheFuture) {
    AccessClaims claims = sample_claims();
    claims.iat = kNow + kLeeway + 1;
    claims.exp = kNow + 900;
    expect_invalid(codec.sign(claims), "iat");
}

TEST_F(Jwt, AcceptsIatWithinTheLeeway) {
    AccessClaims claims = sample_claims();
    claims.iat = kNow + kLeeway;
    expect_accepted(codec.sign(claims));
}

TEST_F(Jwt, RejectsNbfInTheFuture) {
    expect_invalid(forge(Payload().set("nbf", std::to_string(kNow + kLeeway + 1))), "nbf");
}

TEST_F(Jwt, AcceptsNbfWithinTheLeeway) {
    expect_accepted(forge(Payload().set("nbf", std::to_string(kNow + kLeeway))));
    expect_accepted(forge(Payload().set("nbf", std::to_string(kNow - 60))));
}

TEST_F(Jwt, RejectsNbfThatIsNotAnInteger) {
    expect_invalid(forge(Payload().set("nbf", "\"0\"")), "nbf");
    expect_invalid(forge(Payload().set("nbf", "null")), "nbf");
}

TEST_F(Jwt, ExtremeClockValuesDoNotOverflow) {
    const std::string token = codec.sign(sample_claims());
    const VerifyOutcome late = codec.verify(token, INT64_MAX);
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error(), TokenError::expired) << describe(late);
    const VerifyOutcome early = codec.verify(token, INT64_MIN);
    ASSERT_FALSE(early.ok());
    EXPECT_EQ(early.error(), TokenError::invalid) << describe(early);
}

// --- shape and garbage ------------------------------------------------------

TEST_F(Jwt, RejectsMalformedTokens) {
    const std::string good = codec.sign(sample_claims());
    const std::vector<std::string_view> p = segments_of(good);
    ASSERT_EQ(p.size(), 3u);
    const std::string h(p[0]), b(p[1]), s(p[2]);
    const std::string segment_count = "three";
    const std::pair<std::string, std::string> cases[] = {
        {"", "empty"},
        {"garbage", segment_count},
        {".", segment_count},
        {"..", "empty"},
        {"...", segment_count},
        {h + "." + b, segment_count},
        {h + "." + b + "." + s + "." + s, segment_count},
        {h + "." + b + "." + s + ".", segment_count},
        {"." + b + "." + s, "empty"},
        {h + ".." + s, "empty"},
        {" " + good, "header"},
        {good + "\n", "signature"},
        {h + "=." + b + "." + s, "header"},
        {h + "." + b + "." + s + "=", "signature"},
        {h + "." + b + "+." + s, "signature"},  // checked before the payload is read
        {h + "." + b + "." + s.substr(0, 42) + "/", "signature"},
        {std::string(good).insert(10, 1, '\0'), "header"},
        {"Bearer " + good, "header"},
    };
    for (const auto& [token, reason_part] : cases) {
        SCOPED_TRACE(token);
        expect_invalid(token, reason_part);
    }
    expect_accepted(good);  // the pieces themselves were fine
}

TEST_F(Jwt, RejectsTokensOverTheSizeCap) {
    // A correctly signed token that is merely too large.
    const auto padded = [](std::size_t pad) {
        return forge(Payload().set("pad", Payload::quoted(std::string(pad, 'x'))));
    };
    const std::string fits = padded(2800);
    const std::string too_big = padded(3200);
    ASSERT_LE(fits.size(), stoa::crypto::kJwtMaxTokenBytes);
    ASSERT_GT(too_big.size(), stoa::crypto::kJwtMaxTokenBytes);
    expect_accepted(fits);
    expect_invalid(too_big, "longer");
    expect_invalid(std::string(1 << 20, 'A'), "longer");
}

TEST_F(Jwt, ReasonNeverContainsTheToken) {
    const std::string good = codec.sign(sample_claims());
    const std::vector<std::string_view> p = segments_of(good);
    const std::string tokens[] = {
        good.substr(0, good.rfind('.')) + ".AAAA",
        forge(R"({"alg":"none"})", Payload().json()),
        forge(kGoodHeader, "not json at all"),
        std::string(p[0]) + ".!!!." + std::string(p[2]),
    };
    for (const std::string& token : tokens) {
        const VerifyOutcome outcome = codec.verify(token, kNow);
        ASSERT_FALSE(outcome.ok()) << token;
        for (const std::string_view part : segments_of(token)) {
            if (part.size() >= 4) {
                EXPECT_EQ(outcome.reason().find(part), std::string::npos)
                    << "reason '" << outcome.reason() << "' quotes the token";
            }
        }
        EXPECT_EQ(outcome.reason().find("not json"), std::string::npos) << outcome.reason();
    }
}

// --- construction and API mapping ----------------------------------------------

TEST_F(Jwt, ErrorKindsMapToApiCodes) {
    EXPECT_EQ(stoa::crypto::token_error_code(TokenError::invalid), "token_invalid");
    EXPECT_EQ(stoa::crypto::token_error_code(TokenError::expired), "token_expired");
}

TEST_F(Jwt, ConstructorRejectsUnsafeSettings) {
    const std::string iss(kIssuer), aud(kAudience), secret(kSecret);
    EXPECT_THROW((JwtCodec(std::string(31, 'k'), iss, aud)), std::invalid_argument);
    EXPECT_NO_THROW((JwtCodec(std::string(32, 'k'), iss, aud)));
    EXPECT_THROW((JwtCodec(secret, "", aud)), std::invalid_argument);
    EXPECT_THROW((JwtCodec(secret, iss, "")), std::invalid_argument);
    EXPECT_THROW((JwtCodec(secret, iss, aud, -1)), std::invalid_argument);
    EXPECT_THROW((JwtCodec(secret, iss, aud, stoa::crypto::kJwtMaxLeewaySeconds + 1)),
                 std::invalid_argument);
}

TEST_F(Jwt, SignRefusesClaimsThatAreNotUtf8) {
    AccessClaims claims = sample_claims();
    claims.sub = "\xff\xfe";
    EXPECT_THROW((void)codec.sign(claims), std::invalid_argument);
}

// --- RFC 7515 Appendix A.1 ----------------------------------------------------

constexpr std::string_view kRfc7515A1Key =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr std::string_view kRfc7515A1Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQog"
    "Imh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

TEST_F(Jwt, Rfc7515A1SignatureVerifies) {
    const auto key = base64url_decode(kRfc7515A1Key);
    ASSERT_TRUE(key.ok()) << key.error();
    ASSERT_EQ(key->size(), 64u);
    EXPECT_TRUE(stoa::crypto::verify_hs256_signature(kRfc7515A1Token, key.value()));
}

TEST_F(Jwt, Rfc7515A1TamperedPayloadFails) {
    const auto key = base64url_decode(kRfc7515A1Key);
    ASSERT_TRUE(key.ok()) << key.error();
    std::string tampered(kRfc7515A1Token);
    const std::size_t pos = tampered.find('.') + 10;
    tampered[pos] = tampered[pos] == 'x' ? 'y' : 'x';
    EXPECT_FALSE(stoa::crypto::verify_hs256_signature(tampered, key.value()));
}

TEST_F(Jwt, Rfc7515A1FailsUnderAnotherKey) {
    std::string key = base64url_decode(kRfc7515A1Key).value();
    key[0] = static_cast<char>(key[0] ^ 1);
    EXPECT_FALSE(stoa::crypto::verify_hs256_signature(kRfc7515A1Token, key));
}

}  // namespace
