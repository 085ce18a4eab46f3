// /api/v1/account: profile fields, data export, account log, deletion.
#include <sodium.h>

#include "app.h"
#include "auth/account_erasure.h"
#include "auth/audit.h"
#include "auth/last_admin.h"
#include "auth/password_policy.h"
#include "auth/rate_limiter.h"
#include "auth/user_record.h"
#include "community/community_export.h"
#include "db/sql_text.h"
#include "handlers/auth_flows.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/pagination.h"
#include "http/problem.h"
#include "projects/project_store.h"
#include "util/text.h"
#include "util/time.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

// An admin's action on the account is logged with the admin's address; the
// account's owner sees the event but not where the admin was.
#define STOA_OWN_ADDRESS                                                              \
    "CASE WHEN actor_id IS NULL OR actor_id = user_id THEN ip ELSE '' END, "           \
    "CASE WHEN actor_id IS NULL OR actor_id = user_id THEN user_agent ELSE '' END"

constexpr db::Query kUpdateProfile{
    "account_update_profile",
    "UPDATE users u SET first_name = coalesce($2, u.first_name), last_name = coalesce($3, u.last_name), "
    " bio = coalesce($4, u.bio), website = coalesce($5, u.website), updated_at = now() "
    "WHERE u.id = $1 RETURNING " STOA_USER_COLUMNS};
constexpr db::Query kProfileExtras{"account_profile_extras",
                                   "SELECT bio, website, " STOA_SQL_TS("email_verified_at") ", " STOA_SQL_TS("updated_at")
                                   " FROM users WHERE id = $1"};
constexpr db::Query kExportSessions{
    "account_export_sessions",
    "SELECT id, " STOA_SQL_TS("created_at") ", " STOA_SQL_TS("last_used_at") ", ip, user_agent, " STOA_SQL_TS("revoked_at")
    " FROM sessions WHERE user_id = $1 ORDER BY created_at"};
constexpr db::Query kExportLogs{
    "account_export_logs",
    "SELECT id, event, detail::text, " STOA_OWN_ADDRESS ", " STOA_SQL_TS("created_at")
    " FROM account_logs WHERE user_id = $1 ORDER BY created_at, id"};
constexpr db::Query kCountLogs{"account_count_logs", "SELECT count(*) FROM account_logs WHERE user_id = $1"};
constexpr db::Query kPageLogs{
    "account_page_logs",
    "SELECT id, event, detail::text, " STOA_OWN_ADDRESS ", " STOA_SQL_TS("created_at")
    " FROM account_logs WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"};

void check_text(http::Validation& v, const char* field, const std::optional<std::string>& value, std::size_t max,
                bool multiline) {
    if (!value) return;
    if (!auth::valid_utf8(*value)) {
        v.add(field, "invalid", "must be valid UTF-8 text");
        return;
    }
    if (utf8_length(*value) > max) v.add(field, "too_long", "at most " + std::to_string(max) + " characters");
    for (char ch : *value) {
        auto c = static_cast<unsigned char>(ch);
        bool allowed_space = multiline && (c == '\n' || c == '\t' || c == '\r');
        if ((c < 0x20 && !allowed_space) || c == 0x7f) {
            v.add(field, "invalid", multiline ? "must not contain control characters other than newlines and tabs"
                                              : "must not contain control characters");
            break;
        }
    }
}

void check_website(http::Validation& v, const std::optional<std::string>& value) {
    if (!value || value->empty()) return;
    bool scheme = value->starts_with("https://") || value->starts_with("http://");
    std::size_t host_start = value->find("://") + 3;
    bool host = scheme && value->size() > host_start && (*value)[host_start] != '/';
    bool clean = value->find_first_of(" \t\r\n<>\"") == std::string::npos;
    if (!scheme || !host || !clean || value->size() > 500)
        v.add("website", "invalid", "website: an http:// or https:// address, at most 500 characters");
}

Response update_account(RequestContext& ctx) {
    auto f = http::Fields::from_json(ctx.req.json_body());
    auto first = f.string("first_name"), last = f.string("last_name"), bio = f.string("bio"), web = f.string("website");
    http::Validation v;
    check_text(v, "first_name", first, 100, false);
    check_text(v, "last_name", last, 100, false);
    check_text(v, "bio", bio, 2000, true);
    check_website(v, web);
    v.throw_if_any();
    auto r = ctx.app.db.exec(kUpdateProfile, ctx.caller().id, first, last, bio, web);
    if (r.empty()) throw Problem(401, "token_invalid", "the account no longer exists");
    auth::record_event(ctx, ctx.caller().id, "profile_updated");
    // Exactly the User object of API.md; bio and website show on the public
    // profile and in the export.
    Json body = Json::object();
    body.set("user", auth::user_json(auth::read_user(r, 0)));
    return Response::json(200, body);
}

Response export_account(RequestContext& ctx) {
    std::int64_t id = ctx.caller().id;
    auto user = auth::find_user_by_id(ctx.app.db, id);
    if (!user) throw Problem(401, "token_invalid", "the account no longer exists");
    Json profile = auth::user_json(*user);
    auto extras = ctx.app.db.exec(kProfileExtras, id);
    profile.set("bio", extras.str(0, 0))
        .set("website", extras.str(0, 1))
        .set("email_verified_at", Json::optional_string(extras.opt_str(0, 2)))
        .set("updated_at", extras.str(0, 3));

    Json sessions = Json::array();
    auto s = ctx.app.db.exec(kExportSessions, id);
    for (int i = 0; i < s.rows(); ++i) {
        Json item = Json::object();
        item.set("id", s.str(i, 0))
            .set("created_at", s.str(i, 1))
            .set("last_used_at", s.str(i, 2))
            .set("ip", s.str(i, 3))
            .set("user_agent", s.str(i, 4))
            .set("revoked_at", Json::optional_string(s.opt_str(i, 5)));
        sessions.push(std::move(item));
    }
    Json logs = Json::array();
    auto l = ctx.app.db.exec(kExportLogs, id);
    for (int i = 0; i < l.rows(); ++i) logs.push(auth::log_entry_json(l, i));

    Json body = Json::object();
    body.set("exported_at", rfc3339(unix_now()))
        .set("profile", std::move(profile))
        .set("sessions", std::move(sessions))
        .set("logs", std::move(logs))
        .set("likes", community::export_likes(ctx.app.db, id))
        .set("comments", community::export_comments(ctx.app.db, id))
        .set("comment_subscriptions", community::export_subscriptions(ctx.app.db, id))
        .set("projects", projects::export_projects(ctx.app.db, id))
        .set("files", projects::export_files(ctx.app.db, id));
    Response res = Response::json(200, body);
    res.header("Content-Disposition", "attachment; filename=\"stoa-export-" + user->username + ".json\"");
    return res;
}

Response account_logs(RequestContext& ctx) {
    auto page = http::read_page(ctx.req);
    auto total = ctx.app.db.exec(kCountLogs, ctx.caller().id).int64(0, 0);
    auto r = ctx.app.db.exec(kPageLogs, ctx.caller().id, page.per_page, page.offset());
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(auth::log_entry_json(r, i));
    return Response::json(200, http::page_json(std::move(items), page, total));
}

Response delete_account(RequestContext& ctx) {
    auto password = http::Fields::from_json(ctx.req.json_body()).string("password");
    if (!password || password->empty()) throw Problem::validation().field("password", "required", "password is required");
    auto user = auth::find_user_by_id(ctx.app.db, ctx.caller().id);
    if (!user) throw Problem(401, "token_invalid", "the account no longer exists");
    auth::enforce_rate_limit(ctx, "login_account", "reauth:user:" + std::to_string(user->id));
    bool ok = ctx.app.hasher.verify(user->password_hash, *password);
    sodium_memzero(password->data(), password->size());
    if (!ok) throw Problem(401, "invalid_credentials", "the password is wrong");
    db::Transaction tx(ctx.app.db);
    if (auth::is_last_admin(ctx.app.db, user->id))
        throw Problem::conflict("conflict", "the last admin cannot delete their account; promote another admin first");
    auth::erase_account(ctx, user->id, std::nullopt);
    tx.commit();
    Response res = Response::no_content();
    clear_session_cookies(ctx, res);
    return res;
}

}  // namespace

void register_account_routes(http::Router& r) {
    using http::Role;
    r.patch("/api/v1/account", update_account, http::needs(Role::guest));
    r.del("/api/v1/account", delete_account, http::needs(Role::guest));
    r.get("/api/v1/account/export", export_account, http::needs(Role::guest));
    r.get("/api/v1/account/logs", account_logs, http::needs(Role::guest));
}

}  // namespace stoa::handlers
