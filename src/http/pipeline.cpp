#include "http/pipeline.h"

#include <exception>

#include <algorithm>

#include "auth/authenticator.h"
#include "db/errors.h"
#include "http/cors.h"
#include "http/problem.h"
#include "log/log.h"
#include "util/time.h"

namespace stoa::http {
namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        if (!out.empty()) out += ", ";
        out += i;
    }
    return out;
}

void add_rate_headers(const RequestContext& ctx, Response& res) {
    if (!ctx.rate || res.status() == 429) return;
    res.header("RateLimit-Limit", std::to_string(ctx.rate->limit));
    res.header("RateLimit-Remaining", std::to_string(ctx.rate->remaining));
    res.header("RateLimit-Reset", std::to_string(ctx.rate->reset));
}

Response route(App& app, Request& req) {
    if (req.method() == "OPTIONS") {
        RouteMatch any = app.router.match("GET", req.path());
        std::vector<std::string> methods = any.allowed;
        if (any.route != nullptr) methods = {"GET", "HEAD"};
        for (const char* m : {"POST", "PUT", "PATCH", "DELETE"}) {
            RouteMatch x = app.router.match(m, req.path());
            if (x.route != nullptr && std::find(methods.begin(), methods.end(), m) == methods.end()) methods.emplace_back(m);
        }
        if (methods.empty()) throw Problem::not_found("no resource at " + req.path());
        return preflight(app.config, req, methods);
    }
    RouteMatch m = app.router.match(req.method(), req.path());
    if (m.route == nullptr) {
        if (!m.allowed.empty()) {
            throw Problem(405, "method_not_allowed", req.method() + " is not allowed here; allowed: " + join(m.allowed))
                .header("Allow", join(m.allowed));
        }
        throw Problem::not_found("no resource at " + req.path());
    }
    req.set_route_pattern(m.route->pattern);
    req.set_route_params(std::move(m.params));
    req.set_body_limit(m.route->options.max_body);
    const RouteOptions& options = m.route->options;
    RequestContext ctx{app, req};
    // A rate-limit hit deferred by admit() lives no longer than the request.
    struct DropDeferred {
        db::Connection& db;
        ~DropDeferred() { db.drop_deferred(); }
    } drop{app.db};
    try {
        auth::admit(ctx, options);
        Response res = m.route->handler(ctx);
        app.db.flush_deferred();  // its 429 replaces the answer
        add_rate_headers(ctx, res);
        return res;
    } catch (Problem& p) {
        app.db.flush_deferred();  // its 429 wins over the handler's refusal, as if counted first
        if (ctx.rate && p.status() != 429) {
            p.header("RateLimit-Limit", std::to_string(ctx.rate->limit))
                .header("RateLimit-Remaining", std::to_string(ctx.rate->remaining))
                .header("RateLimit-Reset", std::to_string(ctx.rate->reset));
        }
        throw;
    }
}

}  // namespace

Response problem_response(const Problem& p, const std::string& request_id) {
    Json body = p.extensions_json().empty() ? Json::object() : std::move(Json::parse(p.extensions_json())).value();
    body.set("status", p.status())
        .set("code", p.code())
        .set("title", problem_title(p.status(), p.code()));
    if (!p.detail().empty()) body.set("detail", p.detail());
    if (!p.errors().empty()) {
        Json errors = Json::array();
        for (const auto& e : p.errors()) {
            Json item = Json::object();
            item.set("field", e.field).set("code", e.code).set("message", e.message);
            errors.push(std::move(item));
        }
        body.set("errors", std::move(errors));
    }
    body.set("request_id", request_id);
    Response r(p.status(), "application/problem+json", body.dump());
    for (const auto& [k, v] : p.headers()) r.header(k, v);
    return r;
}

Response handle(App& app, Request& req) {
    Response res;
    try {
        res = route(app, req);
    } catch (const Problem& p) {
        if (p.status() >= 500 || !p.log_detail().empty()) {
            log::write(p.status() >= 500 ? log::Level::warn : log::Level::info, "problem",
                       Json::object().set("code", p.code()).set("detail", p.log_detail().empty() ? p.detail() : p.log_detail()));
        }
        res = problem_response(p, req.request_id());
    } catch (const db::DbUnavailable& e) {
        log::error("database_unavailable", Json::object().set("error", e.what()));
        res = problem_response(Problem::unavailable("the database is unavailable; try again shortly").header("Retry-After", "5"),
                               req.request_id());
    } catch (const db::DbError& e) {
        // Deadlock or serialisation failure: transient, the client may retry.
        bool transient = e.sqlstate().starts_with("40");
        log::error(transient ? "database_conflict" : "unhandled_exception",
                   Json::object().set("error", e.what()).set("sqlstate", e.sqlstate()).set("path", req.path()));
        res = problem_response(transient ? Problem::unavailable("a concurrent change got in the way; try again")
                                               .header("Retry-After", "1")
                                         : Problem(500, "internal",
                                                   "an internal error occurred; quote the request id when reporting it"),
                               req.request_id());
    } catch (const std::exception& e) {
        log::error("unhandled_exception", Json::object().set("error", e.what()).set("path", req.path()));
        res = problem_response(Problem(500, "internal", "an internal error occurred; quote the request id when reporting it"),
                               req.request_id());
    } catch (...) {
        log::error("unhandled_exception", Json::object().set("error", "non-standard exception").set("path", req.path()));
        res = problem_response(Problem(500, "internal", "an internal error occurred; quote the request id when reporting it"),
                               req.request_id());
    }
    apply_cors(app.config, req, res);
    res.header("X-Request-Id", req.request_id());
    bool has_cache_control = false;
    for (const auto& h : res.headers()) has_cache_control |= h.first == "Cache-Control";
    // API answers are personal unless a handler says otherwise.
    if (!has_cache_control) res.header("Cache-Control", "no-store");
    return res;
}

}  // namespace stoa::http
