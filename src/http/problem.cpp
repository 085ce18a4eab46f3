#include "http/problem.h"

#include <array>
#include <string_view>

namespace stoa::http {

Problem::Problem(int status, std::string code, std::string detail)
    : status_(status), code_(std::move(code)), detail_(std::move(detail)) {}

Problem& Problem::field(std::string name, std::string code, std::string message) {
    errors_.push_back({std::move(name), std::move(code), std::move(message)});
    return *this;
}

Problem& Problem::header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
    return *this;
}

Problem& Problem::log(std::string text) {
    log_detail_ = std::move(text);
    return *this;
}

Problem& Problem::extension(const char* key, const Json& value) {
    Json obj = extensions_json_.empty() ? Json::object() : std::move(Json::parse(extensions_json_)).value();
    obj.set(key, Json::borrow(value.get()));
    extensions_json_ = obj.dump();
    return *this;
}

void Validation::throw_if_any() const {
    if (errors_.empty()) return;
    Problem p = Problem::validation();
    for (const auto& e : errors_) p.field(e.field, e.code, e.message);
    throw p;
}

const char* problem_title(int status, const std::string& code) {
    struct Entry {
        std::string_view code;
        const char* title;
    };
    static constexpr std::array<Entry, 24> kTitles{{
        {"bad_request", "Bad request"},
        {"validation_failed", "Validation failed"},
        {"unauthorized", "Unauthorized"},
        {"invalid_credentials", "Invalid credentials"},
        {"totp_required", "Two-factor code required"},
        {"invalid_totp", "Invalid two-factor code"},
        {"email_not_verified", "Email not verified"},
        {"account_locked", "Account locked"},
        {"password_change_required", "Password change required"},
        {"token_expired", "Token expired"},
        {"token_invalid", "Token invalid"},
        {"token_reused", "Token reused"},
        {"csrf_failed", "CSRF check failed"},
        {"forbidden", "Forbidden"},
        {"not_found", "Not found"},
        {"method_not_allowed", "Method not allowed"},
        {"conflict", "Conflict"},
        {"email_taken", "Email taken"},
        {"username_taken", "Username taken"},
        {"payload_too_large", "Payload too large"},
        {"unsupported_media_type", "Unsupported media type"},
        {"rate_limited", "Too many requests"},
        {"service_unavailable", "Service unavailable"},
        {"internal", "Internal server error"},
    }};
    for (const auto& e : kTitles)
        if (e.code == code) return e.title;
    return status >= 500 ? "Server error" : "Request error";
}

}  // namespace stoa::http
