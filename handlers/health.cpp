// Liveness (/health, no I/O) and readiness (/ready: database round trip,
// schema up to date, file store writable).
#include <fcntl.h>
#include <unistd.h>

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

std::string check_storage(const App& app) {
    // Writable: create and remove a probe file in the local store.
    std::string probe = app.config.storage_local_dir + "/.ready-" + std::to_string(getpid());
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        log::warn("ready_storage", Json::object().set("error", "local store not writable"));
        return "unavailable";
    }
    ::close(fd);
    ::unlink(probe.c_str());
    return "ok";
}

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
