// /api/v1/admin: user management and the audit log (role admin). Every
// action is itself logged with the admin as actor.
#include "app.h"
#include "auth/account_erasure.h"
#include "auth/audit.h"
#include "auth/last_admin.h"
#include "auth/session_store.h"
#include "auth/user_record.h"
#include "db/sql_text.h"
#include "handlers/routes.h"
#include "http/fields.h"
#include "http/pagination.h"
#include "http/problem.h"

namespace stoa::handlers {
namespace {

using http::Problem;
using http::Response;

#define STOA_ADMIN_USER_FILTER                                                        \
    "WHERE ($1::text IS NULL OR lower(u.username) LIKE $1 OR lower(u.email) LIKE $1) " \
    "  AND ($2::text IS NULL OR u.role = $2) "                                       \
    "  AND ($3::boolean IS NULL OR (coalesce(u.locked_until > now(), false)) = $3) "
constexpr db::Query kListUsers{"admin_list_users", "SELECT " STOA_USER_COLUMNS " FROM users u " STOA_ADMIN_USER_FILTER
                                                   "ORDER BY u.created_at DESC, u.id DESC LIMIT $4 OFFSET $5"};
constexpr db::Query kCountUsers{"admin_count_users", "SELECT count(*) FROM users u " STOA_ADMIN_USER_FILTER};
constexpr db::Query kRecentLog{
    "admin_recent_log",
    "SELECT id, event, detail::text, ip, user_agent, " STOA_SQL_TS("created_at") ", actor_id "
    "FROM account_logs WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20"};
constexpr db::Query kUnlock{"admin_unlock",
                            "UPDATE users SET locked_until = NULL, failed_logins = 0, updated_at = now() WHERE id = $1"};
constexpr db::Query kForceReset{
    "admin_force_reset", "UPDATE users SET password_change_required = true, updated_at = now() WHERE id = $1"};

constexpr db::Query kUpdateUser{
    "admin_update_user",
    "UPDATE users u SET role = coalesce($2, CASE WHEN $3::boolean AND u.role = 'guest' THEN 'user' ELSE u.role END), "
    " email_verified_at = CASE WHEN $3::boolean IS NULL THEN u.email_verified_at "
    "                          WHEN $3 THEN coalesce(u.email_verified_at, now()) ELSE NULL END, "
    " updated_at = now() WHERE u.id = $1 RETURNING " STOA_USER_COLUMNS};
#define STOA_ADMIN_LOG_FILTER                                                                 \
    "WHERE ($1::bigint IS NULL OR user_id = $1) AND ($2::text IS NULL OR event = $2) " \
    "  AND ($3::timestamptz IS NULL OR created_at >= $3) "
constexpr db::Query kLogs{"admin_logs",
                          "SELECT id, event, detail::text, ip, user_agent, " STOA_SQL_TS("created_at")
                          ", actor_id, user_id FROM account_logs " STOA_ADMIN_LOG_FILTER
                          "ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"};
constexpr db::Query kCountLogs{"admin_count_logs", "SELECT count(*) FROM account_logs " STOA_ADMIN_LOG_FILTER};

Json admin_user_json(const auth::UserRecord& u) {
    Json j = auth::user_json(u);
    j.set("locked", u.locked_seconds_left.has_value())
        .set("locked_seconds_left", u.locked_seconds_left ? Json::integer(*u.locked_seconds_left) : Json::null())
        .set("failed_logins", u.failed_logins)
        .set("password_change_required", u.password_change_required);
    return j;
}

Json log_json(const db::PgResult& r, int i) {
    Json item = auth::log_entry_json(r, i);
    item.set("actor_id", r.is_null(i, 6) ? Json::null() : Json::integer(r.int64(i, 6)));
    return item;
}

auth::UserRecord target(RequestContext& ctx) {
    auto u = auth::find_user_by_id(ctx.app.db, ctx.req.int_param("id"));
    if (!u) throw Problem::not_found("no such user");
    return *u;
}

// Call first in the transaction of a change to an account: locks the
// admins' rows and refuses a caller who stopped being an admin (or was
// deleted) while the request waited for the lock.
void lock_admins(RequestContext& ctx) {
    if (!auth::is_admin_locked(ctx.app.db, ctx.caller().id)) throw Problem::forbidden("you are no longer an admin");
}

void refuse_last_admin(RequestContext& ctx, const auth::UserRecord& u, const char* action) {
    if (auth::is_last_admin(ctx.app.db, u.id))
        throw Problem::conflict("conflict", std::string("cannot ") + action + " the last admin");
}

// "2026-11-23" or "2026-11-23T17:00:00Z" / "+01:00", fractions allowed;
// PostgreSQL then checks the calendar.
bool looks_like_rfc3339(const std::string& s) {
    if (s.size() < 10 || s.size() > 35) return false;
    for (std::size_t i = 0; i < 10; ++i) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    if (s.size() == 10) return true;
    if (s[10] != 'T' && s[10] != 't') return false;
    if (s.find_first_not_of("0123456789:.+-TtZz", 10) != std::string::npos) return false;
    // A time needs its offset: without one PostgreSQL would guess the zone.
    char last = s.back();
    bool zulu = last == 'Z' || last == 'z';
    bool offset = s.size() >= 16 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-') && s[s.size() - 3] == ':';
    return zulu || offset;
}

std::string like_pattern(const std::string& q) {
    std::string out = "%";
    for (char c : q) {
        if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    out.push_back('%');
    return out;
}

Response list_users(RequestContext& ctx) {
    auto page = http::read_page(ctx.req);
    std::optional<std::string> pattern;
    if (auto q = ctx.req.query("q"); q && !q->empty()) {
        if (q->size() > 200) throw Problem::bad_request("q: at most 200 characters");
        pattern = like_pattern(*q);
    }
    std::optional<std::string> role = ctx.req.query("role"), locked = ctx.req.query("locked");
    if (role && !http::parse_role(*role)) throw Problem::bad_request("role: one of guest, user, moderator, admin");
    std::optional<bool> locked_flag;
    if (locked) {
        if (*locked == "true") locked_flag = true;
        else if (*locked == "false") locked_flag = false;
        else throw Problem::bad_request("locked: true or false");
    }
    auto r = ctx.app.db.exec(kListUsers, pattern, role, locked_flag, page.per_page, page.offset());
    auto total = ctx.app.db.exec(kCountUsers, pattern, role, locked_flag).int64(0, 0);
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) items.push(admin_user_json(auth::read_user(r, i)));
    return Response::json(200, http::page_json(std::move(items), page, total));
}

Response get_user(RequestContext& ctx) {
    auto u = target(ctx);
    Json j = admin_user_json(u);
    Json log = Json::array();
    auto r = ctx.app.db.exec(kRecentLog, u.id);
    for (int i = 0; i < r.rows(); ++i) log.push(log_json(r, i));
    j.set("recent_log", std::move(log));
    Json body = Json::object();
    body.set("user", std::move(j));
    return Response::json(200, body);
}

Response unlock(RequestContext& ctx) {
    auto u = target(ctx);
    ctx.app.db.exec(kUnlock, u.id);
    auth::record_event(ctx, u.id, "unlock", Json(), ctx.caller().id);
    return Response::no_content();
}

Response force_password_reset(RequestContext& ctx) {
    auto u = target(ctx);
    db::Transaction tx(ctx.app.db);
    ctx.app.db.exec(kForceReset, u.id);
    auth::revoke_user_sessions(ctx.app.db, u.id, "", "forced_password_reset");
    auth::record_event(ctx, u.id, "force_password_reset", Json(), ctx.caller().id);
    tx.commit();
    return Response::no_content();
}

Response update_user(RequestContext& ctx) {
    auto f = http::Fields::from_json(ctx.req.json_body());
    auto role = f.string("role");
    auto verified = f.boolean("email_verified");
    if (role && !http::parse_role(*role))
        throw Problem::validation().field("role", "invalid", "role: one of guest, user, moderator, admin");
    if (!role && !verified) throw Problem::validation().field("role", "required", "send role and/or email_verified");
    db::Transaction tx(ctx.app.db);
    lock_admins(ctx);
    auto u = target(ctx);  // read after the lock: the current role
    if (role && *role != "admin") refuse_last_admin(ctx, u, "demote");
    auto r = ctx.app.db.exec(kUpdateUser, u.id, role, verified);
    auto updated = auth::read_user(r, 0);
    if (updated.role != u.role)
        auth::record_event(ctx, u.id, "role_change", Json::object().set("from", u.role).set("to", updated.role),
                           ctx.caller().id);
    if (updated.email_verified != u.email_verified)
        auth::record_event(ctx, u.id, "email_verified_change", Json::object().set("email_verified", updated.email_verified),
                           ctx.caller().id);
    tx.commit();
    Json body = Json::object();
    body.set("user", admin_user_json(updated));
    return Response::json(200, body);
}

Response delete_user(RequestContext& ctx) {
    db::Transaction tx(ctx.app.db);
    lock_admins(ctx);
    auto u = target(ctx);
    refuse_last_admin(ctx, u, "delete");
    auth::erase_account(ctx, u.id, ctx.caller().id);
    tx.commit();
    return Response::no_content();
}

Response list_logs(RequestContext& ctx) {
    auto page = http::read_page(ctx.req);
    std::optional<std::int64_t> user_id;
    if (auto v = ctx.req.query("user_id")) {
        if (v->empty() || v->size() > 18 || v->find_first_not_of("0123456789") != std::string::npos)
            throw Problem::bad_request("user_id: a user id");
        user_id = std::stoll(*v);
    }
    auto event = ctx.req.query("event");
    if (event && (event->empty() || event->size() > 64)) throw Problem::bad_request("event: 1 to 64 characters");
    auto since = ctx.req.query("since");
    if (since && !looks_like_rfc3339(*since))
        throw Problem::bad_request("since: an RFC 3339 time like 2026-11-23T17:00:00Z");
    db::PgResult r;
    std::int64_t total = 0;
    try {
        r = ctx.app.db.exec(kLogs, user_id, event, since, page.per_page, page.offset());
        total = ctx.app.db.exec(kCountLogs, user_id, event, since).int64(0, 0);
    } catch (const db::DbError& e) {
        if (e.sqlstate().starts_with("22")) throw Problem::bad_request("since: not a valid time");
        throw;
    }
    Json items = Json::array();
    for (int i = 0; i < r.rows(); ++i) {
        Json item = log_json(r, i);
        item.set("user_id", r.is_null(i, 7) ? Json::null() : Json::integer(r.int64(i, 7)));
        items.push(std::move(item));
    }
    return Response::json(200, http::page_json(std::move(items), page, total));
}

}  // namespace

void register_admin_routes(http::Router& r) {
    const auto admin = http::needs(http::Role::admin);
    r.get("/api/v1/admin/users", list_users, admin);
    r.get("/api/v1/admin/users/{id:int}", get_user, admin);
    r.post("/api/v1/admin/users/{id:int}/unlock", unlock, admin);
    r.post("/api/v1/admin/users/{id:int}/force-password-reset", force_password_reset, admin);
    r.patch("/api/v1/admin/users/{id:int}", update_user, admin);
    r.del("/api/v1/admin/users/{id:int}", delete_user, admin);
    r.get("/api/v1/admin/logs", list_logs, admin);
}

}  // namespace stoa::handlers
