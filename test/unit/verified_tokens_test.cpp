// Unit tests for src/crypto/verified_tokens.*: the per-worker memory of
// verified access tokens answers exactly as the codec would.
#include "crypto/verified_tokens.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "crypto/jwt.h"

namespace {

using stoa::crypto::JwtCodec;
using stoa::crypto::TokenError;
using stoa::crypto::VerifiedTokens;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kLeeway = 30;

JwtCodec codec() {
    return JwtCodec("0123456789abcdef0123456789abcdef-test-secret", "https://stoa.test", "stoa-api", kLeeway);
}

std::string token_for(const JwtCodec& c, const std::string& sub, std::int64_t ttl = 900) {
    return c.sign(c.claims_for(sub, "user", "6f1c2a9e-0000-4000-8000-000000000001", kNow, ttl));
}

TEST(VerifiedTokens, AGoodTokenIsAcceptedAgainWithTheSameClaims) {
    JwtCodec c = codec();
    VerifiedTokens tokens(c);
    std::string t = token_for(c, "42");
    auto first = tokens.verify(t, kNow);
    ASSERT_TRUE(first.ok()) << first.reason();
    EXPECT_EQ(tokens.size(), 1U);
    auto again = tokens.verify(t, kNow + 60);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.claims().sub, "42");
    EXPECT_EQ(again.claims().jti, first.claims().jti);
    EXPECT_EQ(again.claims().exp, kNow + 900);
    EXPECT_EQ(tokens.size(), 1U);
}

TEST(VerifiedTokens, AKeptTokenExpiresAsTheCodecSaysWithItsClaims) {
    JwtCodec c = codec();
    VerifiedTokens tokens(c);
    std::string t = token_for(c, "7", 60);
    ASSERT_TRUE(tokens.verify(t, kNow).ok());
    EXPECT_TRUE(tokens.verify(t, kNow + 60 + kLeeway - 1).ok()) << "within the leeway";
    auto late = tokens.verify(t, kNow + 60 + kLeeway);
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error(), TokenError::expired);
    ASSERT_TRUE(late.expired_claims().has_value());
    EXPECT_EQ(late.expired_claims()->sub, "7");
    EXPECT_EQ(tokens.size(), 0U) << "an expired token is not kept";
}

TEST(VerifiedTokens, RefusedTokensAreNeverKept) {
    JwtCodec c = codec();
    VerifiedTokens tokens(c);
    std::string t = token_for(c, "9");
    std::string tampered = t;
    tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
    for (int i = 0; i < 3; ++i) EXPECT_FALSE(tokens.verify(tampered, kNow).ok());
    EXPECT_FALSE(tokens.verify("", kNow).ok());
    EXPECT_FALSE(tokens.verify("a.b.c", kNow).ok());
    EXPECT_EQ(tokens.size(), 0U);
    // A kept token does not make a token differing in one byte acceptable.
    ASSERT_TRUE(tokens.verify(t, kNow).ok());
    EXPECT_FALSE(tokens.verify(tampered, kNow).ok());
    EXPECT_FALSE(tokens.verify(t + "x", kNow).ok());
    EXPECT_FALSE(tokens.verify(t.substr(0, t.size() - 1), kNow).ok());
}

TEST(VerifiedTokens, AnotherCodecsTokensAreRefusedEvenWhenOursAreKept) {
    JwtCodec ours = codec();
    JwtCodec theirs("fedcba9876543210fedcba9876543210-other-secret", "https://stoa.test", "stoa-api", kLeeway);
    VerifiedTokens tokens(ours);
    ASSERT_TRUE(tokens.verify(token_for(ours, "1"), kNow).ok());
    EXPECT_FALSE(tokens.verify(token_for(theirs, "1"), kNow).ok());
}

TEST(VerifiedTokens, AFullMemoryStartsAgainAndKeepsAnswering) {
    JwtCodec c = codec();
    VerifiedTokens tokens(c, 4);
    std::string first = token_for(c, "0");
    ASSERT_TRUE(tokens.verify(first, kNow).ok());
    for (int i = 1; i < 10; ++i) {
        ASSERT_TRUE(tokens.verify(token_for(c, std::to_string(i)), kNow).ok());
        EXPECT_LE(tokens.size(), 4U);
    }
    auto again = tokens.verify(first, kNow);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.claims().sub, "0");
}

}  // namespace
