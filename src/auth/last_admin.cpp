#include "auth/last_admin.h"

namespace stoa::auth {
namespace {

constexpr db::Query kLockAdmins{"admins_lock", "SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR UPDATE"};

bool contains(const db::PgResult& admins, std::int64_t user_id) {
    for (int i = 0; i < admins.rows(); ++i)
        if (admins.int64(i, 0) == user_id) return true;
    return false;
}

}  // namespace

bool is_last_admin(db::Connection& db, std::int64_t user_id) {
    auto admins = db.exec(kLockAdmins);
    return contains(admins, user_id) && admins.rows() <= 1;
}

bool is_admin_locked(db::Connection& db, std::int64_t user_id) { return contains(db.exec(kLockAdmins), user_id); }

}  // namespace stoa::auth
