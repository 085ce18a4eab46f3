// A user row as the API shows it (the User object of API.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "db/connection.h"
#include "db/sql_text.h"
#include "json/json.h"

namespace stoa::auth {

struct UserRecord {
    std::int64_t id = 0;
    std::string username;
    std::string email;
    std::string first_name;
    std::string last_name;
    std::string role;
    bool email_verified = false;
    bool totp_enabled = false;
    std::string created_at;
    std::optional<std::string> last_login_at;
    std::optional<std::string> picture_url;
    // Not shown to clients:
    std::string password_hash;
    int failed_logins = 0;
    std::optional<std::int64_t> locked_seconds_left;  // set while locked
    bool password_change_required = false;
};

// The columns every query that loads a UserRecord selects, in this order.
// `hash` is the password_hash column: STOA_USER_COLUMNS_WITHOUT_HASH sends
// NULL instead (an empty password_hash), for the statements that admit a
// request, rotate a token or finish a login, whose callers never check a
// password: the hash does not travel with every request.
#define STOA_USER_COLUMNS_HASH(hash)                                                                         \
    "u.id, u.username, u.email, u.first_name, u.last_name, u.role, u.email_verified_at IS NOT NULL, "       \
    "u.totp_enabled_at IS NOT NULL, " STOA_SQL_TS("u.created_at") ", " STOA_SQL_TS("u.last_login_at") ", " \
    hash ", u.failed_logins, "                                                                               \
    "CASE WHEN u.locked_until > now() THEN ceil(extract(epoch FROM u.locked_until - now()))::bigint END, "   \
    "u.password_change_required, u.picture_version"
#define STOA_USER_COLUMNS STOA_USER_COLUMNS_HASH("u.password_hash")
#define STOA_USER_COLUMNS_WITHOUT_HASH STOA_USER_COLUMNS_HASH("NULL::text")

UserRecord read_user(const db::PgResult& r, int row);

std::optional<UserRecord> find_user_by_id(db::Connection& db, std::int64_t id);
// `login` is a normalised email (contains @) or username.
std::optional<UserRecord> find_user_by_login(db::Connection& db, const std::string& login);

Json user_json(const UserRecord& u);

// "/api/v1/users/{username}/picture?v={version}" (the version changes with
// the picture, so the URL can be cached for good), or nullopt without one.
std::optional<std::string> picture_url(const std::string& username, const std::optional<std::string>& version);

}  // namespace stoa::auth
