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

// Json::dump writes what jansson's json_dumps writes, byte for byte.
TEST(Json, DumpMatchesJanssonByteForByte) {
    std::string every_byte;  // every control character, quotes, slashes, DEL
    for (int c = 1; c < 0x80; ++c) every_byte.push_back(static_cast<char>(c));
    Json innermost = Json::array();
    innermost.push(Json::array());
    Json inner = Json::object();
    inner.set("k", std::move(innermost));
    Json deep = Json::array();
    deep.push(std::move(inner));
    Json nested = Json::object();
    nested.set("deep", std::move(deep));
    Json ints = Json::array();
    for (std::int64_t v : {std::int64_t{0}, std::int64_t{-1}, INT64_MAX, INT64_MIN}) ints.push(Json::integer(v));
    Json reals = Json::array();
    for (double v : {0.1, -2.0, 1e300}) reals.push(Json::number(v));
    Json literals = Json::array();
    literals.push(Json::boolean(true)).push(Json::boolean(false)).push(Json::null());
    Json doc = Json::object();
    doc.set("empty", "")
        .set("ascii", every_byte)
        .set("nul", Json::string(std::string_view("a\0b", 3)))
        .set("utf8", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF")
        .set("script", "</script><script>alert(1)</script>")
        .set("ints", std::move(ints))
        .set("reals", std::move(reals))
        .set("literals", std::move(literals))
        .set("empty_object", Json::object())
        .set("empty_array", Json::array())
        .set("nested", std::move(nested))
        .set("quo\"te\nkey\x01", "value")
        .set("\xC3\xA9", "non-ASCII key");
    EXPECT_EQ(doc.dump(), doc.dump_with_jansson());
    EXPECT_EQ(Json::string("x\ty").dump(), Json::string("x\ty").dump_with_jansson());
    EXPECT_EQ(Json::integer(42).dump(), "42");
    EXPECT_EQ(Json::number(3.5).dump(), Json::number(3.5).dump_with_jansson());
    EXPECT_EQ(Json::null().dump(), "null");
    EXPECT_EQ(Json::boolean(true).dump(), "true");
    // Key order is insertion order, as jansson keeps it.
    Json ordered = Json::object();
    for (const char* k : {"zeta", "alpha", "mid", "beta"}) ordered.set(k, k);
    EXPECT_EQ(ordered.dump(), R"({"zeta":"zeta","alpha":"alpha","mid":"mid","beta":"beta"})");
    EXPECT_EQ(ordered.dump(), ordered.dump_with_jansson());
    // A parsed document (request bodies and stored JSON take this path).
    auto parsed = Json::parse(R"({"a":[1,2.5,"\u0001\u001f\ud83d\ude00",{"b":null}],"c":"\/"})");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->dump(), parsed->dump_with_jansson());
}

TEST(Json, AppendUtf8StringWritesWhatDumpWritesForValidText) {
    std::string controls;
    for (int c = 1; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
    for (std::string_view s : {std::string_view(""), std::string_view("plain"), std::string_view("q\"uote\\back/"),
                               std::string_view(controls), std::string_view("caf\xC3\xA9 \xF0\x9F\x98\x80\x7f")}) {
        std::string out = "x";
        Json::append_utf8_string(out, s);
        EXPECT_EQ(out, "x" + Json::string(s).dump_with_jansson()) << s;
    }
}
