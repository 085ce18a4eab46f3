// The bill of materials as CSV (RFC 4180: CRLF line ends, fields quoted
// when they hold a comma, quote, CR or LF, quotes doubled), for ordering
// parts. Cells that a spreadsheet would run as a formula (= + - @ at the
// start) are prefixed with an apostrophe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace stoa::projects {

struct BomRow {
    std::string name;
    long long quantity = 1;
    std::optional<std::string> unit;
    std::optional<std::string> part_number;
    std::optional<std::string> supplier_url;
    std::optional<std::string> unit_price;  // decimal text
    std::optional<std::string> currency;
    std::optional<std::string> notes;
};

// One field, quoted when needed.
std::string csv_field(std::string_view value);

// Header line and one line per row.
std::string bom_csv(const std::vector<BomRow>& rows);

}  // namespace stoa::projects
