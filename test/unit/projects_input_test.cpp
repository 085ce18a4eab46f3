// Validation of project input: every broken rule in one 422.
#include <gtest/gtest.h>

#include "http/fields.h"
#include "http/problem.h"
#include "json/json.h"
#include "projects/project_input.h"

using namespace stoa;
using namespace stoa::projects;

namespace {

Json parse(const char* text) {
    auto j = Json::parse(text);
    EXPECT_TRUE(j) << text;
    return std::move(*j);
}

std::vector<std::string> broken_fields(const char* body, void (*read)(const http::Fields&)) {
    Json j = parse(body);
    try {
        read(http::Fields::from_json(j));
    } catch (const http::Problem& p) {
        EXPECT_EQ(p.status(), 422) << p.code();
        std::vector<std::string> out;
        for (const auto& e : p.errors()) out.push_back(e.field);
        return out;
    }
    return {};
}

}  // namespace

TEST(ProjectsInput, CreateNeedsTitleAndReportsEveryField) {
    auto fields = broken_fields(R"({"source_url":"ftp://x","status":"secret","tags":["", "ok"]})",
                                [](const http::Fields& f) { (void)read_project_input(f, Mode::create); });
    EXPECT_EQ(fields, (std::vector<std::string>{"title", "source_url", "status", "tags"}));
}

TEST(ProjectsInput, UpdateAcceptsAbsentFields) {
    Json j = parse(R"({"background":"b"})");
    auto in = read_project_input(http::Fields::from_json(j), Mode::update);
    EXPECT_FALSE(in.title);
    EXPECT_EQ(in.background.value_or(""), "b");
}

TEST(ProjectsInput, TagsAreNormalisedAndLimited) {
    Json j = parse(R"({"title":"t","tags":[" ESP32 ","esp32","Home Automation"]})");
    auto in = read_project_input(http::Fields::from_json(j), Mode::create);
    EXPECT_EQ(*in.tags, (std::vector<std::string>{"esp32", "home automation"}));
    auto fields = broken_fields(R"({"title":"t","tags":["a","b","c","d","e","f","g","h","i","j","k"]})",
                                [](const http::Fields& f) { (void)read_project_input(f, Mode::create); });
    EXPECT_EQ(fields, (std::vector<std::string>{"tags"}));
}

TEST(ProjectsInput, TitleLengthCountsCharactersNotBytes) {
    std::string title;
    for (int i = 0; i < 200; ++i) title += "\xc3\xa9";
    Json j = Json::object();
    j.set("title", title);
    EXPECT_NO_THROW((void)read_project_input(http::Fields::from_json(j), Mode::create));
}

TEST(ProjectsInput, BomRules) {
    auto fields = broken_fields(
        R"({"name":"","quantity":0,"supplier_url":"javascript:x","unit_price":"1.23456","currency":"E1R"})",
        [](const http::Fields& f) { (void)read_bom_input(f, Mode::create); });
    EXPECT_EQ(fields, (std::vector<std::string>{"name", "quantity", "supplier_url", "unit_price", "currency"}));
    EXPECT_TRUE(valid_decimal("0"));
    EXPECT_TRUE(valid_decimal("12.5"));
    EXPECT_FALSE(valid_decimal(".5"));
    EXPECT_FALSE(valid_decimal("1."));
    EXPECT_FALSE(valid_decimal("-1"));
    EXPECT_FALSE(valid_decimal("1e5"));
}

TEST(ProjectsInput, UrlsMustBeHttpWithAHost) {
    EXPECT_TRUE(valid_http_url("https://example.org/a?b#c"));
    EXPECT_TRUE(valid_http_url("http://127.0.0.1:8080"));
    EXPECT_FALSE(valid_http_url("javascript:alert(1)"));
    EXPECT_FALSE(valid_http_url("https://"));
    EXPECT_FALSE(valid_http_url("https:///path"));
    EXPECT_FALSE(valid_http_url("https://exa mple.org"));
    EXPECT_FALSE(valid_http_url("HTTPS://example.org"));
}

TEST(ProjectsInput, LinkAndToolKinds) {
    auto fields = broken_fields(R"({"kind":"podcast","title":"t","url":"https://x.example"})",
                                [](const http::Fields& f) { (void)read_link_input(f, Mode::create); });
    EXPECT_EQ(fields, (std::vector<std::string>{"kind"}));
    fields = broken_fields(R"({"name":"n","kind":"weapon"})",
                           [](const http::Fields& f) { (void)read_tool_input(f, Mode::create); });
    EXPECT_EQ(fields, (std::vector<std::string>{"kind"}));
}

TEST(ProjectsInput, ReorderNeedsEveryIdOnce) {
    EXPECT_NO_THROW(check_reorder({3, 1, 2}, {1, 2, 3}));
    EXPECT_THROW(check_reorder({1, 2}, {1, 2, 3}), http::Problem);
    EXPECT_THROW(check_reorder({1, 2, 2}, {1, 2, 3}), http::Problem);
    EXPECT_THROW(check_reorder({1, 2, 4}, {1, 2, 3}), http::Problem);
    EXPECT_THROW(check_reorder({1, 2, 3, 3}, {1, 2, 3}), http::Problem);
    EXPECT_NO_THROW(check_reorder({}, {}));
}

TEST(ProjectsInput, ComponentQueryNeedsTwoCharacters) {
    EXPECT_EQ(read_component_query("  ESP "), "esp");
    EXPECT_THROW((void)read_component_query("a"), http::Problem);
    EXPECT_THROW((void)read_component_query(std::nullopt), http::Problem);
}
