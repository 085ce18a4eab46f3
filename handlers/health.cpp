// Liveness (/health, no I/O) and readiness (/ready: database round trip,
// schema up to date, file store writable).
#include "app.h"
#include "db/migrations.h"
#include "handlers/routes.h"
#include "http/problem.h"
#include "log/log.h"

namespace stoa::handlers {
namespace {

constexpr db::Query kSchemaVersion{"health_schema_version", "SELECT coalesce(max(name), '') FROM schema_version"};

http::Response health(RequestContext&) {
    static const std::string kBody = R"({"status":"ok"})";
    return {200, "application/json", kBody};
}

// "ok", or what is wrong, without leaking detail to the client.
std::string check_database(App& app) {
    try {
        auto r = app.db.exec(kSchemaVersion);
        if (r.str(0, 0) < db::latest_migration_name()) return "migrations_pending";
        return "ok";
    } catch (const db::DbUnavailable& e) {
        log::warn("ready_database", Json::object().set("error", e.what()));
        return "unavailable";
    } catch (const db::DbError& e) {
        log::warn("ready_database", Json::object().set("error", e.what()));
        return e.sqlstate() == "42P01" ? "migrations_pending" : "error";
    }
}

// "ok"; "degraded" while the share is down and the local fallback takes
// the writes (still ready); "unavailable" when nothing takes writes.
std::string check_storage(App& app) { return storage::health_name(app.files.health()); }

http::Response ready(RequestContext& ctx) {
    std::string database = check_database(ctx.app);
    std::string storage = check_storage(ctx.app);
    bool ok = database == "ok" && (storage == "ok" || storage == "degraded");
    Json checks = Json::object();
    checks.set("database", database).set("storage", storage);
    if (!ok) {
        throw http::Problem::unavailable("not ready: database " + database + ", storage " + storage)
            .extension("checks", checks);
    }
    Json body = Json::object();
    body.set("status", "ok").set("checks", std::move(checks));
    return http::Response::json(200, body);
}

}  // namespace

void register_health_routes(http::Router& r) {
    r.get("/health", health, http::unlimited());
    r.get("/ready", ready, http::unlimited());
}

}  // namespace stoa::handlers
