#include <gtest/gtest.h>

#include "community/thread_cache.h"

using stoa::community::ThreadCache;

namespace {

std::string body_of(std::size_t n, char c = 'x') {
    return std::string(n, c);
}

}  // namespace

TEST(ThreadCache, KeepsAnAnswerWithTheVersionItWasBuiltAt) {
    ThreadCache cache(1 << 20);
    EXPECT_EQ(cache.find("u:https://site.example/a"), nullptr);
    cache.put("u:https://site.example/a", {7, 3}, "{\"items\":[]}");
    const auto* e = cache.find("u:https://site.example/a");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->version, (ThreadCache::Version{7, 3}));
    EXPECT_EQ(e->body, "{\"items\":[]}");
    EXPECT_EQ(cache.find("u:https://site.example/b"), nullptr);
}

TEST(ThreadCache, ANewVersionReplacesTheOldAnswer) {
    ThreadCache cache(1 << 20);
    cache.put("k", {7, 3}, "old");
    cache.put("k", {7, 4}, "new");
    EXPECT_EQ(cache.size(), 1u);
    const auto* e = cache.find("k");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->version.thread_version, 4);
    EXPECT_EQ(e->body, "new");
}

TEST(ThreadCache, StaysWithinItsBudgetDroppingTheLeastRecentlyUsed) {
    ThreadCache cache(40'000);
    cache.put("a", {1, 1}, body_of(9'000));
    cache.put("b", {2, 1}, body_of(9'000));
    cache.put("c", {3, 1}, body_of(9'000));
    ASSERT_NE(cache.find("a"), nullptr);  // a is now the most recently used
    cache.put("d", {4, 1}, body_of(9'000));
    cache.put("e", {5, 1}, body_of(9'000));
    EXPECT_LE(cache.bytes(), 40'000u);
    EXPECT_NE(cache.find("a"), nullptr);
    EXPECT_EQ(cache.find("b"), nullptr);
    EXPECT_NE(cache.find("e"), nullptr);
}

TEST(ThreadCache, NeverKeepsAnAnswerLargerThanAQuarterOfTheBudget) {
    ThreadCache cache(40'000);
    cache.put("small", {1, 1}, body_of(100));
    cache.put("big", {2, 1}, body_of(10'001));
    EXPECT_EQ(cache.find("big"), nullptr);
    EXPECT_NE(cache.find("small"), nullptr);
    // A big answer replacing a kept one leaves nothing stale behind.
    cache.put("small", {1, 2}, body_of(20'000));
    EXPECT_EQ(cache.find("small"), nullptr);
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.bytes(), 0u);
}

TEST(ThreadCache, EraseForgetsTheKey) {
    ThreadCache cache(1 << 20);
    cache.put("k", {1, 1}, "x");
    cache.erase("k");
    cache.erase("k");
    EXPECT_EQ(cache.find("k"), nullptr);
    EXPECT_EQ(cache.bytes(), 0u);
}
