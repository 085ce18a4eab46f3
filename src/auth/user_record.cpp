#include "auth/user_record.h"

namespace stoa::auth {
namespace {

constexpr db::Query kById{"user_by_id", "SELECT " STOA_USER_COLUMNS " FROM users u WHERE u.id = $1"};
constexpr db::Query kByEmail{"user_by_email", "SELECT " STOA_USER_COLUMNS " FROM users u WHERE lower(u.email) = $1"};
constexpr db::Query kByUsername{"user_by_username",
                                "SELECT " STOA_USER_COLUMNS " FROM users u WHERE lower(u.username) = $1"};

}  // namespace

UserRecord read_user(const db::PgResult& r, int row) {
    UserRecord u;
    u.id = r.int64(row, 0);
    u.username = r.str(row, 1);
    u.email = r.str(row, 2);
    u.first_name = r.str(row, 3);
    u.last_name = r.str(row, 4);
    u.role = r.str(row, 5);
    u.email_verified = r.boolean(row, 6);
    u.totp_enabled = r.boolean(row, 7);
    u.created_at = r.str(row, 8);
    u.last_login_at = r.opt_str(row, 9);
    u.password_hash = r.str(row, 10);
    u.failed_logins = static_cast<int>(r.int64(row, 11));
    u.locked_seconds_left = r.opt_int64(row, 12);
    u.password_change_required = r.boolean(row, 13);
    u.picture_url = picture_url(u.username, r.opt_str(row, 14));
    return u;
}

std::optional<UserRecord> find_user_by_id(db::Connection& db, std::int64_t id) {
    auto r = db.exec(kById, id);
    if (r.empty()) return std::nullopt;
    return read_user(r, 0);
}

std::optional<UserRecord> find_user_by_login(db::Connection& db, const std::string& login) {
    auto r = db.exec(login.find('@') != std::string::npos ? kByEmail : kByUsername, login);
    if (r.empty()) return std::nullopt;
    return read_user(r, 0);
}

std::optional<std::string> picture_url(const std::string& username, const std::optional<std::string>& version) {
    if (!version) return std::nullopt;
    // Usernames are [a-z0-9_.-] and versions hex: nothing to escape.
    return "/api/v1/users/" + username + "/picture?v=" + *version;
}

Json user_json(const UserRecord& u) {
    Json j = Json::object();
    j.set("id", u.id)
        .set("username", u.username)
        .set("email", u.email)
        .set("first_name", u.first_name)
        .set("last_name", u.last_name)
        .set("role", u.role)
        .set("email_verified", u.email_verified)
        .set("totp_enabled", u.totp_enabled)
        .set("created_at", u.created_at)
        .set("last_login_at", Json::optional_string(u.last_login_at))
        .set("picture_url", Json::optional_string(u.picture_url));
    return j;
}

}  // namespace stoa::auth
