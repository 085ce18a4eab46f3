// Response: status, headers and a body (JSON, text or bytes).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json/json.h"

namespace stoa::http {

// Where a streamed body goes (the FastCGI output stream); write() answers
// false once the client is gone.
class BodySink {
public:
    virtual ~BodySink() = default;
    virtual bool write(const char* data, std::size_t n) = 0;
};
// Writes a body piece by piece after the head is sent: a failure then can
// only cut the body short (it is logged), never change the status.
using BodyWriter = std::function<void(BodySink&)>;

class Response {
public:
    Response() = default;
    Response(int status, std::string content_type, std::string body)
        : status_(status), content_type_(std::move(content_type)), body_(std::move(body)) {}

    static Response json(int status, const Json& value) {
        return {status, "application/json", value.dump()};
    }
    static Response no_content() { return {204, "", ""}; }
    // A body written by `writer` straight to the client (downloads, ZIPs),
    // so the worker never holds it whole.
    static Response stream(std::string content_type, BodyWriter writer) {
        Response r(200, std::move(content_type), "");
        r.writer_ = std::move(writer);
        return r;
    }
    // Raw bytes (an image, a file) of the given type.
    static Response bytes(std::string content_type, std::string data) {
        return {200, std::move(content_type), std::move(data)};
    }
    // 304 for a conditional GET whose If-None-Match matched; the caller adds
    // the ETag and Cache-Control a 200 would carry.
    static Response not_modified() { return {304, "", ""}; }
    static Response redirect(int status, std::string location) {
        Response r(status, "", "");
        r.header("Location", std::move(location));
        return r;
    }

    int status() const noexcept { return status_; }
    const std::string& content_type() const noexcept { return content_type_; }
    const std::string& body() const noexcept { return body_; }
    const BodyWriter& writer() const noexcept { return writer_; }
    bool streamed() const noexcept { return static_cast<bool>(writer_); }
    const std::vector<std::pair<std::string, std::string>>& headers() const noexcept { return headers_; }

    Response& header(std::string name, std::string value) {
        headers_.emplace_back(std::move(name), std::move(value));
        return *this;
    }
    void set_status(int status) noexcept { status_ = status; }

    // The CGI/FastCGI response head ("Status: 200 OK\r\n...\r\n\r\n").
    std::string head() const;

private:
    int status_ = 200;
    std::string content_type_;
    std::string body_;
    std::vector<std::pair<std::string, std::string>> headers_;
    BodyWriter writer_;
};

const char* reason_phrase(int status);

// Whether an If-None-Match header value ("\"a\", W/\"b\"" or "*") matches
// `etag` (a quoted entity tag), by the weak comparison RFC 9110 asks for.
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace stoa::http
