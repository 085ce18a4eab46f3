// Unit tests for the community settings of src/config/config.*: defaults,
// accepted values, and one error line per bad variable.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/config.h"

namespace {

using Vars = std::map<std::string, std::string>;

stoa::ConfigVerdict load(Vars vars) {
    vars.emplace("STOA_ENV", "development");
    vars.emplace("DATABASE_URL", "host=/run/postgresql dbname=stoa");
    vars.emplace("JWT_SECRET", "q7Vb2mK9xP4wL8nR3tY6uZ1aC5dF0gHjKeMsNvBq");
    return stoa::load_config([&](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

bool has_error_for(const stoa::ConfigVerdict& v, const std::string& var) {
    for (const auto& e : v.errors)
        if (e.rfind(var + ":", 0) == 0) return true;
    return false;
}

TEST(CommunityConfig, DefaultsMatchTheIssue) {
    auto v = load({});
    ASSERT_TRUE(v.config.has_value()) << (v.errors.empty() ? "" : v.errors[0]);
    const auto& c = *v.config;
    EXPECT_EQ(c.comment_moderation, stoa::CommentModeration::off);
    EXPECT_EQ(c.comment_edit_window_seconds, 900);
    EXPECT_EQ(c.rate_limit("comment_user").limit, 10);
    EXPECT_EQ(c.rate_limit("comment_user").window_seconds, 600);
    EXPECT_TRUE(c.comment_moderation_mail);
    EXPECT_EQ(c.comment_moderation_mail_interval_seconds, 600);
    EXPECT_EQ(c.new_account_link_limit, 2);
    EXPECT_EQ(c.new_account_age_seconds, 86400);
}

TEST(CommunityConfig, ReadsEverySetting) {
    auto v = load({{"COMMENT_MODERATION", "first"},
                   {"COMMENT_EDIT_WINDOW_SECONDS", "60"},
                   {"RATE_LIMIT_COMMENT_USER", "3/60"},
                   {"NEW_ACCOUNT_AGE_SECONDS", "0"},
                   {"NEW_ACCOUNT_LINK_LIMIT", "0"},
                   {"COMMENT_MODERATION_MAIL", "false"},
                   {"COMMENT_MODERATION_MAIL_INTERVAL_SECONDS", "3600"}});
    ASSERT_TRUE(v.config.has_value()) << (v.errors.empty() ? "" : v.errors[0]);
    const auto& c = *v.config;
    EXPECT_EQ(c.comment_moderation, stoa::CommentModeration::first);
    EXPECT_EQ(c.comment_edit_window_seconds, 60);
    EXPECT_EQ(c.rate_limit("comment_user").limit, 3);
    EXPECT_EQ(c.new_account_age_seconds, 0);
    EXPECT_EQ(c.new_account_link_limit, 0);
    EXPECT_FALSE(c.comment_moderation_mail);
    EXPECT_EQ(c.comment_moderation_mail_interval_seconds, 3600);
    EXPECT_EQ(load({{"COMMENT_MODERATION", "all"}}).config->comment_moderation, stoa::CommentModeration::all);
}

TEST(CommunityConfig, RefusesBadValuesNamingTheVariable) {
    for (auto [name, value] : {std::pair{"COMMENT_MODERATION", "sometimes"},
                               {"COMMENT_EDIT_WINDOW_SECONDS", "-1"},
                               {"COMMENT_EDIT_WINDOW_SECONDS", "15m"},
                               {"RATE_LIMIT_COMMENT_USER", "10"},
                               {"NEW_ACCOUNT_LINK_LIMIT", "many"},
                               {"COMMENT_MODERATION_MAIL", "maybe"},
                               {"COMMENT_MODERATION_MAIL_INTERVAL_SECONDS", "99999999"}}) {
        auto v = load({{name, value}});
        EXPECT_FALSE(v.config.has_value()) << name << "=" << value;
        EXPECT_TRUE(has_error_for(v, name)) << name << "=" << value;
    }
}

}  // namespace
