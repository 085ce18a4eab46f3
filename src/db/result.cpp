#include "db/result.h"

#include <charconv>
#include <stdexcept>

namespace stoa::db {

std::int64_t PgResult::affected() const {
    const char* n = PQcmdTuples(raw_.get());
    if (n == nullptr || *n == '\0') return 0;
    return std::stoll(n);
}

int PgResult::column(const char* name) const {
    int c = PQfnumber(raw_.get(), name);
    if (c < 0) throw std::logic_error(std::string("no column ") + name + " in result");
    return c;
}

std::string_view PgResult::text(int row, int col) const {
    return {PQgetvalue(raw_.get(), row, col), static_cast<std::size_t>(PQgetlength(raw_.get(), row, col))};
}

std::optional<std::string> PgResult::opt_str(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return str(row, col);
}

std::int64_t PgResult::int64(int row, int col) const {
    std::string_view t = text(row, col);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size()) throw std::logic_error("column is not an integer");
    return v;
}

std::optional<std::int64_t> PgResult::opt_int64(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return int64(row, col);
}

bool PgResult::boolean(int row, int col) const {
    std::string_view t = text(row, col);
    return t == "t" || t == "true";
}

}  // namespace stoa::db
