// Config: every setting, read from the environment once at start, validated,
// then immutable. A worker refuses to start on any error, each reported as
// one line naming the variable and what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace stoa {

enum class Environment { development, test, production };

// COMMENT_MODERATION: off (nothing waits), first (a user's comments wait
// until one of them has been approved), all (every comment of a user waits).
enum class CommentModeration { off, first, all };

struct RateLimitRule {
    int limit = 0;
    int window_seconds = 60;
};

struct Config {
    Environment env = Environment::development;
    std::string database_url;

    std::string jwt_secret;
    std::string jwt_issuer = "stoa";
    std::string jwt_audience = "stoa";
    int access_token_ttl = 15 * 60;
    int refresh_token_ttl = 30 * 24 * 3600;

    bool cookie_secure = true;
    std::vector<std::string> allowed_origins;
    std::vector<std::string> site_origins;
    std::string public_base_url;

    std::string storage_local_dir;
    std::string storage_smb_url;
    std::string storage_smb_user;
    std::string storage_smb_password;
    std::string storage_smb_domain;

    std::string mail_transport = "sendmail";
    std::string mail_sendmail = "/usr/sbin/sendmail";
    std::string mail_from;
    std::string mail_smtp_url;
    std::string mail_smtp_user;
    std::string mail_smtp_password;
    bool mail_new_sign_in = false;  // mail users on every new sign-in

    // Named limits: login_ip, login_account, register_ip, password_ip,
    // refresh_ip, verify_account, default_ip, default_user, comment_user.
    std::map<std::string, RateLimitRule, std::less<>> rate_limits;
    int lockout_threshold = 5;
    int lockout_seconds = 15 * 60;
    bool require_email_verification = false;

    unsigned long long argon2_opslimit = 2;
    std::size_t argon2_memlimit_kib = 19 * 1024;

    std::string log_level = "info";
    int account_log_retention_days = 365;
    int outbox_retention_days = 30;

    // Community (likes and comments).
    CommentModeration comment_moderation = CommentModeration::off;
    int comment_edit_window_seconds = 15 * 60;
    // Accounts younger than this may put at most new_account_link_limit links in a comment.
    int new_account_age_seconds = 24 * 3600;
    int new_account_link_limit = 2;
    // Mail moderators about waiting comments, at most once per interval each.
    bool comment_moderation_mail = true;
    int comment_moderation_mail_interval_seconds = 10 * 60;

    // Projects: quotas per project (PROJECT_MAX_*), and per upload.
    int project_max_steps = 200;
    int project_max_bom_items = 500;
    int project_max_files = 50;
    int project_max_images = 50;
    std::uint64_t project_max_bytes = 500ull * 1024 * 1024;  // everything stored for one project
    std::uint64_t project_max_file_bytes = 25ull * 1024 * 1024;
    std::uint64_t project_max_image_bytes = 10ull * 1024 * 1024;

    bool production() const noexcept { return env == Environment::production; }
    const RateLimitRule& rate_limit(const std::string& name) const;
};

struct ConfigVerdict {
    std::optional<Config> config;      // set when there is no error
    std::vector<std::string> errors;   // one line each: "JWT_SECRET: ..."
    std::vector<std::string> warnings;
};

using GetEnv = std::function<const char*(const char*)>;

ConfigVerdict load_config(const GetEnv& getenv);
ConfigVerdict load_config_from_process_env();

const char* environment_name(Environment env);

}  // namespace stoa
