#include "http/cookies.h"

namespace stoa::http {

std::string set_cookie(const CookieSpec& c) {
    std::string out = c.name;
    out += '=';
    out += c.value;
    out += "; Path=";
    out += c.path;
    out += "; Max-Age=";
    out += std::to_string(c.max_age);
    if (c.max_age == 0) out += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
    if (c.http_only) out += "; HttpOnly";
    if (c.secure) out += "; Secure";
    out += "; SameSite=Lax";
    return out;
}

}  // namespace stoa::http
