#include <gtest/gtest.h>

#include "app.h"
#include "http/router.h"

using stoa::http::Response;
using stoa::http::Router;

namespace {

Response ok(stoa::RequestContext&) { return {200, "text/plain", "ok"}; }

Router sample() {
    Router r;
    r.get("/health", ok);
    r.get("/api/v1/comments", ok);
    r.post("/api/v1/comments", ok);
    r.patch("/api/v1/comments/{id:int}", ok);
    r.del("/api/v1/comments/{id:int}", ok);
    r.get("/api/v1/comments/feed.atom", ok);
    r.get("/api/v1/users/{username}", ok);
    r.get("/api/v1/projects/{id:int}/steps/{step_id:int}", ok);
    return r;
}

}  // namespace

TEST(Router, MatchesLiteralPath) {
    Router r = sample();
    auto m = r.match("GET", "/health");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/health");
}

TEST(Router, ExtractsTypedParameters) {
    Router r = sample();
    auto m = r.match("GET", "/api/v1/projects/12/steps/345");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("id"), "12");
    EXPECT_EQ(m.params.at("step_id"), "345");
}

TEST(Router, IntParameterRefusesNonDigits) {
    Router r = sample();
    EXPECT_EQ(r.match("PATCH", "/api/v1/comments/abc").route, nullptr);
    EXPECT_EQ(r.match("PATCH", "/api/v1/comments/-1").route, nullptr);
    EXPECT_EQ(r.match("PATCH", "/api/v1/comments/0012").route, nullptr) << "leading zeros are not canonical ids";
    EXPECT_EQ(r.match("PATCH", "/api/v1/comments/1234567890123456789").route, nullptr) << "must fit an int64";
}

TEST(Router, LiteralSegmentBeatsIntParameter) {
    Router r = sample();
    auto m = r.match("GET", "/api/v1/comments/feed.atom");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.route->pattern, "/api/v1/comments/feed.atom");
}

TEST(Router, StringParameterTakesOneSegment) {
    Router r = sample();
    auto m = r.match("GET", "/api/v1/users/alice");
    ASSERT_NE(m.route, nullptr);
    EXPECT_EQ(m.params.at("username"), "alice");
    EXPECT_EQ(r.match("GET", "/api/v1/users/alice/extra").route, nullptr);
    EXPECT_EQ(r.match("GET", "/api/v1/users/").route, nullptr);
}

TEST(Router, WrongMethodListsAllowedMethods) {
    Router r = sample();
    auto m = r.match("PUT", "/api/v1/comments");
    EXPECT_EQ(m.route, nullptr);
    ASSERT_EQ(m.allowed.size(), 3u);
    EXPECT_EQ(m.allowed[0], "GET");
    EXPECT_EQ(m.allowed[1], "HEAD");
    EXPECT_EQ(m.allowed[2], "POST");
}

TEST(Router, UnknownPathHasNoAllowedMethods) {
    Router r = sample();
    auto m = r.match("GET", "/api/v1/nothing");
    EXPECT_EQ(m.route, nullptr);
    EXPECT_TRUE(m.allowed.empty());
}

TEST(Router, HeadIsServedByGet) {
    Router r = sample();
    EXPECT_NE(r.match("HEAD", "/health").route, nullptr);
}

TEST(Router, TrailingSlashIsADifferentPath) {
    Router r = sample();
    EXPECT_EQ(r.match("GET", "/health/").route, nullptr);
}

TEST(Router, RefusesMalformedPatterns) {
    Router r;
    EXPECT_THROW(r.get("health", ok), std::invalid_argument);
    EXPECT_THROW(r.get("/x/{id:uuid}", ok), std::invalid_argument);
}
