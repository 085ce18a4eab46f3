// Unit tests for src/community/atom_feed.*, unsubscribe_link.* and the
// community mail templates.
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

#include "community/atom_feed.h"
#include "community/unsubscribe_link.h"
#include "mail/community_templates.h"
#include "mail/message.h"

namespace {

using namespace stoa::community;

TEST(AtomFeed, EscapesMarkupAndCharactersXmlCannotCarry) {
    EXPECT_EQ(xml_escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    EXPECT_EQ(xml_escape("a\x01"
                         "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(xml_escape("\xEF\xBF\xBF"), "\xEF\xBF\xBD") << "U+FFFF is not an XML character";
    EXPECT_EQ(xml_escape("\xFF"), "\xEF\xBF\xBD");
    EXPECT_EQ(xml_escape("line\n\ttab \xC3\xA9"), "line\n\ttab \xC3\xA9");
}

TEST(AtomFeed, EntryBodyIsTextContentNeverMarkup) {
    Feed f;
    f.id = "tag:x,2024:c";
    f.title = "T";
    f.self_url = "https://x/feed.atom?url=a&b";
    f.updated = "2026-01-01T00:00:00Z";
    f.entries.push_back({"tag:x,2024:1", "Comment by ann", "ann", "<script>alert(1)</script>", "2026-01-01T00:00:00Z",
                         "2026-01-01T00:00:00Z", std::string("https://x/p?a=1&b=2#comment-1")});
    std::string xml = render_atom(f);
    EXPECT_EQ(xml.find("<script>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<content type=\"text\">&lt;script&gt;alert(1)&lt;/script&gt;</content>"), std::string::npos);
    EXPECT_NE(xml.find("href=\"https://x/p?a=1&amp;b=2#comment-1\""), std::string::npos) << xml;
    EXPECT_NE(xml.find("<feed xmlns=\"http://www.w3.org/2005/Atom\">"), std::string::npos);
}

class UnsubscribeLink : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_GE(sodium_init(), 0); }
    const std::string secret = "0123456789abcdefghijklmnopqrstuvwxyzABCD";
};

TEST_F(UnsubscribeLink, RoundTripsPurposeAndId) {
    for (auto p : {UnsubscribePurpose::replies, UnsubscribePurpose::subscription, UnsubscribePurpose::moderation}) {
        auto token = sign_unsubscribe(secret, {p, 12345});
        auto g = verify_unsubscribe(secret, token);
        ASSERT_TRUE(g.has_value()) << token;
        EXPECT_EQ(g->purpose, p);
        EXPECT_EQ(g->id, 12345);
    }
}

TEST_F(UnsubscribeLink, RefusesTamperingOtherKeysAndOtherPurposes) {
    auto token = sign_unsubscribe(secret, {UnsubscribePurpose::replies, 7});
    EXPECT_FALSE(verify_unsubscribe(secret + "x", token).has_value()) << "another secret";
    std::string other_id = token;
    other_id[2] = '8';
    EXPECT_FALSE(verify_unsubscribe(secret, other_id).has_value()) << "another id, same MAC";
    std::string other_purpose = token;
    other_purpose[0] = 's';
    EXPECT_FALSE(verify_unsubscribe(secret, other_purpose).has_value()) << "another purpose, same MAC";
    EXPECT_FALSE(verify_unsubscribe(secret, "").has_value());
    EXPECT_FALSE(verify_unsubscribe(secret, "r.7").has_value());
    EXPECT_FALSE(verify_unsubscribe(secret, token.substr(0, token.size() - 1)).has_value());
}

TEST(CommunityMail, CarriesOneClickUnsubscribeHeadersAndLink) {
    stoa::Config c;
    c.public_base_url = "https://site.example";
    stoa::mail::CommentNotice n{"ann@example.org",
                                "ann",
                                "bob",
                                "https://site.example/post",
                                "https://site.example/post#comment-3",
                                "hi\n-- \nfake signature",
                                "https://site.example/auth/unsubscribe?token=r.1.abc"};
    for (const auto& m :
         {stoa::mail::reply_mail(c, n), stoa::mail::new_comment_mail(c, n), stoa::mail::moderation_mail(c, n, 3)}) {
        ASSERT_EQ(m.headers.size(), 2U);
        EXPECT_EQ(m.headers[0].first, "List-Unsubscribe");
        EXPECT_EQ(m.headers[0].second, "<https://site.example/auth/unsubscribe?token=r.1.abc>");
        EXPECT_EQ(m.headers[1].second, "List-Unsubscribe=One-Click");
        for (const auto& [name, value] : m.headers) EXPECT_TRUE(stoa::mail::check_extra_header(name, value).ok());
        EXPECT_NE(m.text.find("\nhttps://site.example/auth/unsubscribe?token=r.1.abc\n"), std::string::npos) << m.text;
        EXPECT_NE(m.text.find("  > -- "), std::string::npos) << "the comment is quoted: " << m.text;
    }
}

TEST(CommunityMail, ExcerptCutsAtCharacters) {
    EXPECT_EQ(stoa::mail::excerpt("abc", 3), "abc");
    EXPECT_EQ(stoa::mail::excerpt("\xC3\xA9\xC3\xA9\xC3\xA9", 2), "\xC3\xA9\xC3\xA9 [...]");
}

}  // namespace
