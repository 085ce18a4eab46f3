#include "http/request.h"

#include <cgicc/CgiEnvironment.h>
#include <cgicc/CgiInput.h>
#include <cgicc/Cgicc.h>
#include <cgicc/HTTPCookie.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "http/problem.h"

namespace stoa::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// Feeds cgicc the request's FastCGI params. It always claims GET, so cgicc
// parses the query string and never reads the body on its own: the body is
// read by Request, with its cap.
class ParamsInput final : public cgicc::CgiInput {
public:
    explicit ParamsInput(const Params& params) : params_(params) {}
    size_t read(char*, size_t) override { return 0; }
    std::string getenv(const char* name) override {
        if (std::strcmp(name, "REQUEST_METHOD") == 0) return "GET";
        if (std::strcmp(name, "CONTENT_LENGTH") == 0) return "0";
        auto v = params_.get(name);
        return v ? std::string(*v) : std::string();
    }

private:
    const Params& params_;
};

// Feeds cgicc an already read, size-checked form body.
class FormInput final : public cgicc::CgiInput {
public:
    FormInput(const Params& params, const std::string& body) : params_(params), body_(body) {}
    size_t read(char* data, size_t length) override {
        size_t n = std::min(length, body_.size() - pos_);
        std::memcpy(data, body_.data() + pos_, n);
        pos_ += n;
        return n;
    }
    std::string getenv(const char* name) override {
        if (std::strcmp(name, "REQUEST_METHOD") == 0) return "POST";
        if (std::strcmp(name, "CONTENT_LENGTH") == 0) return std::to_string(body_.size());
        if (std::strcmp(name, "CONTENT_TYPE") == 0) return "application/x-www-form-urlencoded";
        if (std::strcmp(name, "QUERY_STRING") == 0) return "";
        auto v = params_.get(name);
        return v ? std::string(*v) : std::string();
    }

private:
    const Params& params_;
    const std::string& body_;
    size_t pos_ = 0;
};

std::string header_param_name(std::string_view name) {
    std::string out;
    if (iequals(name, "Content-Type")) return "CONTENT_TYPE";
    if (iequals(name, "Content-Length")) return "CONTENT_LENGTH";
    out.reserve(name.size() + 5);
    out = "HTTP_";
    for (char c : name) out.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    return out;
}

}  // namespace

std::size_t StringBody::read(char* buf, std::size_t n) {
    std::size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
}

std::size_t LimitedBody::read(char* buf, std::size_t n) {
    // One byte past the limit is enough to know the body is too large.
    std::size_t allowed = std::min(n, limit_ - std::min(limit_, consumed_) + 1);
    std::size_t got = source_.read(buf, allowed);
    consumed_ += got;
    if (consumed_ > limit_)
        throw Problem::payload_too_large("the body may be at most " + std::to_string(limit_ / 1024) + " KiB");
    return got;
}

std::optional<std::string_view> Params::get(std::string_view name) const {
    if (envp_ == nullptr) return std::nullopt;
    for (const char* const* p = envp_; *p != nullptr; ++p) {
        std::string_view entry(*p);
        if (entry.size() > name.size() && entry[name.size()] == '=' && entry.compare(0, name.size(), name) == 0)
            return entry.substr(name.size() + 1);
    }
    return std::nullopt;
}

std::string media_type(std::string_view content_type) {
    auto semi = content_type.find(';');
    std::string_view base = content_type.substr(0, semi);
    while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.remove_suffix(1);
    while (!base.empty() && (base.front() == ' ' || base.front() == '\t')) base.remove_prefix(1);
    std::string out(base);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string new_request_id() {
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    char hex[sizeof raw * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    return hex;
}

bool plausible_request_id(std::string_view id) {
    if (id.size() < 8 || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
}

Request::Request(Params params, BodySource& body) : params_(params), source_(body) {
    method_ = std::string(params_.get("REQUEST_METHOD").value_or("GET"));
    std::string_view uri = params_.get("REQUEST_URI").value_or(params_.get("DOCUMENT_URI").value_or("/"));
    auto q = uri.find('?');
    path_ = std::string(uri.substr(0, q));
    query_ = std::string(params_.get("QUERY_STRING").value_or(q == std::string_view::npos ? "" : uri.substr(q + 1)));
    auto rid = params_.get("REQUEST_ID");
    request_id_ = rid && plausible_request_id(*rid) ? std::string(*rid) : new_request_id();
    client_ip_ = std::string(params_.get("REMOTE_ADDR").value_or(""));
    content_type_ = std::string(params_.get("CONTENT_TYPE").value_or(""));
    if (auto cl = params_.get("CONTENT_LENGTH"); cl && !cl->empty()) {
        std::uint64_t v = 0;
        bool ok = cl->size() <= 19;
        for (char c : *cl) {
            if (c < '0' || c > '9') { ok = false; break; }
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (ok) content_length_ = v;
        else throw Problem::bad_request("Content-Length is not a number");
    }
}

Request::~Request() = default;

std::optional<std::string_view> Request::header(std::string_view name) const {
    return params_.get(header_param_name(name));
}

const cgicc::Cgicc& Request::cgi() const {
    if (!cgi_) {
        ParamsInput input(params_);
        cgi_ = std::make_unique<cgicc::Cgicc>(&input);
    }
    return *cgi_;
}

std::optional<std::string> Request::cookie(std::string_view name) const {
    if (!params_.get("HTTP_COOKIE")) return std::nullopt;
    for (const auto& c : cgi().getEnvironment().getCookieList())
        if (c.getName() == name) return c.getValue();
    return std::nullopt;
}

std::optional<std::string> Request::query(std::string_view name) const {
    if (query_.empty()) return std::nullopt;
    for (const auto& e : *cgi())
        if (e.getName() == name) return e.getValue();
    return std::nullopt;
}

std::vector<std::string> Request::query_all(std::string_view name) const {
    std::vector<std::string> out;
    if (query_.empty()) return out;
    for (const auto& e : *cgi())
        if (e.getName() == name) out.push_back(e.getValue());
    return out;
}

const std::string& Request::param(std::string_view name) const {
    auto it = route_params_.find(name);
    if (it == route_params_.end()) throw std::logic_error("no route parameter " + std::string(name));
    return it->second;
}

std::int64_t Request::int_param(std::string_view name) const { return std::stoll(param(name)); }

const std::string& Request::body() {
    if (body_) return *body_;
    std::string limit_text = std::to_string(body_limit_ / 1024) + " KiB";
    if (content_length_ && *content_length_ > body_limit_)
        throw Problem::payload_too_large("the body may be at most " + limit_text);
    std::string data;
    data.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(content_length_.value_or(0), body_limit_)));
    char buf[16384];
    for (;;) {
        std::size_t n = source_.read(buf, sizeof buf);
        if (n == 0) break;
        if (data.size() + n > body_limit_) throw Problem::payload_too_large("the body may be at most " + limit_text);
        data.append(buf, n);
    }
    body_ = std::move(data);
    return *body_;
}

BodySource& Request::body_stream() {
    if (!stream_) {
        if (content_length_ && *content_length_ > body_limit_)
            throw Problem::payload_too_large("the body may be at most " + std::to_string(body_limit_ / 1024) + " KiB");
        stream_.emplace(source_, body_limit_);
    }
    return *stream_;
}

const Json& Request::json_body() {
    if (json_) return json_;
    if (media_type(content_type_) != "application/json")
        throw Problem::unsupported_media_type("the body must be application/json");
    const std::string& text = body();
    auto parsed = Json::parse(text);
    if (!parsed) throw Problem::bad_request("malformed JSON: " + parsed.error());
    if (!json_is_object(parsed->get())) throw Problem::bad_request("the body must be a JSON object");
    json_ = std::move(parsed).value();
    return json_;
}

std::map<std::string, std::string, std::less<>> Request::form_body() {
    if (media_type(content_type_) != "application/x-www-form-urlencoded")
        throw Problem::unsupported_media_type("the body must be application/x-www-form-urlencoded");
    const std::string& text = body();
    FormInput input(params_, text);
    cgicc::Cgicc form(&input);
    std::map<std::string, std::string, std::less<>> out;
    for (const auto& e : *form) out.emplace(e.getName(), e.getValue());
    return out;
}

}  // namespace stoa::http
