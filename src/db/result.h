// PgResult: the one owner of a PGresult, with typed getters.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace stoa::db {

// PostgreSQL's ISO output of a timestamp without time zone ("2026-11-23
// 17:54:17.123456") as RFC 3339 UTC text to the second ("2026-11-23T17:54:17Z");
// nullopt for any other shape.
std::optional<std::string> rfc3339_from_iso_timestamp(std::string_view iso);

class PgResult {
public:
    PgResult() = default;
    explicit PgResult(PGresult* raw) noexcept : raw_(raw) {}

    PGresult* get() const noexcept { return raw_.get(); }
    // Gives up ownership (to a function that takes it, as Connection::raise).
    PGresult* release() noexcept { return raw_.release(); }
    int rows() const noexcept { return raw_ ? PQntuples(raw_.get()) : 0; }
    int columns() const noexcept { return raw_ ? PQnfields(raw_.get()) : 0; }
    bool empty() const noexcept { return rows() == 0; }
    // Rows touched by INSERT/UPDATE/DELETE.
    std::int64_t affected() const;

    int column(const char* name) const;
    bool is_null(int row, int col) const { return PQgetisnull(raw_.get(), row, col) != 0; }
    std::string_view text(int row, int col) const;
    std::string str(int row, int col) const { return std::string(text(row, col)); }
    std::optional<std::string> opt_str(int row, int col) const;
    std::int64_t int64(int row, int col) const;
    std::optional<std::int64_t> opt_int64(int row, int col) const;
    bool boolean(int row, int col) const;
    // A STOA_SQL_UTC column as RFC 3339 text, as STOA_SQL_TS gives it.
    std::string utc_time(int row, int col) const;
    std::optional<std::string> opt_utc_time(int row, int col) const;

    // By column name, for readability in handlers.
    std::string str(int row, const char* name) const { return str(row, column(name)); }
    std::optional<std::string> opt_str(int row, const char* name) const { return opt_str(row, column(name)); }
    std::int64_t int64(int row, const char* name) const { return int64(row, column(name)); }
    std::optional<std::int64_t> opt_int64(int row, const char* name) const { return opt_int64(row, column(name)); }
    bool boolean(int row, const char* name) const { return boolean(row, column(name)); }
    bool is_null(int row, const char* name) const { return is_null(row, column(name)); }

private:
    struct Deleter {
        void operator()(PGresult* r) const noexcept { PQclear(r); }
    };
    std::unique_ptr<PGresult, Deleter> raw_;
};

}  // namespace stoa::db
