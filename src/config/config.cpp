#include "config/config.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <set>
#include <string_view>

namespace stoa {
namespace {

// Values from README examples and frameworks' defaults that must never sign tokens.
constexpr std::array<std::string_view, 12> kPlaceholderSecrets{
    "changeme", "change-me", "change_me", "secret", "your-secret-here", "your_jwt_secret",
    "jwt_secret", "please-change-this-secret", "replace-me", "default", "password", "example"};

struct Reader {
    const GetEnv& getenv;
    ConfigVerdict& verdict;

    std::optional<std::string> raw(const char* name) const {
        const char* v = getenv(name);
        if (v == nullptr || *v == '\0') return std::nullopt;
        return std::string(v);
    }
    void error(const char* name, const std::string& what) const {
        verdict.errors.push_back(std::string(name) + ": " + what);
    }
    std::string string(const char* name, std::string fallback) const { return raw(name).value_or(std::move(fallback)); }

    bool boolean(const char* name, bool fallback) const {
        auto v = raw(name);
        if (!v) return fallback;
        if (*v == "true" || *v == "1" || *v == "yes" || *v == "on") return true;
        if (*v == "false" || *v == "0" || *v == "no" || *v == "off") return false;
        error(name, "must be true or false, got \"" + *v + "\"");
        return fallback;
    }

    long long integer(const char* name, long long fallback, long long min, long long max) const {
        auto v = raw(name);
        if (!v) return fallback;
        char* end = nullptr;
        errno = 0;
        long long n = std::strtoll(v->c_str(), &end, 10);
        if (errno != 0 || end == v->c_str() || *end != '\0') {
            error(name, "must be a whole number, got \"" + *v + "\"");
            return fallback;
        }
        if (n < min || n > max) {
            error(name, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + *v);
            return fallback;
        }
        return n;
    }
};

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i <= text.size()) {
        std::size_t j = text.find(',', i);
        if (j == std::string::npos) j = text.size();
        std::string item = text.substr(i, j - i);
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) out.push_back(item);
        i = j + 1;
    }
    return out;
}

// scheme://host[:port] with no path, as browsers send in Origin.
bool valid_origin(const std::string& o) {
    std::string_view v(o);
    std::string_view rest;
    if (v.starts_with("https://")) rest = v.substr(8);
    else if (v.starts_with("http://")) rest = v.substr(7);
    else return false;
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) return false;
    return std::all_of(rest.begin(), rest.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    });
}

void read_origins(const Reader& r, const char* name, bool allow_wildcard, std::vector<std::string>& out) {
    auto v = r.raw(name);
    if (!v) return;
    for (auto& o : split_list(*v)) {
        if (o == "*") {
            if (!allow_wildcard) r.error(name, "a wildcard origin (*) is not allowed here; list the origins");
            else out.push_back(o);
            continue;
        }
        while (!o.empty() && o.back() == '/') o.pop_back();
        if (!valid_origin(o)) {
            r.error(name, "\"" + o + "\" is not an origin like https://example.org or https://example.org:8443");
            continue;
        }
        std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        out.push_back(o);
    }
}

void check_secret(const Reader& r, const std::string& secret) {
    if (secret.empty()) {
        r.error("JWT_SECRET", "is missing; set it to at least 32 random bytes (e.g. `openssl rand -base64 48`)");
        return;
    }
    if (secret.size() < 32) {
        r.error("JWT_SECRET", "is too short (" + std::to_string(secret.size()) +
                                  " bytes); it must be at least 32 random bytes");
        return;
    }
    std::string lower(secret);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (auto p : kPlaceholderSecrets) {
        if (lower.find(p) != std::string::npos) {
            r.error("JWT_SECRET", "contains the placeholder \"" + std::string(p) + "\"; generate a random one");
            return;
        }
    }
    std::set<char> distinct(secret.begin(), secret.end());
    if (distinct.size() < 10) r.error("JWT_SECRET", "is not random enough (fewer than 10 distinct characters)");
}

void read_rate_limit(const Reader& r, Config& c, const char* env_name, const std::string& key, int limit, int window) {
    RateLimitRule rule{limit, window};
    if (auto v = r.raw(env_name)) {
        // "LIMIT/WINDOW_SECONDS", e.g. "5/60".
        auto slash = v->find('/');
        char* end = nullptr;
        long l = std::strtol(v->c_str(), &end, 10);
        long w = slash == std::string::npos ? 0 : std::strtol(v->c_str() + slash + 1, nullptr, 10);
        if (slash == std::string::npos || end != v->c_str() + slash || l < 1 || l > 1000000 || w < 1 || w > 86400) {
            r.error(env_name, "must be LIMIT/WINDOW_SECONDS like 5/60, got \"" + *v + "\"");
        } else {
            rule = {static_cast<int>(l), static_cast<int>(w)};
        }
    }
    c.rate_limits[key] = rule;
}

}  // namespace

const char* environment_name(Environment env) {
    switch (env) {
        case Environment::development: return "development";
        case Environment::test: return "test";
        case Environment::production: return "production";
    }
    return "development";
}

const RateLimitRule& Config::rate_limit(const std::string& name) const {
    auto it = rate_limits.find(name);
    if (it == rate_limits.end()) return rate_limits.at("default_ip");
    return it->second;
}

ConfigVerdict load_config(const GetEnv& getenv) {
    ConfigVerdict verdict;
    Reader r{getenv, verdict};
    Config c;

    std::string env = r.string("STOA_ENV", "production");
    if (env == "development") c.env = Environment::development;
    else if (env == "test") c.env = Environment::test;
    else if (env == "production") c.env = Environment::production;
    else r.error("STOA_ENV", "must be development, test or production, got \"" + env + "\"");

    c.database_url = r.string("DATABASE_URL", "");
    if (c.database_url.empty()) r.error("DATABASE_URL", "is missing; e.g. postgresql://stoa@/stoa or host=/run/postgresql dbname=stoa");

    c.jwt_secret = r.string("JWT_SECRET", "");
    check_secret(r, c.jwt_secret);
    c.jwt_issuer = r.string("JWT_ISSUER", c.jwt_issuer);
    c.jwt_audience = r.string("JWT_AUDIENCE", c.jwt_audience);
    c.access_token_ttl = static_cast<int>(r.integer("JWT_ACCESS_TTL", c.access_token_ttl, 60, 24 * 3600));
    c.refresh_token_ttl = static_cast<int>(r.integer("JWT_REFRESH_TTL", c.refresh_token_ttl, 3600, 365 * 24 * 3600));

    c.cookie_secure = r.boolean("COOKIE_SECURE", true);
    if (c.production() && !c.cookie_secure) r.error("COOKIE_SECURE", "must be true in production (cookies would travel over plain HTTP)");

    read_origins(r, "ALLOWED_ORIGINS", !c.production(), c.allowed_origins);
    read_origins(r, "SITE_ORIGINS", false, c.site_origins);
    c.public_base_url = r.string("PUBLIC_BASE_URL", "");
    while (!c.public_base_url.empty() && c.public_base_url.back() == '/') c.public_base_url.pop_back();
    if (!c.public_base_url.empty() && !valid_origin(c.public_base_url) &&
        !(c.public_base_url.starts_with("https://") || c.public_base_url.starts_with("http://")))
        r.error("PUBLIC_BASE_URL", "must be an absolute http(s) URL like https://example.org");
    if (c.production() && c.public_base_url.starts_with("http://"))
        r.error("PUBLIC_BASE_URL", "must be https in production");

    c.storage_local_dir = r.string("STORAGE_LOCAL_DIR", "/var/lib/stoa/files");
    if (c.storage_local_dir.empty() || c.storage_local_dir.front() != '/')
        r.error("STORAGE_LOCAL_DIR", "must be an absolute path");
    c.storage_smb_url = r.string("STORAGE_SMB_URL", "");
    if (!c.storage_smb_url.empty() && !c.storage_smb_url.starts_with("smb://"))
        r.error("STORAGE_SMB_URL", "must look like smb://host/share[/prefix]");
    c.storage_smb_user = r.string("STORAGE_SMB_USER", "");
    c.storage_smb_password = r.string("STORAGE_SMB_PASSWORD", "");
    c.storage_smb_domain = r.string("STORAGE_SMB_DOMAIN", "");

    c.mail_transport = r.string("MAIL_TRANSPORT", c.mail_transport);
    if (c.mail_transport != "sendmail" && c.mail_transport != "smtp")
        r.error("MAIL_TRANSPORT", "must be sendmail or smtp, got \"" + c.mail_transport + "\"");
    c.mail_sendmail = r.string("MAIL_SENDMAIL", c.mail_sendmail);
    c.mail_from = r.string("MAIL_FROM", "");
    c.mail_smtp_url = r.string("MAIL_SMTP_URL", "");
    c.mail_smtp_user = r.string("MAIL_SMTP_USER", "");
    c.mail_smtp_password = r.string("MAIL_SMTP_PASSWORD", "");
    c.mail_new_sign_in = r.boolean("MAIL_NEW_SIGN_IN", false);
    if (c.mail_transport == "smtp" && !(c.mail_smtp_url.starts_with("smtp://") || c.mail_smtp_url.starts_with("smtps://")))
        r.error("MAIL_SMTP_URL", "must be smtp://host:587 or smtps://host:465 when MAIL_TRANSPORT=smtp");

    read_rate_limit(r, c, "RATE_LIMIT_LOGIN_IP", "login_ip", 5, 60);
    read_rate_limit(r, c, "RATE_LIMIT_LOGIN_ACCOUNT", "login_account", 10, 3600);
    read_rate_limit(r, c, "RATE_LIMIT_REGISTER_IP", "register_ip", 3, 3600);
    read_rate_limit(r, c, "RATE_LIMIT_PASSWORD_IP", "password_ip", 5, 3600);
    read_rate_limit(r, c, "RATE_LIMIT_REFRESH_IP", "refresh_ip", 10, 60);
    read_rate_limit(r, c, "RATE_LIMIT_VERIFY_ACCOUNT", "verify_account", 3, 3600);
    read_rate_limit(r, c, "RATE_LIMIT_DEFAULT_IP", "default_ip", 300, 60);
    read_rate_limit(r, c, "RATE_LIMIT_DEFAULT_USER", "default_user", 300, 60);
    read_rate_limit(r, c, "RATE_LIMIT_COMMENT_USER", "comment_user", 10, 600);
    c.lockout_threshold = static_cast<int>(r.integer("LOCKOUT_THRESHOLD", c.lockout_threshold, 1, 1000));
    c.lockout_seconds = static_cast<int>(r.integer("LOCKOUT_SECONDS", c.lockout_seconds, 1, 7 * 24 * 3600));
    c.require_email_verification = r.boolean("REQUIRE_EMAIL_VERIFICATION", false);

    c.argon2_opslimit = static_cast<unsigned long long>(r.integer("ARGON2_OPSLIMIT", 2, 2, 20));
    c.argon2_memlimit_kib = static_cast<std::size_t>(r.integer("ARGON2_MEMLIMIT_KIB", 19 * 1024, 19 * 1024, 4 * 1024 * 1024));

    c.account_log_retention_days =
        static_cast<int>(r.integer("ACCOUNT_LOG_RETENTION_DAYS", c.account_log_retention_days, 1, 36500));
    c.outbox_retention_days = static_cast<int>(r.integer("OUTBOX_RETENTION_DAYS", c.outbox_retention_days, 1, 3650));
    std::string moderation = r.string("COMMENT_MODERATION", "off");
    if (moderation == "off") c.comment_moderation = CommentModeration::off;
    else if (moderation == "first") c.comment_moderation = CommentModeration::first;
    else if (moderation == "all") c.comment_moderation = CommentModeration::all;
    else r.error("COMMENT_MODERATION", "must be off, first or all, got \"" + moderation + "\"");
    c.comment_edit_window_seconds =
        static_cast<int>(r.integer("COMMENT_EDIT_WINDOW_SECONDS", c.comment_edit_window_seconds, 0, 7 * 24 * 3600));
    c.new_account_age_seconds =
        static_cast<int>(r.integer("NEW_ACCOUNT_AGE_SECONDS", c.new_account_age_seconds, 0, 365 * 24 * 3600));
    c.new_account_link_limit = static_cast<int>(r.integer("NEW_ACCOUNT_LINK_LIMIT", c.new_account_link_limit, 0, 1000));
    c.comment_moderation_mail = r.boolean("COMMENT_MODERATION_MAIL", c.comment_moderation_mail);
    c.comment_moderation_mail_interval_seconds = static_cast<int>(r.integer(
        "COMMENT_MODERATION_MAIL_INTERVAL_SECONDS", c.comment_moderation_mail_interval_seconds, 0, 7 * 24 * 3600));
    c.project_max_steps = static_cast<int>(r.integer("PROJECT_MAX_STEPS", c.project_max_steps, 1, 100000));
    c.project_max_bom_items = static_cast<int>(r.integer("PROJECT_MAX_BOM_ITEMS", c.project_max_bom_items, 1, 100000));
    c.project_max_files = static_cast<int>(r.integer("PROJECT_MAX_FILES", c.project_max_files, 0, 100000));
    c.project_max_images = static_cast<int>(r.integer("PROJECT_MAX_IMAGES", c.project_max_images, 0, 100000));
    c.project_max_bytes = static_cast<std::uint64_t>(
        r.integer("PROJECT_MAX_BYTES", static_cast<long long>(c.project_max_bytes), 0, 1LL << 40));
    c.project_max_file_bytes = static_cast<std::uint64_t>(
        r.integer("PROJECT_MAX_FILE_BYTES", static_cast<long long>(c.project_max_file_bytes), 1, 25LL * 1024 * 1024));
    c.project_max_image_bytes = static_cast<std::uint64_t>(
        r.integer("PROJECT_MAX_IMAGE_BYTES", static_cast<long long>(c.project_max_image_bytes), 1, 10LL * 1024 * 1024));
    c.log_level = r.string("LOG_LEVEL", c.log_level);
    if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error")
        r.error("LOG_LEVEL", "must be debug, info, warn or error, got \"" + c.log_level + "\"");

    if (c.production() && c.allowed_origins.empty())
        verdict.warnings.push_back("ALLOWED_ORIGINS: empty; browsers on other origins get no CORS headers");
    if (c.production() && c.site_origins.empty())
        verdict.warnings.push_back("SITE_ORIGINS: empty; likes and comments on pages are refused (entities only)");
    if (c.production() && c.public_base_url.empty())
        r.error("PUBLIC_BASE_URL", "is missing; links in emails need it (e.g. https://example.org)");

    if (verdict.errors.empty()) verdict.config = std::move(c);
    return verdict;
}

ConfigVerdict load_config_from_process_env() {
    return load_config([](const char* name) { return std::getenv(name); });
}

}  // namespace stoa
