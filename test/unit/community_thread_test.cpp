// Unit tests for src/community/comment_thread.*: threads from one flat list,
// what each viewer sees, placeholders, sorting and top-level pagination.
#include <gtest/gtest.h>
#include <jansson.h>

#include <algorithm>
#include <string>
#include <vector>

#include "community/comment_thread.h"

namespace {

using namespace stoa::community;
using stoa::Json;

CommentRow row(std::int64_t id, std::optional<std::int64_t> parent, std::int64_t author = 1,
               CommentStatus status = CommentStatus::approved, bool deleted = false, std::int64_t likes = 0) {
    CommentRow c;
    c.id = id;
    c.parent_id = parent;
    c.author_id = author;
    c.author_username = "user" + std::to_string(author);
    c.body = deleted ? "" : "body " + std::to_string(id);
    c.status = status;
    c.deleted = deleted;
    c.created_at = "2026-01-01T00:00:00Z";
    c.like_count = likes;
    return c;
}

// The listing's JSON text, parsed back (and so checked to be JSON).
struct Parsed {
    Json items;
    std::int64_t total;
};

Parsed build(const std::vector<CommentRow>& rows, const Viewer& viewer, ThreadSort sort, std::int64_t offset,
             std::int64_t limit) {
    auto page = build_thread_page(rows, viewer, sort, offset, limit);
    auto parsed = Json::parse(page.items_json);
    EXPECT_TRUE(parsed.ok()) << page.items_json.substr(0, 200);
    return {parsed.ok() ? std::move(parsed).value() : Json::array(), page.total};
}

json_t* at(const Json& items, std::size_t i) {
    return json_array_get(items.get(), i);
}
std::int64_t id_of(json_t* c) {
    return json_integer_value(json_object_get(c, "id"));
}
json_t* replies(json_t* c) {
    return json_object_get(c, "replies");
}

std::vector<std::int64_t> ids(json_t* list) {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < json_array_size(list); ++i) out.push_back(id_of(json_array_get(list, i)));
    return out;
}

const Viewer kAnonymous{};

TEST(CommentThread, RepliesNestAtAnyDepthOldestFirst) {
    std::vector<CommentRow> rows{row(1, {}), row(2, 1), row(3, 2), row(4, 1), row(5, {}), row(6, 3)};
    auto page = build(rows, kAnonymous, ThreadSort::oldest, 0, 20);
    EXPECT_EQ(page.total, 2);
    EXPECT_EQ(ids(page.items.get()), (std::vector<std::int64_t>{1, 5}));
    json_t* first = at(page.items, 0);
    EXPECT_EQ(ids(replies(first)), (std::vector<std::int64_t>{2, 4}));
    json_t* two = json_array_get(replies(first), 0);
    EXPECT_EQ(ids(replies(two)), (std::vector<std::int64_t>{3}));
    EXPECT_EQ(ids(replies(json_array_get(replies(two), 0))), (std::vector<std::int64_t>{6}));
}

TEST(CommentThread, ACommentHasExactlyTheApiFields) {
    std::vector<CommentRow> rows{row(1, {})};
    auto page = build(rows, kAnonymous, ThreadSort::oldest, 0, 20);
    json_t* c = at(page.items, 0);
    std::vector<std::string> keys;
    const char* key;
    json_t* value;
    json_object_foreach(c, key, value) keys.emplace_back(key);
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys,
              (std::vector<std::string>{"author", "body", "created_at", "deleted", "edited_at", "id", "replies"}));
    EXPECT_STREQ(json_string_value(json_object_get(json_object_get(c, "author"), "username")), "user1");
}

TEST(CommentThread, DeletedWithRepliesIsAPlaceholderWithoutIsGone) {
    std::vector<CommentRow> rows{row(1, {}, 1, CommentStatus::approved, true), row(2, 1),
                                 row(3, {}, 1, CommentStatus::approved, true)};
    auto page = build(rows, kAnonymous, ThreadSort::oldest, 0, 20);
    ASSERT_EQ(page.total, 1) << "the deleted comment without replies is left out";
    json_t* c = at(page.items, 0);
    EXPECT_EQ(id_of(c), 1);
    EXPECT_TRUE(json_is_true(json_object_get(c, "deleted")));
    EXPECT_STREQ(json_string_value(json_object_get(c, "body")), "");
    EXPECT_TRUE(json_is_null(json_object_get(c, "author")));
    EXPECT_EQ(ids(replies(c)), (std::vector<std::int64_t>{2}));
}

TEST(CommentThread, PendingVisibleToItsAuthorAndModeratorsOnly) {
    std::vector<CommentRow> rows{row(1, {}, 7, CommentStatus::pending), row(2, {}, 8)};
    EXPECT_EQ(build(rows, kAnonymous, ThreadSort::oldest, 0, 20).total, 1);
    EXPECT_EQ(build(rows, Viewer{8, false}, ThreadSort::oldest, 0, 20).total, 1);
    auto own = build(rows, Viewer{7, false}, ThreadSort::oldest, 0, 20);
    ASSERT_EQ(own.total, 2);
    EXPECT_TRUE(json_is_true(json_object_get(at(own.items, 0), "pending")));
    EXPECT_EQ(build(rows, Viewer{9, true}, ThreadSort::oldest, 0, 20).total, 2);
}

TEST(CommentThread, HiddenIsAPlaceholderForOthersAndShownToModerators) {
    std::vector<CommentRow> rows{row(1, {}, 1, CommentStatus::hidden), row(2, 1), row(3, {}, 1, CommentStatus::hidden)};
    auto anon = build(rows, kAnonymous, ThreadSort::oldest, 0, 20);
    ASSERT_EQ(anon.total, 1);
    json_t* c = at(anon.items, 0);
    EXPECT_STREQ(json_string_value(json_object_get(c, "body")), "");
    EXPECT_TRUE(json_is_true(json_object_get(c, "hidden")));
    auto mod = build(rows, Viewer{5, true}, ThreadSort::oldest, 0, 20);
    ASSERT_EQ(mod.total, 2);
    EXPECT_STREQ(json_string_value(json_object_get(at(mod.items, 0), "body")), "body 1");
}

TEST(CommentThread, SortsTopLevelOnlyAndPaginates) {
    std::vector<CommentRow> rows{row(1, {}, 1, CommentStatus::approved, false, 1),
                                 row(2, 1),
                                 row(3, {}, 1, CommentStatus::approved, false, 5),
                                 row(4, 3),
                                 row(5, 3),
                                 row(6, {}, 1, CommentStatus::approved, false, 5)};
    auto newest = build(rows, kAnonymous, ThreadSort::newest, 0, 20);
    EXPECT_EQ(ids(newest.items.get()), (std::vector<std::int64_t>{6, 3, 1}));
    EXPECT_EQ(ids(replies(at(newest.items, 1))), (std::vector<std::int64_t>{4, 5})) << "replies stay oldest first";
    auto top = build(rows, kAnonymous, ThreadSort::top, 0, 20);
    EXPECT_EQ(ids(top.items.get()), (std::vector<std::int64_t>{3, 6, 1})) << "most liked first, ties oldest first";
    auto second = build(rows, kAnonymous, ThreadSort::oldest, 1, 1);
    EXPECT_EQ(second.total, 3);
    EXPECT_EQ(ids(second.items.get()), (std::vector<std::int64_t>{3}));
    EXPECT_EQ(ids(replies(at(second.items, 0))), (std::vector<std::int64_t>{4, 5}));
    EXPECT_EQ(build(rows, kAnonymous, ThreadSort::oldest, 20, 20).total, 3);
    EXPECT_EQ(json_array_size(build(rows, kAnonymous, ThreadSort::oldest, 20, 20).items.get()), 0U);
}

TEST(CommentThread, BodiesRoundTripThroughTheJsonText) {
    const std::string tricky =
        "\"quotes\" \\ back\\slash </script> \n\t\x01\x1f \xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA8";
    std::vector<CommentRow> rows{row(1, {})};
    rows[0].body = tricky;
    rows[0].author_username = "a\"b";
    auto page = build(rows, kAnonymous, ThreadSort::oldest, 0, 20);
    json_t* c = at(page.items, 0);
    EXPECT_EQ(std::string(json_string_value(json_object_get(c, "body"))), tricky);
    EXPECT_STREQ(json_string_value(json_object_get(json_object_get(c, "author"), "username")), "a\"b");
}

TEST(CommentThread, DeepThreadsNeedNoRecursion) {
    // 1000 levels: what jansson's parser (max depth 2048) can read back.
    std::vector<CommentRow> rows{row(1, {})};
    for (std::int64_t i = 2; i <= 1000; ++i) rows.push_back(row(i, i - 1));
    auto page = build(rows, kAnonymous, ThreadSort::oldest, 0, 20);
    EXPECT_EQ(page.total, 1);
    json_t* c = at(page.items, 0);
    int depth = 1;
    while (json_array_size(replies(c)) == 1) {
        c = json_array_get(replies(c), 0);
        ++depth;
    }
    EXPECT_EQ(depth, 1000);
    // 50000 levels: written without recursion, every bracket closed.
    for (std::int64_t i = 1001; i <= 50000; ++i) rows.push_back(row(i, i - 1));
    auto deep = build_thread_page(rows, kAnonymous, ThreadSort::oldest, 0, 20);
    const std::string& text = deep.items_json;
    std::size_t opened = 0, pos = 0;
    while ((pos = text.find("\"replies\":[", pos)) != std::string::npos) ++opened, ++pos;
    EXPECT_EQ(opened, 50000U);
    EXPECT_EQ(std::count(text.begin(), text.end(), '['), std::count(text.begin(), text.end(), ']'));
    EXPECT_EQ(std::count(text.begin(), text.end(), '{'), std::count(text.begin(), text.end(), '}'));
}

}  // namespace
