#include "http/response.h"

namespace stoa::http {

const char* reason_phrase(int status) {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 413: return "Content Too Large";
        case 415: return "Unsupported Media Type";
        case 422: return "Unprocessable Content";
        case 423: return "Locked";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "";
    }
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    auto opaque = [](std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; };
    std::string_view wanted = opaque(etag);
    std::string_view rest = if_none_match;
    while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
        if (item == "*" || (!item.empty() && opaque(item) == wanted)) return true;
    }
    return false;
}

std::string Response::head() const {
    std::string out;
    out.reserve(256);
    out += "Status: ";
    out += std::to_string(status_);
    out += ' ';
    out += reason_phrase(status_);
    out += "\r\n";
    if (!content_type_.empty()) {
        out += "Content-Type: ";
        out += content_type_;
        out += "\r\n";
    }
    // A streamed body's length, when known, is a header the handler sets.
    if (status_ != 204 && status_ != 304 && !streamed()) {
        out += "Content-Length: ";
        out += std::to_string(body_.size());
        out += "\r\n";
    }
    for (const auto& [name, value] : headers_) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

}  // namespace stoa::http
