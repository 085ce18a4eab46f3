// Request: what a handler sees of one HTTP request, built from the FastCGI
// params nginx passes. The body is read lazily, with a hard cap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"

namespace cgicc {
class Cgicc;
}

namespace stoa::http {

// Where the body bytes come from: the FastCGI stdin stream, or a string in tests.
class BodySource {
public:
    virtual ~BodySource() = default;
    // Reads up to n bytes; 0 at the end.
    virtual std::size_t read(char* buf, std::size_t n) = 0;
};

class StringBody final : public BodySource {
public:
    explicit StringBody(std::string data) : data_(std::move(data)) {}
    std::size_t read(char* buf, std::size_t n) override;

private:
    std::string data_;
    std::size_t pos_ = 0;
};

// A body source that refuses to yield more than `limit` bytes: reading past
// it throws 413. What upload handlers stream from (Request::body_stream).
class LimitedBody final : public BodySource {
public:
    LimitedBody(BodySource& source, std::size_t limit) : source_(source), limit_(limit) {}
    std::size_t read(char* buf, std::size_t n) override;
    std::size_t consumed() const noexcept { return consumed_; }

private:
    BodySource& source_;
    std::size_t limit_;
    std::size_t consumed_ = 0;
};

// The NAME=VALUE environment of one FastCGI request (not owned).
class Params {
public:
    explicit Params(const char* const* envp) : envp_(envp) {}
    std::optional<std::string_view> get(std::string_view name) const;
    const char* const* raw() const noexcept { return envp_; }

private:
    const char* const* envp_;
};

inline constexpr std::size_t kDefaultBodyLimit = 64 * 1024;

class Request {
public:
    Request(Params params, BodySource& body);
    ~Request();
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;

    const std::string& method() const noexcept { return method_; }
    // The path without the query string, percent-decoding not applied.
    const std::string& path() const noexcept { return path_; }
    const std::string& query_string() const noexcept { return query_; }
    const std::string& request_id() const noexcept { return request_id_; }
    const std::string& client_ip() const noexcept { return client_ip_; }
    const std::string& content_type() const noexcept { return content_type_; }
    std::optional<std::uint64_t> content_length() const noexcept { return content_length_; }

    // A request header by its HTTP name ("Authorization"), case-insensitive.
    std::optional<std::string_view> header(std::string_view name) const;
    std::optional<std::string> cookie(std::string_view name) const;
    // The first value of a query parameter, percent-decoded.
    std::optional<std::string> query(std::string_view name) const;
    std::vector<std::string> query_all(std::string_view name) const;

    // Route parameters, set by the router.
    void set_route_params(std::map<std::string, std::string, std::less<>> params) {
        route_params_ = std::move(params);
    }
    const std::string& param(std::string_view name) const;
    std::int64_t int_param(std::string_view name) const;
    void set_route_pattern(std::string pattern) { route_pattern_ = std::move(pattern); }
    const std::string& route_pattern() const noexcept { return route_pattern_; }

    void set_body_limit(std::size_t limit) noexcept { body_limit_ = limit; }
    std::size_t body_limit() const noexcept { return body_limit_; }
    // The whole body; 413 past the limit. Read once, then cached.
    const std::string& body();
    // The body as a stream, for uploads that must not sit in memory: 413
    // at once when Content-Length is over the limit, else as soon as more
    // than body_limit() bytes have been read. Use it or body(), not both.
    BodySource& body_stream();
    // The body as a JSON object: 415 unless application/json, 400 if
    // malformed or not an object, 413 past the limit.
    const Json& json_body();
    // The body as application/x-www-form-urlencoded fields (415 otherwise).
    std::map<std::string, std::string, std::less<>> form_body();

private:
    const cgicc::Cgicc& cgi() const;

    Params params_;
    BodySource& source_;
    std::string method_;
    std::string path_;
    std::string query_;
    std::string request_id_;
    std::string client_ip_;
    std::string content_type_;
    std::optional<std::uint64_t> content_length_;
    std::map<std::string, std::string, std::less<>> route_params_;
    std::string route_pattern_;
    std::size_t body_limit_ = kDefaultBodyLimit;
    std::optional<std::string> body_;
    std::optional<LimitedBody> stream_;
    Json json_;
    mutable std::unique_ptr<cgicc::Cgicc> cgi_;
};

// "application/json; charset=utf-8" -> "application/json" (lower-cased).
std::string media_type(std::string_view content_type);
// A fresh request id: 32 hex characters from the CSPRNG.
std::string new_request_id();
// Request ids passed by nginx are used only when they look like one.
bool plausible_request_id(std::string_view id);

}  // namespace stoa::http
