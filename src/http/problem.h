// Problem: the one type for client-visible errors. Thrown by validation and
// handlers, turned into application/problem+json (API.md) in exactly one
// place, the request loop. The client text and the log text are kept apart.
#pragma once

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "json/json.h"

namespace stoa::http {

struct FieldError {
    std::string field;
    std::string code;
    std::string message;
};

class Problem : public std::exception {
public:
    Problem(int status, std::string code, std::string detail = {});

    int status() const noexcept { return status_; }
    const std::string& code() const noexcept { return code_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::vector<FieldError>& errors() const noexcept { return errors_; }
    const std::vector<std::pair<std::string, std::string>>& headers() const noexcept { return headers_; }
    const std::string& log_detail() const noexcept { return log_detail_; }
    const char* what() const noexcept override { return code_.c_str(); }

    Problem& field(std::string name, std::string code, std::string message);
    Problem& header(std::string name, std::string value);
    // Written to the log only, never to the client.
    Problem& log(std::string text);
    // An extra member of the problem object (e.g. "checks" of /ready), kept
    // as JSON text so a Problem stays copyable.
    Problem& extension(const char* key, const Json& value);
    const std::string& extensions_json() const noexcept { return extensions_json_; }

    static Problem bad_request(std::string detail) { return {400, "bad_request", std::move(detail)}; }
    static Problem not_found(std::string detail = {}) { return {404, "not_found", std::move(detail)}; }
    static Problem forbidden(std::string detail = {}) { return {403, "forbidden", std::move(detail)}; }
    static Problem unauthorized(std::string detail = {}) { return {401, "unauthorized", std::move(detail)}; }
    static Problem conflict(std::string code, std::string detail) { return {409, std::move(code), std::move(detail)}; }
    static Problem validation() { return {422, "validation_failed"}; }
    static Problem payload_too_large(std::string detail) { return {413, "payload_too_large", std::move(detail)}; }
    static Problem unsupported_media_type(std::string detail) {
        return {415, "unsupported_media_type", std::move(detail)};
    }
    static Problem unavailable(std::string detail = {}) { return {503, "service_unavailable", std::move(detail)}; }

private:
    int status_;
    std::string code_;
    std::string detail_;
    std::string log_detail_;
    std::vector<FieldError> errors_;
    std::vector<std::pair<std::string, std::string>> headers_;
    std::string extensions_json_;
};

// Collects field errors during validation; throws one 422 with all of them.
class Validation {
public:
    void add(std::string field, std::string code, std::string message) {
        errors_.push_back({std::move(field), std::move(code), std::move(message)});
    }
    bool empty() const noexcept { return errors_.empty(); }
    void throw_if_any() const;

private:
    std::vector<FieldError> errors_;
};

// The human title for a problem code ("not_found" -> "Not found").
const char* problem_title(int status, const std::string& code);

}  // namespace stoa::http
