// Targets in the database: one community_targets row per page or entity,
// created by the first like, comment or subscription.
#pragma once

#include <cstdint>
#include <optional>

#include "app.h"
#include "community/target.h"
#include "db/connection.h"

namespace stoa::community {

// The columns "t.url, t.comment_id, t.project_id" of a community_targets
// row, starting at `first_col`, as a Target.
#define STOA_TARGET_COLUMNS "t.url, t.comment_id, t.project_id"
Target read_target_columns(const db::PgResult& r, int row, int first_col);

// The row of a target, if anything was ever attached to it.
std::optional<std::int64_t> find_target_id(db::Connection& db, const Target& t);
// The row of a target, created when missing. Locks the row until the
// transaction ends, so call it inside one.
std::int64_t ensure_target_id(db::Connection& db, const Target& t);

// 404 unless the entity exists and the caller may see it: a comment that is
// approved (or the caller's own waiting one, or any for moderators). Pages
// need no check (their origin was checked when parsing). A project must
// exist and be readable: a draft is visible to its author and admins only.
void require_visible_entity(RequestContext& ctx, const Target& t);

}  // namespace stoa::community
