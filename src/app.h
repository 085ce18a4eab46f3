// App: the per-process context built once in main and passed down by
// reference. No other mutable global.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "auth/user_record.h"
#include "config/config.h"
#include "crypto/jwt.h"
#include "crypto/password_hash.h"
#include "crypto/verified_tokens.h"
#include "db/answer_cache.h"
#include "db/connection.h"
#include "http/request.h"
#include "http/router.h"
#include "storage/file_store.h"

namespace stoa {

struct App {
    App(Config c, crypto::PasswordHasher h)
        : config(std::move(c)),
          db(config.database_url),
          jwt(config.jwt_secret, config.jwt_issuer, config.jwt_audience),
          hasher(std::move(h)),
          files(config) {}

    const Config config;
    db::Connection db;
    crypto::JwtCodec jwt;
    // The access tokens this worker has verified (crypto/verified_tokens.h).
    crypto::VerifiedTokens tokens{jwt};
    crypto::PasswordHasher hasher;
    // The file store: the SMB share (one libsmbclient context, reused) with
    // this host's local directory as the fallback.
    storage::FileStore files;
    http::Router router;
    // Answers for anonymous readers (comment threads, the project gallery),
    // checked against the database on every use (db/answer_cache.h).
    db::AnswerCache answers{kAnswerCacheBytes};
    static constexpr std::size_t kAnswerCacheBytes = 4 << 20;
};

// The authenticated caller, as the database says now (role and session are
// re-read on every request, so revocation and role changes apply at once).
struct AuthUser {
    std::int64_t id = 0;
    http::Role role = http::Role::guest;
    std::string session_id;
    bool password_change_required = false;
    bool via_cookie = false;  // cookie-authenticated requests need the CSRF header
    // The caller's user row, loaded with the session check (so /me needs no query).
    auth::UserRecord account;
};

// The tightest rate limit a request has met, for the RateLimit-* headers.
struct RateState {
    int limit = 0;
    int remaining = 0;
    int reset = 0;  // seconds until the window ends
};

// What a handler is given for one request.
struct RequestContext {
    App& app;
    http::Request& req;
    std::optional<AuthUser> user = std::nullopt;
    std::optional<RateState> rate = std::nullopt;

    // The caller; only call on routes that need authentication.
    const AuthUser& caller() const { return user.value(); }
};

}  // namespace stoa
