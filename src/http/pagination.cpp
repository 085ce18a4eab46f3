#include "http/pagination.h"

#include "http/problem.h"

namespace stoa::http {
namespace {

std::int64_t read_number(const Request& req, const char* name, std::int64_t fallback, std::int64_t min, std::int64_t max) {
    auto v = req.query(name);
    if (!v) return fallback;
    bool digits = !v->empty() && v->size() <= 9 && v->find_first_not_of("0123456789") == std::string::npos;
    std::int64_t n = digits ? std::stoll(*v) : -1;
    if (n < min || n > max)
        throw Problem::bad_request(std::string(name) + " must be a whole number from " + std::to_string(min) + " to " +
                                   std::to_string(max));
    return n;
}

}  // namespace

Page read_page(const Request& req) {
    Page p;
    p.page = read_number(req, "page", 1, 1, 1000000);
    p.per_page = read_number(req, "per_page", 20, 1, 100);
    return p;
}

Json page_json(Json items, const Page& page, std::int64_t total) {
    Json j = Json::object();
    j.set("items", std::move(items)).set("page", page.page).set("per_page", page.per_page).set("total", total);
    return j;
}

std::string page_json_text(std::string_view items_json, const Page& page, std::int64_t total) {
    std::string out;
    out.reserve(items_json.size() + 80);
    out += "{\"items\":";
    out += items_json;
    out += ",\"page\":" + std::to_string(page.page) + ",\"per_page\":" + std::to_string(page.per_page) +
           ",\"total\":" + std::to_string(total) + "}";
    return out;
}

}  // namespace stoa::http
