// Blob names are the only thing a path is made of: generated, checked, and
// impossible to turn into a path outside the store.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "storage/blob_name.h"

using stoa::storage::BlobName;

TEST(BlobName, GeneratedNamesAreThirtyTwoLowerHexAndDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        BlobName n = BlobName::generate();
        ASSERT_EQ(n.str().size(), 32u) << n.str();
        ASSERT_TRUE(BlobName::parse(n.str()).has_value()) << "a generated name must parse back: " << n.str();
        seen.insert(n.str());
    }
    EXPECT_EQ(seen.size(), 1000u) << "1000 generated names must all differ";
}

TEST(BlobName, RelativePathIsShardSlashName) {
    auto n = BlobName::parse("0123456789abcdef0123456789abcdef");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->shard(), "01");
    EXPECT_EQ(n->relative_path(), "01/0123456789abcdef0123456789abcdef");
}

TEST(BlobName, ParseRefusesAnythingThatCouldLeaveTheStore) {
    const char* attempts[] = {
        "",
        "../../../../etc/passwd",
        "..",
        "/etc/passwd",
        "0123456789abcdef0123456789abcde/",
        "../23456789abcdef0123456789abcdef",
        "01/3456789abcdef0123456789abcdef",
        "..%2f..%2fetc%2fpasswd00000000000",
        "0123456789ABCDEF0123456789ABCDEF",  // upper case: not a generated name
        "0123456789abcdef0123456789abcde",   // 31
        "0123456789abcdef0123456789abcdef0",  // 33
        "0123456789abcdef0123456789abcde\\",
        "0123456789abcdef 123456789abcdef",
        "0123456789abcdefg123456789abcdef",
    };
    for (const char* a : attempts) EXPECT_FALSE(BlobName::parse(a).has_value()) << "accepted: \"" << a << "\"";
    std::string with_nul("0123456789abcdef0123456789abcde\0", 32);
    EXPECT_FALSE(BlobName::parse(with_nul).has_value()) << "a NUL byte must be refused";
}

TEST(BlobName, RelativePathNeverContainsDotsOrLeadingSlash) {
    for (int i = 0; i < 200; ++i) {
        std::string p = BlobName::generate().relative_path();
        EXPECT_EQ(p.find(".."), std::string::npos) << p;
        EXPECT_NE(p.front(), '/') << p;
        EXPECT_EQ(p.find('/'), 2u) << "exactly one directory level: " << p;
        EXPECT_EQ(p.rfind('/'), 2u) << p;
    }
}

TEST(ShardName, OnlyTwoLowerHexCharacters) {
    EXPECT_TRUE(stoa::storage::is_shard_name("0a"));
    EXPECT_FALSE(stoa::storage::is_shard_name(".."));
    EXPECT_FALSE(stoa::storage::is_shard_name("0A"));
    EXPECT_FALSE(stoa::storage::is_shard_name("abc"));
    EXPECT_FALSE(stoa::storage::is_shard_name(".spool"));
}
