// Connection: one persistent libpq connection with named prepared
// statements, reconnecting transparently when it was lost between requests.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
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

namespace detail {

constexpr bool starts_with(const char* s, const char* prefix) {
    for (; *prefix != '\0'; ++s, ++prefix)
        if (*s != *prefix) return false;
    return true;
}

constexpr bool contains(const char* s, const char* word) {
    for (; *s != '\0'; ++s)
        if (starts_with(s, word)) return true;
    return false;
}

}  // namespace detail

// Whether a statement only reads: a SELECT naming none of the words that
// write or lock (our SQL spells keywords in capitals, names in lower case),
// and calling no function that changes state. Conservative: a false "no"
// only costs a round trip (see Connection::defer).
constexpr bool is_read_only_sql(const char* sql) {
    if (!detail::starts_with(sql, "SELECT ")) return false;
    for (const char* word : {"INSERT", "UPDATE", "DELETE", "MERGE", "SHARE", "nextval", "setval", "pg_advisory",
                             "pg_notify", "set_config", "lo_", "dblink"})
        if (detail::contains(sql, word)) return false;
    return true;
}

// A named query, prepared once per connection on first use.
struct Query {
    constexpr Query(const char* name_, const char* sql_) : name(name_), sql(sql_), read_only(is_read_only_sql(sql_)) {}
    const char* name;
    const char* sql;
    bool read_only;  // may share a round trip with a deferred statement
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
    // Several statements in one round trip (libpq pipeline mode, one implicit
    // transaction, or the open one), after a deferred statement if any (sent
    // first, in the same round trip, when every one of these only reads).
    struct Call {
        const Query* query;
        std::vector<Param> params;
    };
    std::vector<PgResult> exec_all(const std::vector<Call>& calls);

    // A statement whose answer is wanted before the request's first reply but
    // need not cost a round trip of its own (the per-address rate-limit hit
    // of a read): it is sent with the next read-only query, or alone before
    // any other statement or transaction, or at flush_deferred(). `then` gets
    // its result before the caller gets theirs, and may throw (a 429) to
    // refuse the request before its answer is used. Outside a transaction only.
    void defer(const Query& q, std::vector<Param> params, std::function<void(const PgResult&)> then);
    // Runs the deferred statement now, if any; throws what `then` throws.
    void flush_deferred();
    // Forgets the deferred statement (a request that failed otherwise).
    void drop_deferred() noexcept { deferred_.reset(); }
    // Plain SQL without parameters (BEGIN, COMMIT, migrations' scripts).
    PgResult exec_simple(const std::string& sql);

    bool in_transaction() const noexcept;
    // Connects now if not connected; throws DbUnavailable on failure.
    void ensure();
    void close() noexcept;

private:
    PgResult run_prepared(const Query& q, const std::vector<const char*>& values);
    void prepare(const Query& q);
    std::vector<PgResult> run_pipeline(const std::vector<const Query*>& queries,
                                       const std::vector<std::vector<const char*>>& values);
    std::vector<PgResult> exec_pipeline(const std::vector<const Query*>& queries,
                                        const std::vector<const std::vector<Param>*>& params);

    struct Deferred {
        const Query* query;
        std::vector<Param> params;
        std::function<void(const PgResult&)> then;
    };
    void connect();
    [[noreturn]] void raise(PGresult* res, const char* what);

    struct Deleter {
        void operator()(PGconn* c) const noexcept { PQfinish(c); }
    };
    std::string conninfo_;
    std::unique_ptr<PGconn, Deleter> conn_;
    std::unordered_set<std::string> prepared_;
    std::optional<Deferred> deferred_;
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
