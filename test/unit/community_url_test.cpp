// Unit tests for src/community/page_url.* and target.*: one page has one
// spelling, and only this site's pages are targets.
#include <gtest/gtest.h>

#include <string>

#include "community/page_url.h"
#include "community/target.h"

namespace {

using namespace stoa::community;

std::string norm(const std::string& url) {
    auto r = normalize_page_url(url);
    return r ? *r : "ERROR: " + r.error();
}

TEST(PageUrl, SchemeAndHostLowerCasedPathAndQueryKept) {
    EXPECT_EQ(norm("HTTPS://Site.Example/A/b?Q=X&y=Z"), "https://site.example/A/b?Q=X&y=Z");
}

TEST(PageUrl, DefaultPortsDropped) {
    EXPECT_EQ(norm("https://site.example:443/a"), "https://site.example/a");
    EXPECT_EQ(norm("http://site.example:80/a"), "http://site.example/a");
    EXPECT_EQ(norm("http://site.example:443/a"), "http://site.example:443/a");
    EXPECT_EQ(norm("https://site.example:8443/a"), "https://site.example:8443/a");
    EXPECT_EQ(norm("https://site.example:0443/a"), "https://site.example/a");
}

TEST(PageUrl, FragmentDroppedEmptyPathIsSlash) {
    EXPECT_EQ(norm("https://Site.example:443/a#x"), "https://site.example/a");
    EXPECT_EQ(norm("https://site.example"), "https://site.example/");
    EXPECT_EQ(norm("https://site.example#top"), "https://site.example/");
    EXPECT_EQ(norm("https://site.example?x=1#top"), "https://site.example/?x=1");
    EXPECT_EQ(norm("https://site.example/a?#x"), "https://site.example/a");
    EXPECT_EQ(norm("https://site.example/a?b#c?d"), "https://site.example/a?b");
}

TEST(PageUrl, Ipv6HostsKeepTheirBrackets) {
    EXPECT_EQ(norm("http://[::1]:8080/x"), "http://[::1]:8080/x");
    EXPECT_EQ(norm("https://[2001:DB8::1]/"), "https://[2001:db8::1]/");
}

TEST(PageUrl, RefusesWhatIsNotAnHttpPage) {
    for (const char* bad : {"", "/relative", "site.example/a", "ftp://site.example/", "javascript:alert(1)",
                            "https:///path", "https://user:pw@site.example/", "https://site.example:99999/",
                            "https://site.example:x/", "https://site example/", "https://site.example/a b",
                            "https://sité.example/", "https://site.example/\x01", "https://[::1/"}) {
        EXPECT_FALSE(normalize_page_url(bad).ok()) << "accepted: " << bad;
    }
    EXPECT_FALSE(normalize_page_url("https://site.example/" + std::string(2100, 'a')).ok());
}

TEST(PageUrl, OriginMustBeListed) {
    std::vector<std::string> origins{"https://site.example", "http://localhost:8080"};
    EXPECT_TRUE(is_site_origin(norm("https://SITE.example:443/x"), origins));
    EXPECT_TRUE(is_site_origin(norm("http://localhost:8080/x"), origins));
    EXPECT_FALSE(is_site_origin(norm("http://site.example/x"), origins)) << "scheme is part of the origin";
    EXPECT_FALSE(is_site_origin(norm("https://site.example.evil/x"), origins));
    EXPECT_FALSE(is_site_origin(norm("https://evil.example/https://site.example/"), origins));
    EXPECT_FALSE(is_site_origin(norm("http://localhost/x"), origins));
    // A configured origin that spells out the default port matches too.
    EXPECT_TRUE(is_site_origin(norm("https://other.example/x"), {"https://other.example:443"}));
}

stoa::Config site() {
    stoa::Config c;
    c.site_origins = {"https://site.example"};
    return c;
}

TEST(Target, ExactlyOneOfUrlAndEntity) {
    stoa::http::Validation v;
    EXPECT_FALSE(read_target({}, site(), v).has_value());
    EXPECT_FALSE(v.empty()) << "neither url nor entity";
    stoa::http::Validation both;
    EXPECT_FALSE(read_target({"https://site.example/", "comment", "1"}, site(), both).has_value());
    EXPECT_FALSE(both.empty()) << "url and entity at once";
}

TEST(Target, EntitiesNeedATypeAndAPositiveId) {
    stoa::http::Validation ok;
    auto t = read_target({std::nullopt, "comment", "42"}, site(), ok);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->kind, TargetKind::comment);
    EXPECT_EQ(t->entity_id, 42);
    for (auto [type, id] : {std::pair{"comment", "0"},
                            {"comment", "-1"},
                            {"comment", "x"},
                            {"user", "1"},
                            {"comment", "1234567890123456789"}}) {
        stoa::http::Validation v;
        EXPECT_FALSE(read_target({std::nullopt, type, id}, site(), v).has_value()) << type << " " << id;
    }
}

TEST(Target, ForeignOriginsRefused) {
    stoa::http::Validation v;
    EXPECT_FALSE(read_target({"https://evil.example/a", std::nullopt, std::nullopt}, site(), v).has_value());
    EXPECT_FALSE(v.empty());
    stoa::http::Validation ok;
    auto t = read_target({"HTTPS://Site.Example:443/a#frag", std::nullopt, std::nullopt}, site(), ok);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->url, "https://site.example/a");
}

}  // namespace
