#include "auth/password_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using stoa::auth::check_password;
using stoa::auth::is_common_password;

// Identity that none of the passwords below contain.
constexpr std::string_view kUser = "marguerite";
constexpr std::string_view kEmail = "m.dupont@example.org";

std::vector<std::string> codes(std::string_view password, std::string_view username = kUser,
                               std::string_view email = kEmail) {
    std::vector<std::string> out;
    for (const auto& v : check_password(password, username, email)) out.push_back(v.code);
    return out;
}

using Codes = std::vector<std::string>;

std::string repeat(std::string_view piece, std::size_t times) {
    std::string out;
    for (std::size_t i = 0; i < times; ++i) out += piece;
    return out;
}

TEST(PasswordPolicy, GoodPasswordBreaksNoRule) {
    EXPECT_EQ(codes("Vk7#pLq2zR"), Codes{}) << "a random mixed password must pass";
}

TEST(PasswordPolicy, EachRuleInIsolation) {
    EXPECT_EQ(codes("Vk7#pLq"), Codes{"too_short"});
    EXPECT_EQ(codes("Vk7#pLq2" + std::string(121, 'x')), Codes{"too_long"});
    EXPECT_EQ(codes("vk7#plq2zr"), Codes{"missing_upper"});
    EXPECT_EQ(codes("VK7#PLQ2ZR"), Codes{"missing_lower"});
    EXPECT_EQ(codes("Vkx#pLqazR"), Codes{"missing_digit"});
    EXPECT_EQ(codes("Vk7xpLq2zR"), Codes{"missing_symbol"});
    EXPECT_EQ(codes("Vk7#Marguerite"), Codes{"contains_identity"});
    EXPECT_EQ(codes("P@ssw0rd"), Codes{"too_common"}) << "listed exactly (any case)";
}

TEST(PasswordPolicy, ListsEveryBrokenRuleInOrder) {
    EXPECT_EQ(codes("qwerty", "qwerty", "someone@example.org"),
              (Codes{"too_short", "missing_upper", "missing_digit", "missing_symbol",
                     "contains_identity", "too_common"}));
    EXPECT_EQ(codes(""),
              (Codes{"too_short", "missing_upper", "missing_lower", "missing_digit",
                     "missing_symbol"}));
    EXPECT_EQ(codes(std::string(129, ' ')),
              (Codes{"too_long", "missing_upper", "missing_lower", "missing_digit",
                     "missing_symbol"}));
}

TEST(PasswordPolicy, EveryViolationHasAMessage) {
    for (const auto& v : check_password("qwerty", "qwerty", "qwerty@example.org")) {
        EXPECT_FALSE(v.message.empty()) << v.code << " has no message";
    }
}

TEST(PasswordPolicy, LengthCountsCodePointsNotBytes) {
    // A b 1 ! é € U+1D11E ü: 8 code points in 15 bytes.
    const std::string eight = "Ab1!\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E\xC3\xBC";
    ASSERT_EQ(eight.size(), 15u);
    EXPECT_EQ(codes(eight), Codes{}) << "8 code points is long enough";
    EXPECT_EQ(codes(eight.substr(0, eight.size() - 2)), Codes{"too_short"})
        << "7 code points in 13 bytes is too short";

    const std::string at_max = "Ab1!" + repeat("\xC3\xA9", 124);  // 128 code points, 252 bytes
    EXPECT_EQ(codes(at_max), Codes{});
    EXPECT_EQ(codes(at_max + "\xC3\xA9"), Codes{"too_long"});

    EXPECT_EQ(codes("Ab1!" + std::string(124, 'q')), Codes{}) << "128 ASCII characters";
    EXPECT_EQ(codes("Ab1!" + std::string(125, 'q')), Codes{"too_long"});
}

TEST(PasswordPolicy, SymbolsAreAnythingButAsciiLettersDigitsAndSpace) {
    EXPECT_EQ(codes("Kqzw 1234"), Codes{"missing_symbol"}) << "a space is not a symbol";
    EXPECT_EQ(codes("Kqzw\xC2\xA0" "1234"), Codes{"missing_symbol"}) << "nor is U+00A0";
    EXPECT_EQ(codes("Kqzw\xC3\xA9" "1234"), Codes{}) << "a non-ASCII letter counts as a symbol";
    EXPECT_EQ(codes("\xC3\x89" "KQZ\xC3\xA9" "1234"), Codes{"missing_lower"})
        << "non-ASCII letters are neither upper nor lower case";
}

TEST(PasswordPolicy, IdentityMatchesUsernameIgnoringCase) {
    EXPECT_EQ(codes("Kq9#ALiCe!z", "alice", "a.b@example.org"), Codes{"contains_identity"});
    EXPECT_EQ(codes("Kq9#alice!z", "ALICE", "a.b@example.org"), Codes{"contains_identity"});
    EXPECT_EQ(codes("Zk9.mop_XX", "zk9.mop_xx", "a.b@example.org"), Codes{"contains_identity"})
        << "equal to the username";
}

TEST(PasswordPolicy, IdentityMatchesEmailLocalPartIgnoringCase) {
    EXPECT_EQ(codes("Zz1!BOB.marleyQ", "someone", "Bob.Marley@example.org"),
              Codes{"contains_identity"});
    EXPECT_EQ(codes("Zz1!Carolyn#7", "someone", "carolyn+news@example.org"),
              Codes{"contains_identity"})
        << "the part before a +tag counts too";
}

TEST(PasswordPolicy, IdentityIgnoresShortPartsAndTheDomain) {
    EXPECT_EQ(codes("Vk7#alLq2z", "al", "al@example.org"), Codes{})
        << "parts shorter than 3 characters are ignored";
    EXPECT_EQ(codes("Bigcorp#2024z", "someone", "x.y@bigcorp.com"), Codes{})
        << "the domain is not identity";
    EXPECT_EQ(codes("Vk7#pLq2zR", "", ""), Codes{});
}

TEST(CommonPasswords, ListHasAtLeastTenThousandEntries) {
    EXPECT_GE(stoa::auth::common_password_count(), 10000u);
}

TEST(CommonPasswords, EmbeddedListIsLowerCaseSortedAndUnique) {
    const std::string_view blob(stoa::auth::kCommonPasswords, stoa::auth::kCommonPasswordsSize);
    ASSERT_FALSE(blob.empty());
    ASSERT_EQ(blob.back(), '\n');
    std::string_view previous;
    std::size_t lines = 0;
    for (std::size_t start = 0; start < blob.size();) {
        const std::size_t end = blob.find('\n', start);
        const std::string_view line = blob.substr(start, end - start);
        ASSERT_FALSE(line.empty()) << "empty line after " << previous;
        for (const char c : line) {
            ASSERT_FALSE(c >= 'A' && c <= 'Z') << line;
        }
        if (lines > 0) {
            ASSERT_LT(previous, line) << "not sorted or not unique";
        }
        previous = line;
        ++lines;
        start = end + 1;
    }
    EXPECT_EQ(lines, stoa::auth::common_password_count());
}

TEST(CommonPasswords, FamousPasswordsRejectedInAnyCase) {
    for (const std::string_view famous : {"password", "PASSWORD", "PassWord", "123456", "qwerty",
                                          "QWERTY", "qWeRtY", "letmein", "LetMeIn", "LETMEIN"}) {
        EXPECT_TRUE(is_common_password(famous)) << famous;
        const auto got = codes(famous, "", "");
        EXPECT_EQ(got.empty() ? "" : got.back(), "too_common") << famous;
    }
}

TEST(CommonPasswords, ListedPasswordsWithSymbolsAreCommonWhenListedExactly) {
    for (const std::string_view listed : {"P@ssw0rd", "p@ssw0rd", "Password123"}) {
        EXPECT_TRUE(is_common_password(listed)) << listed;
    }
}

TEST(CommonPasswords, UnlistedVariantsAreNotCommon) {
    EXPECT_FALSE(is_common_password("Password123!")) << "the rule is exact membership in the shipped list";
    EXPECT_FALSE(is_common_password("Monkey8392017!#"));
}

TEST(CommonPasswords, StrongerVariantsAreNotCommon) {
    EXPECT_FALSE(is_common_password("Monkey8392017!#"))
        << "more than 6 added digits/symbols is not the listed password any more";
    EXPECT_FALSE(is_common_password("?Ace#!7%")) << "'ace' is listed but shorter than 4";
    EXPECT_FALSE(is_common_password("Correct-Horse-Battery-9"));
    EXPECT_FALSE(is_common_password("Vk7#pLq2zR"));
    EXPECT_FALSE(is_common_password(""));
    EXPECT_FALSE(is_common_password(std::string(100000, 'a')));
}

TEST(Utf8, ValidUtf8AcceptsWellFormedText) {
    EXPECT_TRUE(stoa::auth::valid_utf8(""));
    EXPECT_TRUE(stoa::auth::valid_utf8("plain ASCII"));
    EXPECT_TRUE(stoa::auth::valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E\xF4\x8F\xBF\xBF"));
}

TEST(Utf8, ValidUtf8RejectsMalformedText) {
    for (const std::string_view bad : {
             std::string_view("\xC3"),                  // truncated
             std::string_view("\x80"),                  // lone continuation byte
             std::string_view("\xC0\xAF"),              // overlong '/'
             std::string_view("\xE0\x80\xAF"),          // overlong, 3 bytes
             std::string_view("\xED\xA0\x80"),          // surrogate U+D800
             std::string_view("\xF4\x90\x80\x80"),      // above U+10FFFF
             std::string_view("\xFF"),                  // never valid
             std::string_view("ok\xE2\x82" "x"),        // bad continuation
         }) {
        EXPECT_FALSE(stoa::auth::valid_utf8(bad)) << testing::PrintToString(std::string(bad));
    }
}

TEST(PasswordPolicy, InvalidBytesCountAsOneSymbolEach) {
    EXPECT_EQ(codes("Kqzwvx1\xFF"), Codes{}) << "8 code points, the invalid byte a symbol";
}

}  // namespace
