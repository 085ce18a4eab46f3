// Unit tests for src/crypto/base64url.* and src/crypto/token.*.
#include "crypto/token.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>
#include <string_view>

#include "crypto/base64url.h"

namespace {

using stoa::crypto::base64url_decode;
using stoa::crypto::base64url_encode;

class CryptoTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(stoa::crypto::init().ok()) << "libsodium init failed"; }
};

class Base64Url : public CryptoTest {};
class Token : public CryptoTest {};
class Uuid : public CryptoTest {};
class HmacSha256 : public CryptoTest {};

std::string from_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

bool is_lower_hex(std::string_view s) {
    for (const char c : s) {
        if (!std::isxdigit(static_cast<unsigned char>(c)) ||
            std::isupper(static_cast<unsigned char>(c))) {
            return false;
        }
    }
    return true;
}

struct Vector {
    std::string_view bytes;
    std::string_view text;
};

// RFC 4648 §10, without the padding.
constexpr Vector kRfc4648[] = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

TEST_F(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
    for (const Vector& v : kRfc4648) {
        EXPECT_EQ(base64url_encode(v.bytes), v.text) << "encoding '" << v.bytes << "'";
    }
}

TEST_F(Base64Url, DecodesRfc4648Vectors) {
    for (const Vector& v : kRfc4648) {
        const auto decoded = base64url_decode(v.text);
        ASSERT_TRUE(decoded.ok()) << "decoding '" << v.text << "': " << decoded.error();
        EXPECT_EQ(decoded.value(), v.bytes) << "decoding '" << v.text << "'";
    }
}

TEST_F(Base64Url, UsesTheUrlSafeAlphabet) {
    const std::string bytes = from_hex("fbff");
    EXPECT_EQ(base64url_encode(bytes), "-_8");
    const auto decoded = base64url_decode("-_8");
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(decoded.value(), bytes);
}

TEST_F(Base64Url, RoundTripsRandomBytesOfEveryLengthUpTo64) {
    for (std::size_t len = 0; len <= 64; ++len) {
        const std::string bytes = base64url_decode(stoa::crypto::random_token(len)).value();
        ASSERT_EQ(bytes.size(), len);
        const std::string text = base64url_encode(bytes);
        EXPECT_EQ(text.size(), (len * 4 + 2) / 3) << "length " << len;
        const auto back = base64url_decode(text);
        ASSERT_TRUE(back.ok()) << "length " << len << ": " << back.error();
        EXPECT_EQ(back.value(), bytes) << "length " << len;
    }
}

TEST_F(Base64Url, RejectsMalformedInput) {
    const std::string_view bad[] = {
        "Zg==",                        // padding
        "Zm8=",                        // padding
        "+/8",                         // standard alphabet
        "Zm9v!",                       // trailing garbage
        "Zm9v ",                       // trailing whitespace
        " Zm9v",                       // leading whitespace
        "Zm\n9v",                      // line break
        std::string_view("Zm\0v", 4),  // embedded NUL
        "Z",                           // no byte has a 1-character encoding
        "Zm9vY",                       // nor a 5-character one
        "Zh",                          // 'f' with non-zero trailing bits: not canonical
    };
    for (const std::string_view text : bad) {
        EXPECT_FALSE(base64url_decode(text).ok()) << "accepted '" << text << "'";
    }
}

TEST_F(Token, InitIsIdempotent) {
    EXPECT_TRUE(stoa::crypto::init().ok());
    EXPECT_TRUE(stoa::crypto::init().ok());
}

TEST_F(Token, RandomTokenCarries256BitsByDefault) {
    const std::string token = stoa::crypto::random_token();
    EXPECT_EQ(token.size(), 43u) << token;
    const auto raw = base64url_decode(token);
    ASSERT_TRUE(raw.ok()) << raw.error();
    EXPECT_EQ(raw->size(), 32u);
}

TEST_F(Token, RandomTokenHonoursTheRequestedSize) {
    EXPECT_EQ(base64url_decode(stoa::crypto::random_token(16)).value().size(), 16u);
    EXPECT_EQ(base64url_decode(stoa::crypto::random_token(48)).value().size(), 48u);
    EXPECT_EQ(stoa::crypto::random_token(0), "");
}

TEST_F(Token, RandomTokensDoNotRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        seen.insert(stoa::crypto::random_token());
    }
    EXPECT_EQ(seen.size(), 1000u);
}

TEST_F(Token, TokenHashIsBlake2b256InLowerCaseHex) {
    EXPECT_EQ(stoa::crypto::token_hash(""),
              "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    EXPECT_EQ(stoa::crypto::token_hash("abc"),
              "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST_F(Token, TokenHashSeparatesTokensAndIsStable) {
    const std::string a = stoa::crypto::random_token();
    const std::string b = stoa::crypto::random_token();
    EXPECT_EQ(stoa::crypto::token_hash(a), stoa::crypto::token_hash(a));
    EXPECT_NE(stoa::crypto::token_hash(a), stoa::crypto::token_hash(b));
    EXPECT_NE(stoa::crypto::token_hash(a), a) << "the hash must not be the token itself";
}

TEST_F(Token, ConstantTimeEqualComparesWholeContents) {
    using stoa::crypto::constant_time_equal;
    EXPECT_TRUE(constant_time_equal("csrf-value", "csrf-value"));
    EXPECT_TRUE(constant_time_equal("", ""));
    EXPECT_FALSE(constant_time_equal("csrf-value", "csrf-valuf"));
    EXPECT_FALSE(constant_time_equal("Csrf-value", "csrf-value"));
    EXPECT_FALSE(constant_time_equal("csrf-value", "csrf-value2"));
    EXPECT_FALSE(constant_time_equal("", "x"));
    // Bytes after an embedded NUL still count.
    EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST_F(Uuid, IsAVersion4UuidInLowerCase) {
    for (int i = 0; i < 100; ++i) {
        const std::string id = stoa::crypto::uuid_v4();
        ASSERT_EQ(id.size(), 36u) << id;
        for (const std::size_t dash : {8u, 13u, 18u, 23u}) {
            EXPECT_EQ(id[dash], '-') << id;
        }
        std::string hex = id;
        std::erase(hex, '-');
        EXPECT_EQ(hex.size(), 32u) << id;
        EXPECT_TRUE(is_lower_hex(hex)) << id;
        EXPECT_EQ(id[14], '4') << "version nibble of " << id;
        EXPECT_NE(std::string_view("89ab").find(id[19]), std::string_view::npos)
            << "variant nibble of " << id;
    }
}

TEST_F(Uuid, DoesNotRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        seen.insert(stoa::crypto::uuid_v4());
    }
    EXPECT_EQ(seen.size(), 1000u);
}

struct HmacVector {
    const char* name;
    std::string key;
    std::string message;
    std::string_view mac_hex;
};

TEST_F(HmacSha256, MatchesRfc4231TestCases) {
    const std::string aa131(131, '\xaa');
    // Test case 5 is left out: it checks a truncated output.
    const HmacVector vectors[] = {
        {"1", std::string(20, '\x0b'), "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"2", "Jefe", "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"3", std::string(20, '\xaa'), std::string(50, '\xdd'),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"4", from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
         std::string(50, '\xcd'),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {"6", aa131, "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"7", aa131,
         "This is a test using a larger than block-size key and a larger than block-size "
         "data. The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (const HmacVector& v : vectors) {
        EXPECT_EQ(stoa::crypto::hmac_sha256_hex(v.key, v.message), v.mac_hex)
            << "RFC 4231 test case " << v.name;
        const stoa::crypto::HmacSha256 raw = stoa::crypto::hmac_sha256(v.key, v.message);
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(raw.data()), raw.size()),
                  from_hex(v.mac_hex))
            << "raw bytes, RFC 4231 test case " << v.name;
    }
}

TEST_F(HmacSha256, AcceptsAnEmptyKeyAndMessage) {
    EXPECT_EQ(stoa::crypto::hmac_sha256_hex("", ""),
              "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

}  // namespace
