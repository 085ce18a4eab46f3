// Unit tests for src/auth/totp.* (RFC 6238 on liboath) and src/auth/qr_svg.*.
#include "auth/totp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <string>

#include "auth/qr_svg.h"
#include "crypto/token.h"

namespace {

namespace totp = stoa::auth::totp;

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const std::string kRfcSecret = "12345678901234567890";

struct RfcVector {
    std::int64_t time;
    const char* code;  // 8 digits
};
constexpr RfcVector kRfcSha1[] = {
    {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
    {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
};

class Totp : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(stoa::crypto::init().ok()) << "libsodium init failed"; }
};

std::string code_or_fail(const std::string& secret, std::int64_t t, unsigned digits = totp::kDigits) {
    auto c = totp::code_at(secret, t, digits);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error());
    return c.ok() ? c.value() : std::string();
}

TEST_F(Totp, MatchesRfc6238Sha1VectorsWithEightDigits) {
    for (const auto& v : kRfcSha1)
        EXPECT_EQ(code_or_fail(kRfcSecret, v.time, 8), v.code) << "RFC 6238 vector at T=" << v.time;
}

TEST_F(Totp, SixDigitCodesAreTheLastSixDigitsOfTheRfcVectors) {
    for (const auto& v : kRfcSha1) {
        std::string expected = std::string(v.code).substr(2);
        EXPECT_EQ(code_or_fail(kRfcSecret, v.time), expected) << "6-digit code at T=" << v.time;
        auto step = totp::matching_step(kRfcSecret, expected, v.time);
        ASSERT_TRUE(step.has_value()) << "the RFC code is refused at its own time T=" << v.time;
        EXPECT_EQ(*step, v.time / 30) << "matched the wrong step at T=" << v.time;
    }
}

TEST_F(Totp, AcceptsTheNeighbouringStepsButNotFurther) {
    const std::int64_t t = 1234567890;  // the first second of step 41152263
    const std::int64_t step = totp::step_at(t);
    const std::string code = code_or_fail(kRfcSecret, t);
    EXPECT_EQ(totp::matching_step(kRfcSecret, code, t - 30), step) << "a code of the next step (clock ahead) refused";
    EXPECT_EQ(totp::matching_step(kRfcSecret, code, t + 30), step) << "a code of the previous step refused";
    EXPECT_FALSE(totp::matching_step(kRfcSecret, code, t + 60).has_value()) << "a code two steps old accepted";
    EXPECT_FALSE(totp::matching_step(kRfcSecret, code, t - 60).has_value()) << "a code two steps ahead accepted";
}

// The replay guard (one conditional UPDATE of users.totp_last_step, see
// two_factor.cpp; exercised by test_two_factor.py) refuses a step that is not
// later than the last one used. That only works if a code names the same step
// wherever in its window it arrives, and every step a different one.
TEST_F(Totp, ACodeNamesOneStepWhereverInItsWindowItArrives) {
    const std::int64_t t = 1111111111;
    const std::int64_t step = totp::step_at(t);
    const std::string code = code_or_fail(kRfcSecret, t);
    for (std::int64_t at : {t, t - 30, t + 29, t + 30}) {
        auto s = totp::matching_step(kRfcSecret, code, at);
        ASSERT_TRUE(s.has_value()) << "code refused at T=" << at;
        EXPECT_EQ(*s, step) << "a replay at T=" << at << " names another step, so the guard would let it through";
    }
    const std::string previous = code_or_fail(kRfcSecret, t - 30);
    ASSERT_NE(previous, code);
    EXPECT_EQ(totp::matching_step(kRfcSecret, previous, t), step - 1)
        << "the previous step's code must name its own (older) step";
}

TEST_F(Totp, RefusesWrongAndMalformedCodes) {
    const std::int64_t t = 2000000000;
    const std::string good = code_or_fail(kRfcSecret, t);
    std::string wrong = good;
    wrong[5] = wrong[5] == '9' ? '0' : static_cast<char>(wrong[5] + 1);
    EXPECT_FALSE(totp::matching_step(kRfcSecret, wrong, t).has_value()) << "a wrong code accepted: " << wrong;
    for (const char* bad : {"", "12345", "1234567", "12a456", " 12345", "９４２８７０"}) {
        EXPECT_FALSE(totp::well_formed(bad)) << "well_formed(" << bad << ")";
        EXPECT_FALSE(totp::matching_step(kRfcSecret, bad, t).has_value()) << "malformed code accepted: " << bad;
    }
    EXPECT_FALSE(totp::matching_step(kRfcSecret, "69279037", t).has_value()) << "an 8-digit code accepted";
    EXPECT_FALSE(totp::matching_step("another secret 12345", good, t).has_value())
        << "a code of another secret accepted";
}

TEST_F(Totp, Base32RoundTripsAndReadsWhatPeopleType) {
    EXPECT_EQ(totp::base32_encode("foobar"), "MZXW6YTBOI") << "RFC 4648 vector, padding dropped";
    EXPECT_EQ(totp::base32_encode(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    for (const char* text : {"MZXW6YTBOI", "MZXW6YTBOI======", "mzxw6ytboi", "MZXW 6YTB OI"}) {
        auto raw = totp::base32_decode(text);
        ASSERT_TRUE(raw.ok()) << text << ": " << raw.error();
        EXPECT_EQ(raw.value(), "foobar") << "decoding " << text;
    }
    for (int i = 0; i < 20; ++i) {
        std::string secret = totp::new_secret();
        auto back = totp::base32_decode(totp::base32_encode(secret));
        ASSERT_TRUE(back.ok()) << back.error();
        EXPECT_EQ(back.value(), secret) << "base32 round trip changed the secret";
    }
    EXPECT_FALSE(totp::base32_decode("MZXW6YTB0I").ok()) << "'0' is not base32";
    EXPECT_FALSE(totp::base32_decode("!!!!!!!!").ok());
}

TEST_F(Totp, NewSecretsHave160RandomBits) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        std::string s = totp::new_secret();
        EXPECT_EQ(s.size(), 20u);
        seen.insert(s);
    }
    EXPECT_EQ(seen.size(), 50u) << "new_secret repeated itself";
}

TEST_F(Totp, OtpauthUriNamesIssuerAccountAndParameters) {
    EXPECT_EQ(totp::otpauth_uri("Stoa", "alice_1", "GEZDGNBV"),
              "otpauth://totp/Stoa:alice_1?secret=GEZDGNBV&issuer=Stoa&algorithm=SHA1&digits=6&period=30");
    EXPECT_EQ(totp::otpauth_uri("My Site", "a:b&c", "X"),
              "otpauth://totp/My%20Site:a%3Ab%26c?secret=X&issuer=My%20Site&algorithm=SHA1&digits=6&period=30")
        << "label and parameters must be percent-encoded";
}

TEST(QrSvg, DrawsAStandaloneSvgWithQuietZone) {
    auto svg = stoa::auth::qr_svg("otpauth://totp/Stoa:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Stoa");
    ASSERT_TRUE(svg.ok()) << svg.error();
    const std::string& s = svg.value();
    EXPECT_NE(s.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos) << s.substr(0, 200);
    // Version n has 17 + 4n modules; plus 4 quiet modules per side.
    auto vb = s.find("viewBox=\"0 0 ");
    ASSERT_NE(vb, std::string::npos) << "no viewBox";
    int size = std::stoi(s.substr(vb + 13));
    EXPECT_EQ((size - 8 - 17) % 4, 0) << "viewBox size " << size << " is not a QR size plus the quiet zone";
    EXPECT_NE(s.find("<path fill=\"#000\" d=\"M"), std::string::npos) << "no dark modules";
    EXPECT_NE(s.find("</svg>"), std::string::npos);
    EXPECT_FALSE(stoa::auth::qr_svg(std::string(8000, 'x')).ok()) << "text too long for any QR version accepted";
}

}  // namespace
