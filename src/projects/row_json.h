// A result row as a JSON object, column by column, for the parts of a
// project whose answers are their columns (steps, BOM items, links, tools).
#pragma once

#include <initializer_list>

#include "db/result.h"
#include "json/json.h"

namespace stoa::projects {

enum class ColumnType { integer, text, optional_text };

struct Column {
    const char* name;
    ColumnType type;
};

inline Json row_json(const db::PgResult& r, int row, std::initializer_list<Column> columns) {
    Json j = Json::object();
    int col = 0;
    for (const Column& c : columns) {
        switch (c.type) {
            case ColumnType::integer: j.set(c.name, r.int64(row, col)); break;
            case ColumnType::text: j.set(c.name, r.str(row, col)); break;
            case ColumnType::optional_text: j.set(c.name, Json::optional_string(r.opt_str(row, col))); break;
        }
        ++col;
    }
    return j;
}

}  // namespace stoa::projects
