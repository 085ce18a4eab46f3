// Reading comments: the rows comment_thread builds from, for a whole
// target (one query) or one comment.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "app.h"
#include "community/comment_thread.h"
#include "community/target.h"
#include "db/answer_cache.h"
#include "db/connection.h"

namespace stoa::community {

// The caller as comment visibility sees them.
Viewer viewer_of(const RequestContext& ctx);

// Every comment of a target, ordered by id; empty when the target has none.
// like_count is filled only `with_likes` (it costs a lookup per comment).
std::vector<CommentRow> load_thread(db::Connection& db, const Target& t, bool with_likes);

// A page of a thread as an anonymous reader sees it, the JSON answer of
// GET /api/v1/comments: kept in `cache` and served again while the target's
// thread_version is unchanged (one index lookup instead of the thread).
std::string public_thread_page(db::Connection& db, db::AnswerCache& cache, const Target& t, ThreadSort sort,
                               std::int64_t page, std::int64_t per_page);

struct StoredComment {
    CommentRow row;
    std::int64_t target_id = 0;
    Target target;
    std::int64_t age_seconds = 0;
};

// One comment (locked for update until the transaction ends with `lock`).
std::optional<StoredComment> load_comment(db::Connection& db, std::int64_t id, bool lock);

}  // namespace stoa::community
