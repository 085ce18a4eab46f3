#include <gtest/gtest.h>

#include "http/pipeline.h"
#include "http/problem.h"
#include "json/json.h"

using stoa::Json;

TEST(Json, BuildsAndDumpsCompactObjects) {
    Json o = Json::object();
    o.set("a", 1).set("b", "x").set("c", true).set("d", Json::null());
    EXPECT_EQ(o.dump(), R"({"a":1,"b":"x","c":true,"d":null})");
}

TEST(Json, ParseRefusesDuplicateKeysAndTrailingData) {
    EXPECT_FALSE(Json::parse(R"({"a":1,"a":2})").ok());
    EXPECT_FALSE(Json::parse(R"({} x)").ok());
    EXPECT_TRUE(Json::parse(R"({"a":[1,2,{"b":null}]})").ok());
}

TEST(Json, ParseRefusesInvalidUtf8) {
    EXPECT_FALSE(Json::parse("{\"a\":\"\xff\"}").ok());
}

TEST(Json, StringReplacesInvalidUtf8InsteadOfThrowing) {
    Json s = Json::string("ab\xff");
    EXPECT_EQ(s.dump(), "\"ab\xEF\xBF\xBD\"");
}

TEST(Json, EscapesScriptInStrings) {
    Json o = Json::object();
    o.set("x", "</script>\"\n");
    EXPECT_EQ(o.dump(), R"({"x":"</script>\"\n"})");
}

TEST(Problem, RendersProblemJsonWithFieldErrors) {
    stoa::http::Problem p = stoa::http::Problem::validation();
    p.field("password", "too_short", "at least 8 characters");
    auto res = stoa::http::problem_response(p, "rid123");
    EXPECT_EQ(res.status(), 422);
    EXPECT_EQ(res.content_type(), "application/problem+json");
    auto parsed = Json::parse(res.body());
    ASSERT_TRUE(parsed.ok());
    json_t* root = parsed->get();
    EXPECT_STREQ(json_string_value(json_object_get(root, "code")), "validation_failed");
    EXPECT_STREQ(json_string_value(json_object_get(root, "title")), "Validation failed");
    EXPECT_STREQ(json_string_value(json_object_get(root, "request_id")), "rid123");
    json_t* e0 = json_array_get(json_object_get(root, "errors"), 0);
    EXPECT_STREQ(json_string_value(json_object_get(e0, "field")), "password");
    EXPECT_STREQ(json_string_value(json_object_get(e0, "code")), "too_short");
}

TEST(Problem, ValidationCollectsEveryError) {
    stoa::http::Validation v;
    v.add("a", "x", "m");
    v.add("b", "y", "n");
    try {
        v.throw_if_any();
        FAIL() << "expected a Problem";
    } catch (const stoa::http::Problem& p) {
        EXPECT_EQ(p.errors().size(), 2u);
    }
}

TEST(Json, AppendStringWritesWhatDumpWrites) {
    for (std::string_view s : {std::string_view(""), std::string_view("https://example.org/a?b=c&d=%20"),
                               std::string_view("q\"uote\\back"), std::string_view("tab\there\nnl\x01\x7f"),
                               std::string_view("caf\xC3\xA9 \xE2\x82\xAC"), std::string_view("bad \xff utf8"),
                               std::string_view("nul\0byte", 8)}) {
        std::string out = "x";
        Json::append_string(out, s);
        EXPECT_EQ(out, "x" + Json::string(s).dump()) << s;
    }
}
