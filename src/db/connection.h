// Connection: one persistent libpq connection with named prepared
// statements, reconnecting transparently when it was lost between requests.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "db/errors.h"
#include "db/result.h"

namespace stoa::db {

// A named query, prepared once per connection on first use.
struct Query {
    const char* name;
    const char* sql;
};

// One bound parameter in text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;

inline Param to_param(std::nullptr_t) { return std::nullopt; }
inline Param to_param(const std::string& s) { return s; }
inline Param to_param(std::string_view s) { return std::string(s); }
inline Param to_param(const char* s) { return s == nullptr ? Param() : Param(std::string(s)); }
inline Param to_param(bool b) { return std::string(b ? "true" : "false"); }
template <typename T>
    requires std::is_integral_v<T>
Param to_param(T v) {
    return std::to_string(v);
}
template <typename T>
Param to_param(const std::optional<T>& v) {
    return v ? to_param(*v) : Param();
}

class Connection {
public:
    explicit Connection(std::string conninfo) : conninfo_(std::move(conninfo)) {}
    Connection(Connection&&) noexcept = default;
    Connection& operator=(Connection&&) noexcept = default;

    // Runs a prepared query. Throws DbUnavailable when the database cannot be
    // reached, DbError on any other failure. Outside a transaction a query on
    // a connection that died since the last request is retried once on a
    // fresh connection.
    template <typename... Args>
    PgResult exec(const Query& q, const Args&... args) {
        std::vector<Param> params{to_param(args)...};
        return exec_params(q, params);
    }
    PgResult exec_params(const Query& q, const std::vector<Param>& params);
    // Plain SQL without parameters (BEGIN, COMMIT, migrations' scripts).
    PgResult exec_simple(const std::string& sql);

    bool in_transaction() const noexcept;
    // Connects now if not connected; throws DbUnavailable on failure.
    void ensure();
    void close() noexcept;

private:
    PgResult run_prepared(const Query& q, const std::vector<const char*>& values);
    void connect();
    [[noreturn]] void raise(PGresult* res, const char* what);

    struct Deleter {
        void operator()(PGconn* c) const noexcept { PQfinish(c); }
    };
    std::string conninfo_;
    std::unique_ptr<PGconn, Deleter> conn_;
    std::unordered_set<std::string> prepared_;
};

// A transaction scope: rolls back in its destructor unless committed.
class Transaction {
public:
    explicit Transaction(Connection& c);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& conn_;
    bool done_ = false;
};

}  // namespace stoa::db
