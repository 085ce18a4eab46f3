// What the account export (GET /api/v1/account/export) holds of the
// community features: the caller's likes, comments and subscriptions.
#pragma once

#include <cstdint>

#include "db/connection.h"
#include "json/json.h"

namespace stoa::community {

Json export_likes(db::Connection& db, std::int64_t user_id);
// Every comment the user wrote, whatever its status; deleted ones without their (erased) body.
Json export_comments(db::Connection& db, std::int64_t user_id);
Json export_subscriptions(db::Connection& db, std::int64_t user_id);

}  // namespace stoa::community
