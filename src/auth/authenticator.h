// Authentication of a request: a Bearer JWT or the stoa_access cookie,
// checked against the session and the user in one query; then the route's
// guards (role, forced password reset, CSRF).
#pragma once

#include "app.h"
#include "http/router.h"

namespace stoa::auth {

// Sets ctx.user when the request carries valid credentials. Throws 401 when
// the route needs them and they are missing or invalid, 403 when the role is
// insufficient, a forced reset is pending, or the CSRF check fails.
void authenticate(RequestContext& ctx, const http::RouteOptions& route);

// Double-submit CSRF check for cookie-authenticated unsafe requests.
void check_csrf(const RequestContext& ctx);

bool is_unsafe_method(const std::string& method);

}  // namespace stoa::auth
