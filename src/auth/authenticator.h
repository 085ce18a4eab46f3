// Admission of a request: the default rate limits (per IP; per user once
// authenticated) and authentication by a Bearer JWT or the stoa_access
// cookie, then the route's guards (role, forced password reset, CSRF).
// When a token verifies, one statement counts the limits and loads the
// session with its user.
#pragma once

#include "app.h"
#include "http/router.h"

namespace stoa::auth {

// Counts the request against default_ip (and default_user once the caller
// is known) unless the route is unlimited, and sets ctx.user when the
// request carries valid credentials. Throws 429 over a limit, 401 when the
// route needs credentials and they are missing or invalid, 403 when the role
// is insufficient, a forced reset is pending, or the CSRF check fails; in
// that order, as a request meets them.
void admit(RequestContext& ctx, const http::RouteOptions& route);

// Double-submit CSRF check for cookie-authenticated unsafe requests.
void check_csrf(const RequestContext& ctx);

bool is_unsafe_method(const std::string& method);

}  // namespace stoa::auth
