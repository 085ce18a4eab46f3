#include "db/connection.h"

#include <cstring>

#include "log/log.h"

namespace stoa::db {
namespace {

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

PgResult Connection::run_prepared(const Query& q, const std::vector<const char*>& values) {
    ensure();
    if (!prepared_.contains(q.name)) {
        PGresult* res = PQprepare(conn_.get(), q.name, q.sql, 0, nullptr);
        if (res == nullptr || PQresultStatus(res) != PGRES_COMMAND_OK) raise(res, q.name);
        PQclear(res);
        prepared_.insert(q.name);
    }
    PGresult* res = PQexecPrepared(conn_.get(), q.name, static_cast<int>(values.size()), values.data(), nullptr,
                                   nullptr, 0);
    auto st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) raise(res, q.name);
    return PgResult(res);
}

PgResult Connection::exec_params(const Query& q, const std::vector<Param>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    bool could_retry = !in_transaction();
    try {
        return run_prepared(q, values);
    } catch (const DbUnavailable& e) {
        if (!could_retry) throw;
        // The connection may have died while idle (server restarted): one
        // fresh attempt, which throws again if the server is really gone.
        log::warn("db_reconnect", Json::object().set("reason", e.what()));
        return run_prepared(q, values);
    }
}

PgResult Connection::exec_simple(const std::string& sql) {
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
