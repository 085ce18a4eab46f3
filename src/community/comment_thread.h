// A target's comments as API.md shows them: threads built from one flat,
// id-ordered list (one query), pruned to what the viewer may see, sorted,
// paginated by top-level thread, and written straight to JSON text (the
// listing is the hot path: no tree of json_t, no recursion at any depth).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"

namespace stoa::community {

enum class CommentStatus { pending, approved, hidden, rejected };

std::optional<CommentStatus> parse_comment_status(std::string_view text);
const char* comment_status_name(CommentStatus status);

struct CommentRow {
    std::int64_t id = 0;
    std::optional<std::int64_t> parent_id;
    std::optional<std::int64_t> author_id;  // null once the account is deleted
    std::optional<std::string> author_username;
    std::optional<std::string> author_picture_url;
    std::string body;
    CommentStatus status = CommentStatus::approved;
    bool deleted = false;
    std::string created_at;  // RFC 3339
    std::optional<std::string> edited_at;
    std::int64_t like_count = 0;
};

struct Viewer {
    std::optional<std::int64_t> user_id;  // signed in
    bool moderator = false;               // moderator or admin
};

// Whether the viewer may read the comment itself: approved ones for
// everyone, pending ones for their author and moderators, hidden ones for
// moderators; deleted and rejected ones for nobody.
bool readable_by(const CommentRow& c, const Viewer& viewer);

// The comment object of API.md, without replies ("replies": []). An
// unreadable comment (kept because it has readable replies) is a
// placeholder: "deleted": true, empty body, no author. A waiting comment
// carries "pending": true, a hidden or rejected one "hidden": true.
Json comment_json(const CommentRow& c, const Viewer& viewer);

enum class ThreadSort { oldest, newest, top };
std::optional<ThreadSort> parse_thread_sort(std::string_view text);

struct ThreadPage {
    std::string items_json;  // a JSON array of comment objects with their replies
    std::int64_t total = 0;  // top-level threads the viewer sees
};

// `rows`: every comment of one target, ordered by id (a reply's id is
// always greater than its parent's). Top-level threads sorted by `sort`,
// replies oldest first at every depth.
ThreadPage build_thread_page(const std::vector<CommentRow>& rows, const Viewer& viewer, ThreadSort sort,
                             std::int64_t offset, std::int64_t limit);

// {"items": [...], "page": n, "per_page": n, "total": n}
std::string thread_page_json(const ThreadPage& threads, std::int64_t page, std::int64_t per_page);

}  // namespace stoa::community
