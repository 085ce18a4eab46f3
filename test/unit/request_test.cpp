#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/problem.h"
#include "http/request.h"

using stoa::http::Params;
using stoa::http::Problem;
using stoa::http::Request;
using stoa::http::StringBody;

namespace {

// Holds FastCGI-style "NAME=VALUE" strings and the NULL-terminated array.
struct Env {
    explicit Env(std::vector<std::string> vars) : storage(std::move(vars)) {
        for (auto& s : storage) pointers.push_back(s.c_str());
        pointers.push_back(nullptr);
    }
    Params params() const { return Params(pointers.data()); }
    std::vector<std::string> storage;
    std::vector<const char*> pointers;
};

}  // namespace

TEST(Request, ParsesMethodPathQueryAndClient) {
    Env env({"REQUEST_METHOD=GET", "REQUEST_URI=/api/v1/x?q=a%20b&q=c", "QUERY_STRING=q=a%20b&q=c",
             "REMOTE_ADDR=203.0.113.7", "REQUEST_ID=0123456789abcdef0123456789abcdef"});
    StringBody body("");
    Request req(env.params(), body);
    EXPECT_EQ(req.method(), "GET");
    EXPECT_EQ(req.path(), "/api/v1/x");
    EXPECT_EQ(req.query("q").value_or("<none>"), "a b");
    EXPECT_EQ(req.query_all("q").size(), 2u);
    EXPECT_FALSE(req.query("missing").has_value());
    EXPECT_EQ(req.client_ip(), "203.0.113.7");
    EXPECT_EQ(req.request_id(), "0123456789abcdef0123456789abcdef");
}

TEST(Request, GeneratesRequestIdWhenNginxSentNoneOrGarbage) {
    Env env({"REQUEST_METHOD=GET", "REQUEST_URI=/", "REQUEST_ID=<script>"});
    StringBody body("");
    Request req(env.params(), body);
    EXPECT_EQ(req.request_id().size(), 32u);
    EXPECT_NE(req.request_id(), "<script>");
}

TEST(Request, ReadsHeadersCaseInsensitively) {
    Env env({"REQUEST_METHOD=GET", "REQUEST_URI=/", "HTTP_AUTHORIZATION=Bearer abc", "HTTP_X_CSRF_TOKEN=t"});
    StringBody body("");
    Request req(env.params(), body);
    EXPECT_EQ(req.header("authorization").value_or(""), "Bearer abc");
    EXPECT_EQ(req.header("X-CSRF-Token").value_or(""), "t");
    EXPECT_FALSE(req.header("Origin").has_value());
}

TEST(Request, ParsesCookiesWithCgicc) {
    Env env({"REQUEST_METHOD=POST", "REQUEST_URI=/", "HTTP_COOKIE=stoa_access=abc.def; stoa_csrf=xyz"});
    StringBody body("");
    Request req(env.params(), body);
    EXPECT_EQ(req.cookie("stoa_access").value_or(""), "abc.def");
    EXPECT_EQ(req.cookie("stoa_csrf").value_or(""), "xyz");
    EXPECT_FALSE(req.cookie("stoa_refresh").has_value());
}

TEST(Request, JsonBodyParsesObject) {
    std::string text = R"({"a":1})";
    Env env({"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_TYPE=application/json; charset=utf-8",
             "CONTENT_LENGTH=" + std::to_string(text.size())});
    StringBody body(text);
    Request req(env.params(), body);
    const auto& j = req.json_body();
    EXPECT_EQ(json_integer_value(json_object_get(j.get(), "a")), 1);
}

TEST(Request, JsonBodyRefusesWrongContentTypeWith415) {
    Env env({"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=2"});
    StringBody body("{}");
    Request req(env.params(), body);
    try {
        req.json_body();
        FAIL() << "expected a 415";
    } catch (const Problem& p) {
        EXPECT_EQ(p.status(), 415);
        EXPECT_EQ(p.code(), "unsupported_media_type");
    }
}

TEST(Request, JsonBodyRefusesMalformedJsonWith400) {
    for (std::string text : {"{", "[1,2]", "{\"a\":1} trailing", "{\"a\":1,\"a\":2}", "\"just a string\""}) {
        Env env({"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_TYPE=application/json",
                 "CONTENT_LENGTH=" + std::to_string(text.size())});
        StringBody body(text);
        Request req(env.params(), body);
        try {
            req.json_body();
            FAIL() << "expected a 400 for " << text;
        } catch (const Problem& p) {
            EXPECT_EQ(p.status(), 400) << text;
            EXPECT_EQ(p.code(), "bad_request") << text;
        }
    }
}

TEST(Request, BodyOverLimitIs413ByContentLength) {
    Env env({"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_TYPE=application/json", "CONTENT_LENGTH=70000"});
    StringBody body(std::string(10, 'x'));
    Request req(env.params(), body);
    try {
        req.body();
        FAIL() << "expected a 413";
    } catch (const Problem& p) {
        EXPECT_EQ(p.status(), 413);
    }
}

TEST(Request, BodyOverLimitIs413WhileReadingWhenLengthLies) {
    Env env({"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_TYPE=application/json", "CONTENT_LENGTH=10"});
    StringBody body(std::string(100, 'x'));
    Request req(env.params(), body);
    req.set_body_limit(50);
    EXPECT_THROW(req.body(), Problem);
}

TEST(Request, MalformedContentLengthIs400) {
    Env env({"REQUEST_METHOD=POST", "REQUEST_URI=/", "CONTENT_LENGTH=12abc"});
    StringBody body("");
    EXPECT_THROW(Request(env.params(), body), Problem);
}

TEST(Request, FormBodyParsesUrlencodedFields) {
    std::string text = "login=alice%40example.org&password=p%26ss+word";
    Env env({"REQUEST_METHOD=POST", "REQUEST_URI=/auth/login", "CONTENT_TYPE=application/x-www-form-urlencoded",
             "CONTENT_LENGTH=" + std::to_string(text.size())});
    StringBody body(text);
    Request req(env.params(), body);
    auto form = req.form_body();
    EXPECT_EQ(form.at("login"), "alice@example.org");
    EXPECT_EQ(form.at("password"), "p&ss word");
}

TEST(Request, MediaTypeStripsParametersAndCase) {
    EXPECT_EQ(stoa::http::media_type("Application/JSON; charset=UTF-8"), "application/json");
    EXPECT_EQ(stoa::http::media_type(""), "");
}
