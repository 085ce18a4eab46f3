// ?page= (from 1) and ?per_page= (default 20, max 100), and the list answer
// {"items": [...], "page": n, "per_page": n, "total": n}.
#pragma once

#include <cstdint>

#include "http/request.h"
#include "json/json.h"

namespace stoa::http {

struct Page {
    std::int64_t page = 1;
    std::int64_t per_page = 20;
    std::int64_t offset() const noexcept { return (page - 1) * per_page; }
};

// 400 bad_request on anything but whole numbers in range.
Page read_page(const Request& req);

Json page_json(Json items, const Page& page, std::int64_t total);
// The same answer as text, around items already written as a JSON array.
std::string page_json_text(std::string_view items_json, const Page& page, std::int64_t total);

}  // namespace stoa::http
