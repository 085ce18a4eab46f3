#include <gtest/gtest.h>

#include "db/migrations.h"

using stoa::db::EmbeddedMigrationFile;
using stoa::db::known_migrations;
using stoa::db::parse_migration_name;

TEST(MigrationNames, ParsesUpAndDown) {
    auto up = parse_migration_name("001_users.up.sql");
    ASSERT_TRUE(up.has_value());
    EXPECT_EQ(up->first, "001_users");
    EXPECT_TRUE(up->second);
    auto down = parse_migration_name("012_a_b2.down.sql");
    ASSERT_TRUE(down.has_value());
    EXPECT_EQ(down->first, "012_a_b2");
    EXPECT_FALSE(down->second);
}

TEST(MigrationNames, RefusesAnythingElse) {
    for (const char* bad : {"1_users.up.sql", "001users.up.sql", "001_Users.up.sql", "001_users.sql", "001_.up.sql",
                            "001_users.up.sql.bak", "abc_users.up.sql", "001_us-ers.up.sql"})
        EXPECT_FALSE(parse_migration_name(bad).has_value()) << bad;
}

TEST(KnownMigrations, PairsFilesAndChecksumsTheUpScript) {
    std::vector<EmbeddedMigrationFile> files{{"002_b.up.sql", "B"}, {"001_a.down.sql", "a"}, {"001_a.up.sql", "A"},
                                             {"002_b.down.sql", "b"}};
    auto m = known_migrations(files);
    ASSERT_TRUE(m.ok()) << m.error();
    ASSERT_EQ(m->size(), 2u);
    EXPECT_EQ((*m)[0].name, "001_a");
    EXPECT_EQ((*m)[0].up, "A");
    EXPECT_EQ((*m)[0].down, "a");
    EXPECT_EQ((*m)[0].checksum.size(), 64u);
    EXPECT_NE((*m)[0].checksum, (*m)[1].checksum);
}

TEST(KnownMigrations, RefusesAnUpWithoutDown) {
    std::vector<EmbeddedMigrationFile> files{{"001_a.up.sql", "A"}};
    auto m = known_migrations(files);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.error().find("no .down.sql"), std::string::npos);
}

TEST(KnownMigrations, EmbeddedMigrationsAreComplete) {
    auto m = known_migrations(stoa::db::embedded_migration_files());
    ASSERT_TRUE(m.ok()) << m.error();
    EXPECT_GE(m->size(), 1u);
}
