// /api/v1/comments/feed.atom[?url=]: Atom 1.0 of the latest approved
// comments of one page, or of the whole site. Public and the same for
// everyone: cacheable, with an ETag.
#include "app.h"
#include "community/atom_feed.h"
#include "community/page_url.h"
#include "community/target.h"
#include "crypto/token.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/problem.h"
#include "util/text.h"
#include "util/time.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

constexpr int kFeedEntries = 50;
constexpr const char* kEmptyFeedUpdated = "1970-01-01T00:00:00Z";

#define STOA_FEED_COLUMNS \
    "SELECT c.id, u.username, c.body, " STOA_SQL_TS("c.created_at") ", " STOA_SQL_TS(                          \
        "coalesce(c.edited_at, c.created_at)") ", t.url, extract(epoch FROM coalesce(c.edited_at, c.created_at))::bigint "
constexpr db::Query kPageFeed{
    "feed_page", STOA_FEED_COLUMNS
    "FROM community_targets t "
    "JOIN comments c ON c.target_id = t.id AND c.status = 'approved' AND c.deleted_at IS NULL "
    "LEFT JOIN users u ON u.id = c.author_id "
    "WHERE t.url = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2"};
constexpr db::Query kSiteFeed{
    "feed_site", STOA_FEED_COLUMNS
    "FROM comments c JOIN community_targets t ON t.id = c.target_id "
    "LEFT JOIN users u ON u.id = c.author_id "
    "WHERE c.status = 'approved' AND c.deleted_at IS NULL ORDER BY c.created_at DESC, c.id DESC LIMIT $1"};

// The host of PUBLIC_BASE_URL, for tag: URIs (RFC 4151).
std::string authority_host(const Config& config) {
    std::string_view base = config.public_base_url;
    auto start = base.find("://");
    if (start == std::string_view::npos) return "localhost";
    base.remove_prefix(start + 3);
    return std::string(base.substr(0, base.find_first_of(":/")));
}

bool etag_matches(std::string_view if_none_match, const std::string& etag) {
    if (if_none_match == "*") return true;
    std::size_t i = 0;
    while (i < if_none_match.size()) {
        std::size_t j = std::min(if_none_match.find(',', i), if_none_match.size());
        std::string_view one = if_none_match.substr(i, j - i);
        while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
        while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
        if (one.starts_with("W/")) one.remove_prefix(2);
        if (one == etag) return true;
        i = j + 1;
    }
    return false;
}

Response feed(RequestContext& ctx) {
    const Config& config = ctx.app.config;
    community::Feed f;
    std::string tag = "tag:" + authority_host(config) + ",2024:stoa:";
    db::PgResult r;
    if (auto url = ctx.req.query("url")) {
        auto target = community::require_target({url, std::nullopt, std::nullopt}, config);
        r = ctx.app.db.exec(kPageFeed, target.url, kFeedEntries);
        f.self_url = config.public_base_url + "/api/v1/comments/feed.atom?url=" + percent_encode(target.url);
        f.id = f.self_url;
        f.title = "Comments on " + target.url;
        f.alternate_url = target.url;
    } else {
        r = ctx.app.db.exec(kSiteFeed, kFeedEntries);
        f.self_url = config.public_base_url + "/api/v1/comments/feed.atom";
        f.id = tag + "comments";
        f.title = "Latest comments" + (config.public_base_url.empty() ? "" : " on " + config.public_base_url);
        f.alternate_url = config.public_base_url + "/";
    }
    std::int64_t newest = 0;
    f.updated = kEmptyFeedUpdated;
    for (int i = 0; i < r.rows(); ++i) {
        community::FeedEntry e;
        auto author = r.opt_str(i, 1);
        e.id = tag + "comment:" + r.str(i, 0);
        e.author = author.value_or("a deleted user");
        e.title = "Comment by " + e.author;
        e.body = r.str(i, 2);
        e.published = r.str(i, 3);
        e.updated = r.str(i, 4);
        if (!r.is_null(i, 5)) e.link = r.str(i, 5) + "#comment-" + r.str(i, 0);
        if (r.int64(i, 6) > newest) {
            newest = r.int64(i, 6);
            f.updated = e.updated;
        }
        f.entries.push_back(std::move(e));
    }
    std::string xml = community::render_atom(f);
    std::string etag = "\"" + crypto::token_hash(xml).substr(0, 32) + "\"";
    bool fresh = etag_matches(ctx.req.header("If-None-Match").value_or(""), etag);
    Response res = fresh ? Response(304, "", "") : Response(200, "application/atom+xml; charset=utf-8", std::move(xml));
    res.header("ETag", etag).header("Last-Modified", imf_date(newest, "GMT")).header("Cache-Control", "public, max-age=60");
    return res;
}

}  // namespace

void register_feed_routes(http::Router& r) {
    r.get("/api/v1/comments/feed.atom", feed);
}

}  // namespace stoa::handlers
