// The flows behind both the JSON API (/api/v1/auth) and the form posts
// (/auth): each validates, does the work, and throws a Problem on failure.
#pragma once

#include <optional>
#include <string>

#include "app.h"
#include "auth/user_record.h"
#include "http/fields.h"
#include "http/response.h"

namespace stoa::handlers {

auth::UserRecord register_account(RequestContext& ctx, const http::Fields& fields);

struct SignedIn {
    auth::UserRecord user;
    std::string session_id;
    std::string access_token;
    std::string refresh_token;
};

SignedIn login(RequestContext& ctx, const http::Fields& fields);
SignedIn refresh(RequestContext& ctx, const std::string& refresh_token);

// Revokes the caller's session (by access token, else by refresh token).
void logout(RequestContext& ctx, const std::optional<std::string>& refresh_token);

// Set-Cookie headers for a signed-in client, or clearing all three.
void set_session_cookies(const RequestContext& ctx, http::Response& res, const SignedIn& s);
void clear_session_cookies(const RequestContext& ctx, http::Response& res);

// The JSON answer of login and refresh.
http::Response token_response(const RequestContext& ctx, const SignedIn& s);

}  // namespace stoa::handlers
