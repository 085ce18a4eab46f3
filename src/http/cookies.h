// The three cookies of API.md: stoa_access, stoa_refresh, stoa_csrf.
#pragma once

#include <string>

namespace stoa::http {

inline constexpr const char* kAccessCookie = "stoa_access";
inline constexpr const char* kRefreshCookie = "stoa_refresh";
inline constexpr const char* kCsrfCookie = "stoa_csrf";
inline constexpr const char* kRefreshCookiePath = "/api/v1/auth";

struct CookieSpec {
    const char* name;
    std::string value;
    const char* path = "/";
    long max_age = 0;  // 0 clears the cookie
    bool http_only = true;
    bool secure = true;
};

// A Set-Cookie header value, always SameSite=Lax.
std::string set_cookie(const CookieSpec& c);

}  // namespace stoa::http
