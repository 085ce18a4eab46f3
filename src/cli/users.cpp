// stoactl create-admin / verify-email / unlock: account chores for operators.
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <string>

#include "auth/identity.h"
#include "auth/password_policy.h"
#include "cli/commands.h"
#include "config/config.h"
#include "crypto/password_hash.h"
#include "db/connection.h"

namespace stoa::cli {
namespace {

constexpr db::Query kFind{"cli_user_find",
                          "SELECT id, role FROM users WHERE lower(username) = $1 OR lower(email) = $2"};
constexpr db::Query kCreateAdmin{
    "cli_user_create_admin",
    "INSERT INTO users (username, email, password_hash, role, email_verified_at) "
    "VALUES ($1, $2, $3, 'admin', now()) RETURNING id"};
constexpr db::Query kPromote{"cli_user_promote",
                             "UPDATE users SET role = 'admin', email_verified_at = coalesce(email_verified_at, now()), "
                             "updated_at = now() WHERE id = $1"};
constexpr db::Query kVerify{"cli_user_verify",
                            "UPDATE users SET email_verified_at = coalesce(email_verified_at, now()), "
                            "role = CASE WHEN role = 'guest' THEN 'user' ELSE role END, updated_at = now() "
                            "WHERE lower(username) = $1 RETURNING id"};
constexpr db::Query kUnlock{"cli_user_unlock",
                            "UPDATE users SET locked_until = NULL, failed_logins = 0, updated_at = now() "
                            "WHERE lower(username) = $1 RETURNING id"};
constexpr db::Query kLog{"cli_audit",
                         "INSERT INTO account_logs (user_id, event, detail, request_id) VALUES ($1, $2, $3::jsonb, 'stoactl')"};

struct Options {
    std::optional<std::string> username;
    std::optional<std::string> email;
};

// Parses --username U and --email E; nullopt (after a message) on anything else.
std::optional<Options> parse(const Args& args, bool want_email) {
    Options o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--username" && i + 1 < args.size()) o.username = args[++i];
        else if (want_email && args[i] == "--email" && i + 1 < args.size()) o.email = args[++i];
        else if (args[i] == "--password") {
            std::fprintf(stderr, "error: passwords are read from standard input, never from the command line\n");
            return std::nullopt;
        } else {
            std::fprintf(stderr, "error: unexpected argument \"%s\"\n", args[i].c_str());
            return std::nullopt;
        }
    }
    if (!o.username || (want_email && !o.email)) {
        std::fprintf(stderr, "error: %s\n", want_email ? "--username and --email are required" : "--username is required");
        return std::nullopt;
    }
    return o;
}

// One line from stdin, without echo when it is a terminal.
std::string read_password() {
    bool tty = isatty(STDIN_FILENO) != 0;
    termios old{};
    if (tty) {
        std::fprintf(stderr, "Password: ");
        tcgetattr(STDIN_FILENO, &old);
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
        std::fprintf(stderr, "\n");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

std::optional<Config> config_or_complain() {
    ConfigVerdict v = load_config_from_process_env();
    for (const auto& e : v.errors) std::fprintf(stderr, "error: %s\n", e.c_str());
    return v.config;
}

int run_guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

}  // namespace

int create_admin(const Args& args) {
    auto o = parse(args, true);
    if (!o) {
        std::fprintf(stderr, "usage: stoactl create-admin --username U --email E  (password on stdin)\n");
        return 2;
    }
    auto username = auth::normalize_username(*o->username);
    auto email = auth::normalize_email(*o->email);
    if (!username) std::fprintf(stderr, "error: --username: %s\n", auth::kUsernameRule);
    if (!email) std::fprintf(stderr, "error: --email: an address like name@example.org\n");
    if (!username || !email) return 2;
    auto config = config_or_complain();
    if (!config) return 1;
    return run_guarded([&] {
        db::Connection db(config->database_url);
        auto found = db.exec(kFind, *username, *email);
        if (found.rows() > 1) {
            std::fprintf(stderr, "error: the username and the email belong to two different accounts\n");
            return 1;
        }
        if (found.rows() == 1) {
            std::int64_t id = found.int64(0, 0);
            db.exec(kPromote, id);
            db.exec(kLog, id, "role_change", R"({"role":"admin","by":"stoactl"})");
            std::printf("promoted %s to admin\n", username->c_str());
            return 0;
        }
        std::string password = read_password();
        auto violations = auth::check_password(password, *username, *email);
        if (!auth::valid_utf8(password)) {
            std::fprintf(stderr, "error: the password must be valid UTF-8\n");
            return 2;
        }
        if (!violations.empty()) {
            for (const auto& v : violations) std::fprintf(stderr, "error: password: %s\n", v.message.c_str());
            sodium_memzero(password.data(), password.size());
            return 2;
        }
        crypto::Argon2Params params;
        params.opslimit = config->argon2_opslimit;
        params.memlimit_bytes = config->argon2_memlimit_kib * 1024;
        auto hasher = crypto::PasswordHasher::create(params);
        if (!hasher) throw std::runtime_error(hasher.error());
        auto hash = hasher->hash(password);
        sodium_memzero(password.data(), password.size());
        if (!hash) throw std::runtime_error(hash.error());
        auto r = db.exec(kCreateAdmin, *username, *email, *hash);
        db.exec(kLog, r.int64(0, 0), "register", R"({"role":"admin","by":"stoactl"})");
        std::printf("created admin %s\n", username->c_str());
        return 0;
    });
}

namespace {

// One UPDATE on the user named by --username, logged as `event`; `done` is
// what is printed ("verified alice").
int update_one_user(const Args& args, const db::Query& update, const char* event, const char* done) {
    auto o = parse(args, false);
    if (!o) return 2;
    auto username = auth::normalize_username(*o->username);
    auto config = config_or_complain();
    if (!config) return 1;
    return run_guarded([&] {
        db::Connection db(config->database_url);
        auto r = username ? db.exec(update, *username) : db::PgResult();
        if (r.empty()) {
            std::fprintf(stderr, "error: no user %s\n", o->username->c_str());
            return 1;
        }
        db.exec(kLog, r.int64(0, 0), event, R"({"by":"stoactl"})");
        std::printf("%s %s\n", done, username->c_str());
        return 0;
    });
}

}  // namespace

int verify_email(const Args& args) { return update_one_user(args, kVerify, "email_verified", "verified"); }

int unlock(const Args& args) { return update_one_user(args, kUnlock, "unlock", "unlocked"); }

}  // namespace stoa::cli
