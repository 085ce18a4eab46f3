// The site must keep at least one admin.
#pragma once

#include <cstdint>

#include "db/connection.h"

namespace stoa::auth {

// True when `user_id` is the only admin. Locks the admins' rows: call it in
// the transaction that demotes or deletes, so two admins demoting each other
// at once are serialised and the second sees the first's change.
bool is_last_admin(db::Connection& db, std::int64_t user_id);

// Locks the admins' rows like is_last_admin and tells whether `user_id` is
// still one of them (an admin demoted or deleted a moment ago is not).
bool is_admin_locked(db::Connection& db, std::int64_t user_id);

}  // namespace stoa::auth
