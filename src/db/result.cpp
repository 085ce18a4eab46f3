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

std::optional<std::string> rfc3339_from_iso_timestamp(std::string_view iso) {
    // YYYY-MM-DD HH:MM:SS, then nothing or a fraction.
    constexpr std::string_view shape = "dddd-dd-dd dd:dd:dd";
    if (iso.size() < shape.size()) return std::nullopt;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        bool digit = iso[i] >= '0' && iso[i] <= '9';
        if (shape[i] == 'd' ? !digit : iso[i] != shape[i]) return std::nullopt;
    }
    std::string_view rest = iso.substr(shape.size());
    if (!rest.empty()) {
        if (rest.size() < 2 || rest.size() > 7 || rest[0] != '.') return std::nullopt;
        for (char c : rest.substr(1))
            if (c < '0' || c > '9') return std::nullopt;
    }
    std::string out(iso.substr(0, shape.size()));
    out[10] = 'T';
    out += 'Z';
    return out;
}

std::string PgResult::utc_time(int row, int col) const {
    auto t = rfc3339_from_iso_timestamp(text(row, col));
    if (!t) throw std::runtime_error("column " + std::to_string(col) + " is not an ISO timestamp (DateStyle?)");
    return std::move(*t);
}

std::optional<std::string> PgResult::opt_utc_time(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return utc_time(row, col);
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
