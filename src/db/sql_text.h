// SQL fragments shared by queries, spliced into constant query text at
// compile time (never values: values are always $n parameters), and SqlText
// for the few statements put together at run time.
#pragma once

#include <cstddef>
#include <string>

// A timestamptz column as RFC 3339 UTC text ("2026-11-23T17:54:17Z").
#define STOA_SQL_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

// The same instant for PgResult::utc_time to turn into that text: PostgreSQL's
// to_char costs about 0.3 us a value, the plain output a quarter of it, which
// matters in listings of hundreds of rows.
#define STOA_SQL_UTC(col) "(" col " AT TIME ZONE 'UTC')"

namespace stoa::db {

// Statement text put together at run time (the gallery's combinations of
// filters) from fixed pieces only: string literals, $n placeholders and other
// SqlText. Nothing else converts to it, so no value, and no std::string that
// might hold one, can end up in the text.
class SqlText {
public:
    SqlText() = default;
    template <std::size_t N>
    SqlText(const char (&literal)[N]) : text_(literal, N - 1) {}  // NOLINT(google-explicit-constructor)

    template <std::size_t N>
    SqlText& operator+=(const char (&literal)[N]) {
        text_.append(literal, N - 1);
        return *this;
    }
    SqlText& operator+=(const SqlText& more) {
        text_ += more.text_;
        return *this;
    }
    // "$n", the n-th parameter.
    static SqlText placeholder(int n) {
        SqlText p("$");  // not "$" + to_string(): GCC 12's -Wrestrict false positive at -O3
        p.text_ += std::to_string(n);
        return p;
    }

    const std::string& str() const noexcept { return text_; }

private:
    std::string text_;
};

}  // namespace stoa::db
