#include "projects/bom_csv.h"

namespace stoa::projects {

std::string csv_field(std::string_view value) {
    std::string text(value);
    if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                          text[0] == '\r'))
        text.insert(text.begin(), '\'');
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string bom_csv(const std::vector<BomRow>& rows) {
    std::string out = "name,quantity,unit,part_number,supplier_url,unit_price,currency,notes\r\n";
    auto opt = [](const std::optional<std::string>& v) { return csv_field(v.value_or("")); };
    for (const auto& r : rows) {
        out += csv_field(r.name) + ',' + std::to_string(r.quantity) + ',' + opt(r.unit) + ',' + opt(r.part_number) +
               ',' + opt(r.supplier_url) + ',' + opt(r.unit_price) + ',' + opt(r.currency) + ',' + opt(r.notes) + "\r\n";
    }
    return out;
}

}  // namespace stoa::projects
