#include "auth/last_admin.h"

namespace stoa::auth {
namespace {

constexpr db::Query kLockAdmins{"admins_lock", "SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE"};

}  // namespace

bool is_last_admin(db::Connection& db, std::int64_t user_id) {
    auto admins = db.exec(kLockAdmins);
    bool is_admin = false;
    for (int i = 0; i < admins.rows(); ++i) is_admin |= admins.int64(i, 0) == user_id;
    return is_admin && admins.rows() <= 1;
}

}  // namespace stoa::auth
