#include "db/connection.h"

#include <cstring>

#include "log/log.h"

namespace stoa::db {
namespace {

// Runs attempt(); outside a transaction, once more on a fresh connection if
// the first try found the connection dead (the server restarted while idle),
// which throws again if the server is really gone.
template <typename Attempt>
auto retried_once(bool could_retry, Attempt attempt) {
    try {
        return attempt();
    } catch (const DbUnavailable& e) {
        if (!could_retry) throw;
        log::warn("db_reconnect", Json::object().set("reason", e.what()));
        return attempt();
    }
}

bool connection_lost_state(const char* sqlstate) {
    if (sqlstate == nullptr) return false;
    // 08xxx connection exceptions, 57P0x admin/crash shutdown, cannot connect now.
    return std::strncmp(sqlstate, "08", 2) == 0 || std::strncmp(sqlstate, "57P0", 4) == 0;
}

}  // namespace

void Connection::connect() {
    prepared_.clear();
    const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
    const char* values[] = {conninfo_.c_str(), "3", "stoa", nullptr};
    conn_.reset(PQconnectdbParams(keys, values, 1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
        std::string msg = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        conn_.reset();
        throw DbUnavailable("cannot connect to the database: " + msg);
    }
    // STOA_SQL_UTC columns are read in ISO's output style, whatever the
    // server's or the database's default.
    PgResult set(PQexec(conn_.get(), "SET DateStyle = ISO"));
    if (set.get() == nullptr || PQresultStatus(set.get()) != PGRES_COMMAND_OK) {
        std::string msg = PQerrorMessage(conn_.get());
        conn_.reset();
        throw DbUnavailable("cannot set DateStyle: " + msg);
    }
}

void Connection::ensure() {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) connect();
}

void Connection::close() noexcept {
    conn_.reset();
    prepared_.clear();
}

bool Connection::in_transaction() const noexcept {
    if (!conn_) return false;
    auto s = PQtransactionStatus(conn_.get());
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

void Connection::raise(PGresult* res, const char* what) {
    PgResult owned(res);
    const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = res != nullptr ? PQresultErrorMessage(res) : (conn_ ? PQerrorMessage(conn_.get()) : "no connection");
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK || connection_lost_state(state)) {
        conn_.reset();
        prepared_.clear();
        throw DbUnavailable(std::string(what) + ": " + msg);
    }
    DbError err(state != nullptr ? state : "", std::string(what) + ": " + msg);
    if (const char* c = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)) err.constraint = c;
    throw err;
}

void Connection::prepare(const Query& q) {
    if (prepared_.contains(q.name)) return;
    PGresult* res = PQprepare(conn_.get(), q.name, q.sql, 0, nullptr);
    if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) raise(res, q.name);
    PQclear(res);
    prepared_.insert(q.name);
}

PgResult Connection::run_prepared(const Query& q, const std::vector<const char*>& values) {
    ensure();
    prepare(q);
    PGresult* res = PQexecPrepared(conn_.get(), q.name, static_cast<int>(values.size()), values.data(), nullptr,
                                   nullptr, 0);
    auto st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) raise(res, q.name);
    return PgResult(res);
}

std::vector<PgResult> Connection::run_pipeline(const std::vector<const Query*>& queries,
                                               const std::vector<std::vector<const char*>>& values) {
    ensure();
    for (const Query* q : queries) prepare(*q);
    PGconn* c = conn_.get();
    if (PQenterPipelineMode(c) != 1) raise(nullptr, "pipeline");
    bool sent = true;
    for (std::size_t i = 0; i < queries.size() && sent; ++i) {
        sent = PQsendQueryPrepared(c, queries[i]->name, static_cast<int>(values[i].size()), values[i].data(), nullptr,
                                   nullptr, 0) == 1;
    }
    sent = sent && PQpipelineSync(c) == 1;
    if (!sent) {
        // Nothing useful can be read back: the connection is in doubt.
        std::string msg = PQerrorMessage(c);
        conn_.reset();
        prepared_.clear();
        throw DbUnavailable("pipeline: " + msg);
    }
    // Each statement's result, then NULL; after the last, the sync. A failed
    // statement makes the later ones PGRES_PIPELINE_ABORTED.
    std::vector<PgResult> results;
    std::optional<std::size_t> failed;
    for (std::size_t i = 0; i < queries.size(); ++i) {
        PgResult r(PQgetResult(c));
        if (r.get() == nullptr) break;  // connection lost
        while (PGresult* extra = PQgetResult(c)) PQclear(extra);
        auto st = PQresultStatus(r.get());
        if (!failed && st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) failed = i;
        results.push_back(std::move(r));
    }
    bool synced = false;
    if (results.size() == queries.size()) {
        PgResult sync(PQgetResult(c));
        synced = sync.get() != nullptr && PQresultStatus(sync.get()) == PGRES_PIPELINE_SYNC;
    }
    if (!synced || PQexitPipelineMode(c) != 1) {
        // Out of step with the server: the connection cannot be trusted.
        std::string msg = failed ? PQresultErrorMessage(results[*failed].get()) : PQerrorMessage(c);
        conn_.reset();
        prepared_.clear();
        throw DbUnavailable("pipeline: " + msg);
    }
    if (failed) raise(results[*failed].release(), queries[*failed]->name);
    return results;
}

std::vector<PgResult> Connection::exec_pipeline(const std::vector<const Query*>& queries,
                                                const std::vector<const std::vector<Param>*>& params) {
    std::vector<std::vector<const char*>> values(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        values[i].reserve(params[i]->size());
        for (const auto& p : *params[i]) values[i].push_back(p ? p->c_str() : nullptr);
    }
    return retried_once(!in_transaction(), [&] { return run_pipeline(queries, values); });
}

std::vector<PgResult> Connection::exec_all(const std::vector<Call>& calls) {
    std::vector<const Query*> queries;
    std::vector<const std::vector<Param>*> params;
    bool all_read = true;
    for (const auto& call : calls) all_read = all_read && call.query->read_only;
    std::optional<Deferred> d;
    if (deferred_ && all_read && !in_transaction()) {
        d = std::move(deferred_);
        deferred_.reset();
        queries.push_back(d->query);
        params.push_back(&d->params);
    } else {
        flush_deferred();
    }
    for (const auto& call : calls) {
        queries.push_back(call.query);
        params.push_back(&call.params);
    }
    if (queries.size() == 1) {
        std::vector<PgResult> one;
        one.push_back(exec_params(*queries[0], *params[0]));
        return one;
    }
    std::vector<PgResult> results;
    try {
        results = exec_pipeline(queries, params);
    } catch (const DbError&) {
        // The failure rolled the deferred statement back with the rest: it
        // still counts (a request that fails is no free pass), alone.
        if (d) d->then(exec_params(*d->query, d->params));
        throw;
    }
    if (!d) return results;
    d->then(results.front());
    results.erase(results.begin());
    return results;
}

void Connection::defer(const Query& q, std::vector<Param> params, std::function<void(const PgResult&)> then) {
    flush_deferred();
    deferred_ = Deferred{&q, std::move(params), std::move(then)};
}

void Connection::flush_deferred() {
    if (!deferred_) return;
    Deferred d = std::move(*deferred_);
    deferred_.reset();
    d.then(exec_params(*d.query, d.params));
}

PgResult Connection::exec_params(const Query& q, const std::vector<Param>& params) {
    if (deferred_) {
        std::vector<PgResult> r = exec_all({Call{&q, params}});
        return std::move(r.front());
    }
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    return retried_once(!in_transaction(), [&] { return run_prepared(q, values); });
}

PgResult Connection::exec_simple(const std::string& sql) {
    flush_deferred();
    bool could_retry = !in_transaction();
    for (int attempt = 0;; ++attempt) {
        try {
            ensure();
            PGresult* res = PQexec(conn_.get(), sql.c_str());
            auto st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
            if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) raise(res, "query");
            return PgResult(res);
        } catch (const DbUnavailable&) {
            if (!could_retry || attempt > 0 || sql == "COMMIT") throw;
        }
    }
}

Transaction::Transaction(Connection& c) : conn_(c) { conn_.exec_simple("BEGIN"); }

Transaction::~Transaction() {
    if (done_) return;
    try {
        conn_.exec_simple("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): a lost connection has rolled back already
    }
}

void Transaction::commit() {
    conn_.exec_simple("COMMIT");
    done_ = true;
}

}  // namespace stoa::db
