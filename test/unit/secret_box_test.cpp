// Unit tests for src/crypto/secret_box.*.
#include "crypto/secret_box.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/token.h"

namespace {

using stoa::crypto::SecretBox;

const std::string kSecret = "k9Vq3xR7pL2mW8tY4nB6cZ1dF5gH0jKsQeUaIoP";  // like a JWT_SECRET
constexpr const char* kContext = "stoa totp secret v1";

class SecretBoxTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(stoa::crypto::init().ok()) << "libsodium init failed"; }

    static SecretBox box(const std::string& secret = kSecret, const char* context = kContext) {
        auto b = SecretBox::derive(secret, context);
        EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error());
        return std::move(b).value();
    }
};

TEST_F(SecretBoxTest, RoundTripsWithTheNonceInFront) {
    const std::string plain = "12345678901234567890";
    std::string sealed = box().seal(plain);
    EXPECT_EQ(sealed.size(), SecretBox::kNonceBytes + plain.size() + SecretBox::kTagBytes);
    EXPECT_EQ(sealed.find(plain), std::string::npos) << "the plaintext is visible in the sealed value";
    auto opened = box().open(sealed);  // a second box derived from the same secret
    ASSERT_TRUE(opened.ok()) << opened.error();
    EXPECT_EQ(opened.value(), plain);
    auto empty = box().open(box().seal(""));
    ASSERT_TRUE(empty.ok()) << empty.error();
    EXPECT_EQ(empty.value(), "");
}

TEST_F(SecretBoxTest, SealingTwiceUsesFreshNonces) {
    SecretBox b = box();
    std::string a = b.seal("same"), c = b.seal("same");
    EXPECT_NE(a.substr(0, SecretBox::kNonceBytes), c.substr(0, SecretBox::kNonceBytes)) << "nonce reused";
    EXPECT_NE(a, c);
}

TEST_F(SecretBoxTest, RefusesEveryTamperedByte) {
    SecretBox b = box();
    const std::string sealed = b.seal("a TOTP secret, 20 b");
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        std::string bad = sealed;
        bad[i] = static_cast<char>(bad[i] ^ 0x01);
        EXPECT_FALSE(b.open(bad).ok()) << "a flipped bit at byte " << i << " went unnoticed";
    }
    EXPECT_FALSE(b.open(sealed.substr(0, sealed.size() - 1)).ok()) << "truncated value opened";
    EXPECT_FALSE(b.open(sealed.substr(0, SecretBox::kNonceBytes + SecretBox::kTagBytes - 1)).ok());
    EXPECT_FALSE(b.open("").ok());
    EXPECT_FALSE(b.open(sealed + "x").ok()) << "value with a trailing byte opened";
}

TEST_F(SecretBoxTest, AnotherSecretOrContextCannotOpen) {
    const std::string sealed = box().seal("secret");
    EXPECT_FALSE(box(kSecret + "x").open(sealed).ok()) << "a rotated JWT_SECRET still opens old values";
    EXPECT_FALSE(box(kSecret, "stoa totp secret v2").open(sealed).ok()) << "the context does not separate keys";
}

TEST_F(SecretBoxTest, DerivesFromLongSecretsAndRefusesShortOnes) {
    EXPECT_FALSE(SecretBox::derive("short", kContext).ok()) << "a 5-byte secret accepted";
    const std::string long_secret(200, 'q');
    SecretBox a = box(long_secret);
    auto opened = box(long_secret).open(a.seal("x"));
    ASSERT_TRUE(opened.ok()) << opened.error();
    EXPECT_FALSE(box(long_secret.substr(0, 64)).open(a.seal("x")).ok())
        << "a secret over 64 bytes must not be cut to its first 64";
}

TEST_F(SecretBoxTest, MovedFromBoxNoLongerHoldsTheKey) {
    SecretBox a = box();
    const std::string sealed = a.seal("x");
    SecretBox b = std::move(a);
    EXPECT_TRUE(b.open(sealed).ok());
    EXPECT_FALSE(a.open(sealed).ok()) << "the moved-from box still holds the key";  // NOLINT(bugprone-use-after-move)
}

}  // namespace
