// Every resource registers its routes here; one function per handler file.
#pragma once

#include <optional>
#include <string>

#include "http/router.h"

namespace stoa::handlers {

void register_health_routes(http::Router& r);
void register_auth_routes(http::Router& r);
void register_auth_form_routes(http::Router& r);
void register_two_factor_routes(http::Router& r);
void register_password_and_email_routes(http::Router& r);
void register_session_routes(http::Router& r);
void register_account_routes(http::Router& r);
void register_profile_routes(http::Router& r);
void register_picture_routes(http::Router& r);
void register_admin_routes(http::Router& r);
void register_like_routes(http::Router& r);
void register_count_routes(http::Router& r);
void register_comment_routes(http::Router& r);
void register_moderation_routes(http::Router& r);
void register_subscription_routes(http::Router& r);
void register_notification_setting_routes(http::Router& r);
void register_unsubscribe_routes(http::Router& r);
void register_feed_routes(http::Router& r);
void register_project_routes(http::Router& r);
void register_project_part_routes(http::Router& r);
void register_component_routes(http::Router& r);
void register_project_file_routes(http::Router& r);
void register_project_download_routes(http::Router& r);

// A same-origin path for return_to, or nullopt (open-redirect tricks refused).
std::optional<std::string> safe_return_to(const std::optional<std::string>& value);
#ifdef STOA_TEST_ROUTES
void register_test_routes(http::Router& r);
#endif

inline void register_all_routes(http::Router& r) {
    register_health_routes(r);
    register_auth_routes(r);
    register_auth_form_routes(r);
    register_two_factor_routes(r);
    register_password_and_email_routes(r);
    register_session_routes(r);
    register_account_routes(r);
    register_profile_routes(r);
    register_picture_routes(r);
    register_admin_routes(r);
    register_like_routes(r);
    register_count_routes(r);
    register_comment_routes(r);
    register_moderation_routes(r);
    register_subscription_routes(r);
    register_notification_setting_routes(r);
    register_unsubscribe_routes(r);
    register_feed_routes(r);
    register_project_routes(r);
    register_project_part_routes(r);
    register_component_routes(r);
    register_project_file_routes(r);
    register_project_download_routes(r);
#ifdef STOA_TEST_ROUTES
    register_test_routes(r);
#endif
}

}  // namespace stoa::handlers
