// /auth/login, /auth/register, /auth/logout: HTML form posts for pages
// without JavaScript. Same rules as the JSON API; the answer is a 303 back
// to a page, with the result in the query string.
#include <map>

#include "app.h"
#include "crypto/token.h"
#include "handlers/auth_flows.h"
#include "handlers/routes.h"
#include "http/cookies.h"
#include "http/problem.h"
#include "log/log.h"

namespace stoa::handlers {
namespace {

using http::Response;

constexpr const char* kLoginPage = "/stoa/login.html";
constexpr const char* kRegisterPage = "/stoa/register.html";
constexpr const char* kAccountPage = "/stoa/account.html";

std::string url_encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

// The form's return_to, percent-decoded once: the pages' hidden field
// carries the page's return_to query argument as nginx's SSI echoes it, still
// encoded (and back_with_error encodes it again for the next round). A broken
// escape makes it unusable. The decoded value must pass safe_return_to.
std::optional<std::string> form_return_to(const std::map<std::string, std::string, std::less<>>& form) {
    auto raw = http::Fields::from_form(form).string("return_to");
    if (!raw) return std::nullopt;
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(raw->size());
    for (std::size_t i = 0; i < raw->size(); ++i) {
        char c = (*raw)[i];
        if (c != '%') {
            out.push_back(c);
            continue;
        }
        if (i + 2 >= raw->size() || hex((*raw)[i + 1]) < 0 || hex((*raw)[i + 2]) < 0) return std::nullopt;
        out.push_back(static_cast<char>(hex((*raw)[i + 1]) * 16 + hex((*raw)[i + 2])));
        i += 2;
    }
    return safe_return_to(out);
}

}  // namespace

// A same-origin path to return to, or nullopt: refuses "//evil", "/\evil",
// schemes, control characters and anything not starting with a single "/".
std::optional<std::string> safe_return_to(const std::optional<std::string>& value) {
    if (!value || value->empty() || value->size() > 2000) return std::nullopt;
    const std::string& v = *value;
    if (v.front() != '/') return std::nullopt;
    if (v.size() > 1 && (v[1] == '/' || v[1] == '\\')) return std::nullopt;
    for (char ch : v) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x21 || c == 0x7f || c == '\\') return std::nullopt;
    }
    // Percent-encoded slashes or backslashes could be decoded into "//" later.
    std::string lower(v);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.find("%2f") != std::string::npos || lower.find("%5c") != std::string::npos) return std::nullopt;
    return v;
}

namespace {

Response back_with_error(const char* page, const http::Problem& p, const std::optional<std::string>& return_to) {
    std::string location = std::string(page) + "?error=" + url_encode(p.code());
    if (!p.errors().empty()) location += "&field=" + url_encode(p.errors().front().field);
    if (return_to) location += "&return_to=" + url_encode(*return_to);
    Response res = Response::redirect(303, location);
    for (const auto& [k, v] : p.headers())
        if (k == "Retry-After") res.header(k, v);
    return res;
}

Response form_login(RequestContext& ctx) {
    auto form = ctx.req.form_body();
    auto return_to = form_return_to(form);
    try {
        SignedIn s = login(ctx, http::Fields::from_form(form));
        Response res = Response::redirect(303, return_to.value_or(kAccountPage));
        set_session_cookies(ctx, res, s);
        return res;
    } catch (const http::Problem& p) {
        if (p.status() >= 500) throw;
        return back_with_error(kLoginPage, p, return_to);
    }
}

Response form_register(RequestContext& ctx) {
    auto form = ctx.req.form_body();
    auto return_to = form_return_to(form);
    try {
        register_account(ctx, http::Fields::from_form(form));
        std::string location = std::string(kLoginPage) + "?registered=1";
        if (return_to) location += "&return_to=" + url_encode(*return_to);
        return Response::redirect(303, location);
    } catch (const http::Problem& p) {
        if (p.status() >= 500) throw;
        return back_with_error(kRegisterPage, p, return_to);
    }
}

Response form_logout(RequestContext& ctx) {
    auto form = ctx.req.form_body();
    auto return_to = form_return_to(form);
    // Cookie-authenticated: the form must carry the CSRF token as a field.
    auto field = http::Fields::from_form(form).string("csrf_token");
    auto cookie = ctx.req.cookie(http::kCsrfCookie);
    if (ctx.user || ctx.req.cookie(http::kRefreshCookie)) {
        if (!field || !cookie || cookie->empty() || !crypto::constant_time_equal(*field, *cookie))
            return back_with_error(kLoginPage, http::Problem(403, "csrf_failed"), return_to);
    }
    logout(ctx, ctx.user ? std::nullopt : ctx.req.cookie(http::kRefreshCookie));
    Response res = Response::redirect(303, return_to.value_or(std::string(kLoginPage) + "?logged_out=1"));
    clear_session_cookies(ctx, res);
    return res;
}

}  // namespace

void register_auth_form_routes(http::Router& r) {
    http::RouteOptions form_logout_options = http::optional_auth().allowed_during_forced_reset();
    form_logout_options.csrf_in_form = true;
    r.post("/auth/login", form_login);
    r.post("/auth/register", form_register);
    r.post("/auth/logout", form_logout, form_logout_options);
}

}  // namespace stoa::handlers
