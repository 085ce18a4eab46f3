#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.h"

namespace {

using Vars = std::map<std::string, std::string>;

const char* kGoodSecret = "q7Vb2mK9xP4wL8nR3tY6uZ1aC5dF0gHjKeMsNvBq";

stoa::ConfigVerdict load(const Vars& vars) {
    return stoa::load_config([&](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

Vars production() {
    return {{"STOA_ENV", "production"},
            {"DATABASE_URL", "host=/run/postgresql dbname=stoa"},
            {"JWT_SECRET", kGoodSecret},
            {"COOKIE_SECURE", "true"},
            {"ALLOWED_ORIGINS", "https://example.org"},
            {"SITE_ORIGINS", "https://example.org"},
            {"PUBLIC_BASE_URL", "https://example.org"}};
}

bool has_error_for(const stoa::ConfigVerdict& v, const std::string& var) {
    for (const auto& e : v.errors)
        if (e.rfind(var + ":", 0) == 0) return true;
    return false;
}

}  // namespace

TEST(Config, AcceptsAGoodProductionConfig) {
    auto v = load(production());
    ASSERT_TRUE(v.config.has_value()) << (v.errors.empty() ? "" : v.errors[0]);
    EXPECT_TRUE(v.config->production());
    EXPECT_EQ(v.config->allowed_origins.at(0), "https://example.org");
    EXPECT_EQ(v.config->rate_limit("login_ip").limit, 5);
    EXPECT_EQ(v.config->rate_limit("login_ip").window_seconds, 60);
}

TEST(Config, RefusesInsecureCookiesInProduction) {
    Vars vars = production();
    vars["COOKIE_SECURE"] = "false";
    auto v = load(vars);
    EXPECT_FALSE(v.config.has_value());
    EXPECT_TRUE(has_error_for(v, "COOKIE_SECURE"));
}

TEST(Config, AllowsInsecureCookiesInDevelopment) {
    Vars vars = production();
    vars["STOA_ENV"] = "development";
    vars["COOKIE_SECURE"] = "false";
    EXPECT_TRUE(load(vars).config.has_value());
}

TEST(Config, RefusesWildcardOriginInProduction) {
    Vars vars = production();
    vars["ALLOWED_ORIGINS"] = "https://a.example, *";
    auto v = load(vars);
    EXPECT_FALSE(v.config.has_value());
    EXPECT_TRUE(has_error_for(v, "ALLOWED_ORIGINS"));
}

TEST(Config, RefusesShortMissingAndPlaceholderSecrets) {
    for (std::string secret : {"", "tooshort", "changeme-changeme-changeme-changeme-changeme",
                               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
        Vars vars = production();
        if (secret.empty()) vars.erase("JWT_SECRET");
        else vars["JWT_SECRET"] = secret;
        auto v = load(vars);
        EXPECT_FALSE(v.config.has_value()) << secret;
        EXPECT_TRUE(has_error_for(v, "JWT_SECRET")) << secret;
    }
}

TEST(Config, RefusesUnparsableValuesNamingTheVariable) {
    Vars vars = production();
    vars["COOKIE_SECURE"] = "maybe";
    vars["LOCKOUT_THRESHOLD"] = "five";
    vars["RATE_LIMIT_LOGIN_IP"] = "5 per minute";
    vars["STOA_ENV"] = "staging";
    auto v = load(vars);
    EXPECT_FALSE(v.config.has_value());
    EXPECT_TRUE(has_error_for(v, "COOKIE_SECURE"));
    EXPECT_TRUE(has_error_for(v, "LOCKOUT_THRESHOLD"));
    EXPECT_TRUE(has_error_for(v, "RATE_LIMIT_LOGIN_IP"));
    EXPECT_TRUE(has_error_for(v, "STOA_ENV"));
}

TEST(Config, RefusesOriginsWithPaths) {
    Vars vars = production();
    vars["SITE_ORIGINS"] = "https://example.org/blog";
    EXPECT_TRUE(has_error_for(load(vars), "SITE_ORIGINS"));
}

TEST(Config, ReadsRateLimitOverrides) {
    Vars vars = production();
    vars["RATE_LIMIT_LOGIN_IP"] = "20/30";
    auto v = load(vars);
    ASSERT_TRUE(v.config.has_value());
    EXPECT_EQ(v.config->rate_limit("login_ip").limit, 20);
    EXPECT_EQ(v.config->rate_limit("login_ip").window_seconds, 30);
}

TEST(Config, DefaultsToProductionWhenStoaEnvIsUnset) {
    Vars vars = production();
    vars.erase("STOA_ENV");
    vars["COOKIE_SECURE"] = "false";
    EXPECT_FALSE(load(vars).config.has_value()) << "an unset STOA_ENV must get production's strict checks";
}

TEST(Config, RefusesArgonParametersBelowOwaspMinimum) {
    Vars vars = production();
    vars["ARGON2_MEMLIMIT_KIB"] = "1024";
    EXPECT_TRUE(has_error_for(load(vars), "ARGON2_MEMLIMIT_KIB"));
}
