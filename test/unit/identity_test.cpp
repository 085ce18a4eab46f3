#include <gtest/gtest.h>

#include "auth/identity.h"
#include "handlers/routes.h"
#include "http/cookies.h"

using stoa::auth::normalize_email;
using stoa::auth::normalize_username;

TEST(Identity, UsernamesFoldCaseAndCompatibilityForms) {
    EXPECT_EQ(normalize_username("Alice").value_or("<none>"), "alice");
    EXPECT_EQ(normalize_username("\xEF\xBD\x81lice").value_or("<none>"), "alice") << "full-width a";
    EXPECT_EQ(normalize_username("a.b_c-9").value_or("<none>"), "a.b_c-9");
}

TEST(Identity, UsernamesOutsideTheAlphabetAreRefused) {
    for (const char* bad : {"ab", "a b c", "alice!", "ålice", "", "abcdefghijklmnopqrstuvwxyz0123456", "al\xff"})
        EXPECT_FALSE(normalize_username(bad).has_value()) << bad;
}

TEST(Identity, EmailsAreLowerCasedAndChecked) {
    EXPECT_EQ(normalize_email("Alice@Example.ORG").value_or("<none>"), "alice@example.org");
    for (const char* bad : {"alice", "alice@", "@example.org", "a@b", "a b@example.org", "a@@example.org",
                            "a@example..org", "a@-example.org", ".a@example.org", "a<b>@example.org",
                            "a@example.org\n"})
        EXPECT_FALSE(normalize_email(bad).has_value()) << bad;
}

TEST(ReturnTo, AcceptsSameOriginPaths) {
    EXPECT_EQ(stoa::handlers::safe_return_to(std::string("/blog/post.html?x=1#c")).value_or(""), "/blog/post.html?x=1#c");
}

TEST(ReturnTo, RefusesOpenRedirectTricks) {
    for (const char* bad : {"//evil.example", "/\\evil.example", "https://evil.example", "https:evil.example",
                            "/%2F%2Fevil.example", "/%2f/evil", "/%5Cevil", "\\/\\/evil", "evil.example",
                            "/\tevil", "/a\nb", "javascript:alert(1)", "", " /x"})
        EXPECT_FALSE(stoa::handlers::safe_return_to(std::string(bad)).has_value()) << bad;
}

TEST(Cookies, SessionCookieCarriesEveryAttribute) {
    std::string c = stoa::http::set_cookie({"stoa_refresh", "abc", "/api/v1/auth", 3600, true, true});
    EXPECT_EQ(c, "stoa_refresh=abc; Path=/api/v1/auth; Max-Age=3600; HttpOnly; Secure; SameSite=Lax");
}

TEST(Cookies, ClearingCookieExpiresIt) {
    std::string c = stoa::http::set_cookie({"stoa_csrf", "", "/", 0, false, false});
    EXPECT_NE(c.find("Max-Age=0"), std::string::npos);
    EXPECT_EQ(c.find("HttpOnly"), std::string::npos);
    EXPECT_EQ(c.find("Secure"), std::string::npos);
}
