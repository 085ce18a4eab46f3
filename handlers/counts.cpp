// /api/v1/counts: likes and comments of many pages in one call (blog index
// pages), one query for all of them: an index lookup per page, whose likes
// and approved comments triggers keep counted (migrations 007 and 009).
#include "app.h"
#include "community/page_url.h"
#include "handlers/routes.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

constexpr std::size_t kMaxUrls = 50;

constexpr db::Query kCounts{
    "counts_by_urls",
    "SELECT coalesce(t.like_count, 0), coalesce(t.comment_count, 0) "
    "FROM unnest($1::text[]) WITH ORDINALITY AS q(url, n) LEFT JOIN community_targets t ON t.url = q.url "
    "ORDER BY q.n"};

constexpr db::Query kCountsVersion{"counts_version", "SELECT version FROM counts_version"};

// A PostgreSQL array literal of text values: each quoted, " and \ escaped.
std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (const auto& v : values) {
        if (out.size() > 1) out.push_back(',');
        out.push_back('"');
        for (char c : v) {
            if (c == '"' || c == '\\') out.push_back('\\');
            out.push_back(c);
        }
        out.push_back('"');
    }
    return out + "}";
}

// The normalised page URLs of the request, or the 422 of every bad one.
std::vector<std::string> page_urls(const RequestContext& ctx, const std::vector<std::string>& given) {
    if (given.empty() || given.size() > kMaxUrls)
        throw Problem::validation().field("url", given.empty() ? "required" : "too_many",
                                          "url: 1 to 50 page URLs (repeat the parameter: ?url=...&url=...)");
    http::Validation v;
    std::vector<std::string> urls;
    for (std::size_t i = 0; i < given.size(); ++i) {
        std::string field = "url[" + std::to_string(i) + "]";
        auto url = community::normalize_page_url(given[i]);
        if (!url)
            v.add(field, "invalid", field + " " + url.error() + "; an absolute http(s) URL of a page of this site");
        else if (!community::is_site_origin(*url, ctx.app.config.site_origins))
            v.add(field, "foreign_origin",
                  field + ": the origin " + community::page_origin(*url) + " is not one of this site's origins");
        else
            urls.push_back(std::move(url).value());
    }
    v.throw_if_any();
    return urls;
}

Response counts(RequestContext& ctx) {
    // Kept per query string: the same query was checked when its answer was
    // made, and counts_version (migrations/011) says whether any changed. So
    // the query is parsed only for a new answer.
    std::vector<std::string> given;
    auto work = [&] {
        given = ctx.req.query_all("url");
        return std::vector<db::Connection::Call>{{&kCounts, {text_array(page_urls(ctx, given))}}};
    };
    auto answer = [&](const std::vector<db::PgResult>& results) {
        const db::PgResult& r = results[0];
        std::string body = "{\"items\":[";
        for (int i = 0; i < r.rows(); ++i) {
            body += i == 0 ? "{\"url\":" : ",{\"url\":";
            Json::append_string(body, given[static_cast<std::size_t>(i)]);
            body += ",\"likes\":";
            body += r.text(i, 0);  // integers as PostgreSQL writes them
            body += ",\"comments\":";
            body += r.text(i, 1);
            body += '}';
        }
        body += "]}";
        return body;
    };
    Response res(200, "application/json",
                 db::cached_answer(ctx.app.db, ctx.app.answers, "counts\n" + ctx.req.query_string(),
                                   {&kCountsVersion, {}}, work, answer));
    // The same for everyone: shared caches may keep it briefly.
    res.header("Cache-Control", "public, max-age=10");
    return res;
}

}  // namespace

void register_count_routes(http::Router& r) {
    r.get("/api/v1/counts", counts);
}

}  // namespace stoa::handlers
