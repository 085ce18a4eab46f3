// Test-only routes, compiled in only with -DSTOA_TEST_ROUTES=ON (the test
// build): they let the integration tests prove the worker survives a handler
// that throws, and exercise body parsing without any feature's rules.
#include <stdexcept>

#include "app.h"
#include "handlers/routes.h"

namespace stoa::handlers {
namespace {

http::Response throws(RequestContext&) {
    throw std::runtime_error("deliberate failure from the test route (SELECT secret FROM /etc/passwd)");
}

http::Response echo_json(RequestContext& ctx) {
    const Json& body = ctx.req.json_body();
    Json out = Json::object();
    out.set("received", Json::borrow(body.get()));
    return http::Response::json(200, out);
}

http::Response echo_form(RequestContext& ctx) {
    Json fields = Json::object();
    for (const auto& [k, v] : ctx.req.form_body()) fields.set(k.c_str(), v);
    Json out = Json::object();
    out.set("fields", std::move(fields));
    return http::Response::json(200, out);
}

http::Response echo_request(RequestContext& ctx) {
    Json out = Json::object();
    out.set("method", ctx.req.method())
        .set("path", ctx.req.path())
        .set("client_ip", ctx.req.client_ip())
        .set("id", ctx.req.param("id"))
        .set("cookie", Json::optional_string(ctx.req.cookie("probe")))
        .set("q", Json::optional_string(ctx.req.query("q")));
    return http::Response::json(200, out);
}

// Three statements in one round trip (with the caller's deferred per-IP hit
// in front when anonymous); ?divisor=0 makes the middle one fail.
constexpr db::Query kPipelineFirst{"test_pipeline_first", "SELECT 1"};
constexpr db::Query kPipelineDivide{"test_pipeline_divide", "SELECT 6 / $1::int"};
constexpr db::Query kPipelineLast{"test_pipeline_last", "SELECT 3"};

http::Response pipeline(RequestContext& ctx) {
    std::string divisor(ctx.req.query("divisor").value_or("1"));
    auto results = ctx.app.db.exec_all({{&kPipelineFirst, {}}, {&kPipelineDivide, {divisor}}, {&kPipelineLast, {}}});
    Json values = Json::array();
    for (const auto& r : results) values.push(Json::integer(r.int64(0, 0)));
    Json out = Json::object();
    out.set("values", std::move(values));
    return http::Response::json(200, out);
}

}  // namespace

void register_test_routes(http::Router& r) {
    r.get("/api/v1/_test/throw", throws);
    r.post("/api/v1/_test/echo", echo_json);
    r.post("/api/v1/_test/form", echo_form);
    r.get("/api/v1/_test/request/{id:int}", echo_request);
    r.get("/api/v1/_test/pipeline", pipeline);
}

}  // namespace stoa::handlers
