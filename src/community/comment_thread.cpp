#include "community/comment_thread.h"

#include <algorithm>
#include <unordered_map>

#include "http/pagination.h"

namespace stoa::community {
namespace {

void append_optional(std::string& out, const std::optional<std::string>& s) {
    if (s)
        Json::append_utf8_string(out, *s);
    else
        out += "null";
}

// Everything of the comment object up to the replies: {"id":..., ..., "replies":[
void append_head(std::string& out, const CommentRow& c, const Viewer& viewer) {
    out += "{\"id\":";
    out += std::to_string(c.id);
    if (readable_by(c, viewer)) {
        out += ",\"author\":";
        if (c.author_username) {
            out += "{\"username\":";
            Json::append_utf8_string(out, *c.author_username);
            out += ",\"picture_url\":";
            append_optional(out, c.author_picture_url);
            out += "}";
        } else {
            out += "null";
        }
        out += ",\"body\":";
        Json::append_utf8_string(out, c.body);
        out += ",\"created_at\":";
        Json::append_utf8_string(out, c.created_at);
        out += ",\"edited_at\":";
        append_optional(out, c.edited_at);
        out += ",\"deleted\":false";
        if (c.status == CommentStatus::pending) out += ",\"pending\":true";
        if (c.status == CommentStatus::hidden) out += ",\"hidden\":true";
    } else {
        out += ",\"author\":null,\"body\":\"\",\"created_at\":";
        Json::append_utf8_string(out, c.created_at);
        out += ",\"edited_at\":null,\"deleted\":true";
        if (!c.deleted && (c.status == CommentStatus::hidden || c.status == CommentStatus::rejected))
            out += ",\"hidden\":true";
    }
    out += ",\"replies\":[";
}

}  // namespace

std::optional<CommentStatus> parse_comment_status(std::string_view text) {
    if (text == "pending") return CommentStatus::pending;
    if (text == "approved") return CommentStatus::approved;
    if (text == "hidden") return CommentStatus::hidden;
    if (text == "rejected") return CommentStatus::rejected;
    return std::nullopt;
}

const char* comment_status_name(CommentStatus status) {
    switch (status) {
        case CommentStatus::pending:
            return "pending";
        case CommentStatus::approved:
            return "approved";
        case CommentStatus::hidden:
            return "hidden";
        case CommentStatus::rejected:
            return "rejected";
    }
    return "pending";
}

bool readable_by(const CommentRow& c, const Viewer& viewer) {
    if (c.deleted) return false;
    switch (c.status) {
        case CommentStatus::approved:
            return true;
        case CommentStatus::pending:
            return viewer.moderator || (viewer.user_id && c.author_id == viewer.user_id);
        case CommentStatus::hidden:
            return viewer.moderator;
        case CommentStatus::rejected:
            return false;
    }
    return false;
}

Json comment_json(const CommentRow& c, const Viewer& viewer) {
    std::string text;
    append_head(text, c, viewer);
    text += "]}";
    return std::move(Json::parse(text)).value();
}

std::optional<ThreadSort> parse_thread_sort(std::string_view text) {
    if (text == "oldest") return ThreadSort::oldest;
    if (text == "newest") return ThreadSort::newest;
    if (text == "top") return ThreadSort::top;
    return std::nullopt;
}

ThreadPage build_thread_page(const std::vector<CommentRow>& rows, const Viewer& viewer, ThreadSort sort,
                             std::int64_t offset, std::int64_t limit) {
    const std::size_t n = rows.size();
    std::unordered_map<std::int64_t, std::size_t> index;
    index.reserve(n);
    for (std::size_t i = 0; i < n; ++i) index.emplace(rows[i].id, i);
    // parent[i] == i for a top-level comment (or one whose parent is missing).
    std::vector<std::size_t> parent(n);
    for (std::size_t i = 0; i < n; ++i) {
        auto it = rows[i].parent_id ? index.find(*rows[i].parent_id) : index.end();
        parent[i] = it != index.end() && it->second < i ? it->second : i;
    }

    // A comment stays when the viewer may read it or any reply below it.
    // Replies come after their parents, so one backward pass settles it.
    std::vector<char> keep(n, 0);
    for (std::size_t i = n; i-- > 0;) {
        if (readable_by(rows[i], viewer)) keep[i] = 1;
        if (keep[i] && parent[i] != i) keep[parent[i]] = 1;
    }

    std::vector<std::size_t> roots;
    std::vector<std::vector<std::size_t>> replies(n);  // oldest first
    for (std::size_t i = 0; i < n; ++i) {
        if (!keep[i]) continue;
        if (parent[i] == i)
            roots.push_back(i);
        else
            replies[parent[i]].push_back(i);
    }
    if (sort == ThreadSort::newest) {
        std::reverse(roots.begin(), roots.end());
    } else if (sort == ThreadSort::top) {
        std::stable_sort(roots.begin(), roots.end(),
                         [&](std::size_t a, std::size_t b) { return rows[a].like_count > rows[b].like_count; });
    }

    ThreadPage page;
    page.total = static_cast<std::int64_t>(roots.size());
    auto first = static_cast<std::size_t>(std::clamp<std::int64_t>(offset, 0, page.total));
    auto last = static_cast<std::size_t>(
        std::clamp<std::int64_t>(offset + limit, static_cast<std::int64_t>(first), page.total));

    // Depth first with an explicit stack: (comment, replies written so far).
    std::string& out = page.items_json;
    std::size_t bytes = 2;  // the whole thread at most: one allocation, no copies while it grows
    for (std::size_t i = 0; i < n; ++i) bytes += keep[i] ? 320 + rows[i].body.size() : 0;
    out.reserve(bytes);
    out.push_back('[');
    std::vector<std::pair<std::size_t, std::size_t>> stack;
    for (std::size_t k = first; k < last; ++k) {
        if (k > first) out.push_back(',');
        append_head(out, rows[roots[k]], viewer);
        stack.emplace_back(roots[k], 0);
        while (!stack.empty()) {
            auto& [node, next] = stack.back();
            if (next == replies[node].size()) {
                out += "]}";
                stack.pop_back();
                continue;
            }
            if (next > 0) out.push_back(',');
            std::size_t child = replies[node][next++];
            append_head(out, rows[child], viewer);
            stack.emplace_back(child, 0);
        }
    }
    out.push_back(']');
    return page;
}

std::string thread_page_json(const ThreadPage& threads, std::int64_t page, std::int64_t per_page) {
    return http::page_json_text(threads.items_json, http::Page{page, per_page}, threads.total);
}

}  // namespace stoa::community
