#include <gtest/gtest.h>

#include "db/answer_cache.h"

using stoa::db::AnswerCache;

TEST(AnswerCache, KeepsAnAnswerWithTheVersionItWasBuiltAt) {
    AnswerCache cache(1 << 20);
    EXPECT_EQ(cache.find("comments\nhttps://site.example/a"), nullptr);
    cache.put("comments\nhttps://site.example/a", "7\0" "3", "{\"items\":[]}");
    const auto* e = cache.find("comments\nhttps://site.example/a");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->version, "7\0" "3");
    EXPECT_EQ(e->body, "{\"items\":[]}");
    EXPECT_EQ(cache.find("comments\nhttps://site.example/b"), nullptr);
}

TEST(AnswerCache, ANewVersionReplacesTheOldAnswer) {
    AnswerCache cache(1 << 20);
    cache.put("k", "3", "old");
    cache.put("k", "4", "new");
    EXPECT_EQ(cache.size(), 1u);
    const auto* e = cache.find("k");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->version, "4");
    EXPECT_EQ(e->body, "new");
}

TEST(AnswerCache, StaysWithinItsBudgetDroppingTheLeastRecentlyUsed) {
    AnswerCache cache(40'000);
    for (const char* k : {"a", "b", "c"}) cache.put(k, "1", std::string(9'000, 'x'));
    ASSERT_NE(cache.find("a"), nullptr);  // a is now the most recently used
    cache.put("d", "1", std::string(9'000, 'x'));
    cache.put("e", "1", std::string(9'000, 'x'));
    EXPECT_LE(cache.bytes(), 40'000u);
    EXPECT_NE(cache.find("a"), nullptr);
    EXPECT_EQ(cache.find("b"), nullptr);
    EXPECT_NE(cache.find("e"), nullptr);
}

TEST(AnswerCache, NeverKeepsAnAnswerLargerThanAQuarterOfTheBudget) {
    AnswerCache cache(40'000);
    cache.put("small", "1", std::string(100, 'x'));
    cache.put("big", "1", std::string(10'001, 'x'));
    EXPECT_EQ(cache.find("big"), nullptr);
    EXPECT_NE(cache.find("small"), nullptr);
    // A big answer replacing a kept one leaves nothing stale behind.
    cache.put("small", "2", std::string(20'000, 'x'));
    EXPECT_EQ(cache.find("small"), nullptr);
    EXPECT_EQ(cache.size(), 0u);
    EXPECT_EQ(cache.bytes(), 0u);
}

TEST(AnswerCache, EraseForgetsTheKey) {
    AnswerCache cache(1 << 20);
    cache.put("k", "1", "x");
    cache.erase("k");
    cache.erase("k");
    EXPECT_EQ(cache.find("k"), nullptr);
    EXPECT_EQ(cache.bytes(), 0u);
}
