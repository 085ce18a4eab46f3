// Unit tests for src/community/comment_body.*: plain-text bodies of 1 to
// 10000 characters after trimming, control characters refused.
#include <gtest/gtest.h>

#include <string>

#include "community/comment_body.h"

namespace {

using namespace stoa::community;

bool accepted(const std::string& body) {
    stoa::http::Validation v;
    check_comment_body(v, body);
    return v.empty();
}

TEST(CommentBody, LengthCountsCharactersAfterTrimming) {
    EXPECT_TRUE(accepted("a"));
    EXPECT_TRUE(accepted(std::string(10000, 'a')));
    EXPECT_FALSE(accepted(std::string(10001, 'a')));
    std::string e_acute;
    for (int i = 0; i < 10000; ++i) e_acute += "\xC3\xA9";
    EXPECT_TRUE(accepted(e_acute)) << "10000 two-byte characters";
    EXPECT_TRUE(accepted("   " + std::string(10000, 'a') + "\n\n\t ")) << "white space at the ends is not counted";
    EXPECT_FALSE(accepted(""));
    EXPECT_FALSE(accepted(" \n\t "));
    EXPECT_FALSE(accepted("\xC2\xA0\xE3\x80\x80\xE2\x80\x8B")) << "only Unicode spaces";
}

TEST(CommentBody, NewlinesAndTabsAllowedOtherControlsRefused) {
    EXPECT_TRUE(accepted("line 1\nline 2\tx"));
    for (const char* bad : {"a\rb", "a\x01", "\x1b[31mred", "a\x7f",
                            "a\xC2\x85"
                            "b",
                            "a\xC2\x9F"})
        EXPECT_FALSE(accepted(bad)) << "accepted a control character";
    EXPECT_FALSE(accepted(std::string("a\0b", 3)));
}

TEST(CommentBody, InvalidUtf8Refused) {
    EXPECT_FALSE(accepted("\xFF"));
    EXPECT_FALSE(accepted("\xC3"));
    EXPECT_FALSE(accepted("\xED\xA0\x80")) << "a surrogate";
    EXPECT_TRUE(accepted("<script>alert('x')</script> & \"quotes\" \xF0\x9F\x98\x80"));
}

TEST(CommentBody, LinksCounted) {
    EXPECT_EQ(count_links("no links here"), 0U);
    EXPECT_EQ(count_links("see https://a.example and HTTP://b.example"), 2U);
    EXPECT_EQ(count_links("https://www.a.example counts once"), 1U);
    EXPECT_EQ(count_links("www.a.example www.b.example"), 2U);
}

}  // namespace
