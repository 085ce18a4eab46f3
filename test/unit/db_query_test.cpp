// Which statements may share a round trip with a deferred one
// (db::Connection::defer): reads only, judged conservatively.
#include <gtest/gtest.h>

#include "db/connection.h"
#include "db/result.h"
#include "db/sql_text.h"

namespace stoa::db {
namespace {

// Judged at compile time for the constexpr queries of the handlers.
constexpr Query kRead{"read", "SELECT id FROM projects WHERE id = $1"};
constexpr Query kWrite{"write", "UPDATE projects SET title = $2 WHERE id = $1"};
static_assert(kRead.read_only);
static_assert(!kWrite.read_only);

TEST(DbQuery, PlainSelectsAreReads) {
    EXPECT_TRUE(is_read_only_sql("SELECT 1"));
    EXPECT_TRUE(is_read_only_sql("SELECT p.updated_at, p.deleted_at FROM projects p WHERE p.id = $1"));
    EXPECT_TRUE(Query("dynamic", "SELECT count(*) FROM projects").read_only);
}

TEST(DbQuery, AnythingThatWritesOrLocksIsNot) {
    for (const char* sql : {
             "INSERT INTO t VALUES (1)",
             "UPDATE t SET a = 1",
             "DELETE FROM t",
             "WITH x AS (DELETE FROM t RETURNING id) SELECT id FROM x",
             "SELECT id FROM t WHERE id = $1 FOR UPDATE",
             "SELECT id FROM t WHERE id = $1 FOR NO KEY UPDATE",
             "SELECT id FROM t WHERE id = $1 FOR SHARE",
             "SELECT nextval('s')",
             "SELECT setval('s', 1)",
             "SELECT pg_advisory_xact_lock(1)",
             "SELECT pg_notify('c', 'x')",
             "SELECT set_config('a.b', 'c', false)",
             "SELECT lo_unlink(1)",
             " SELECT 1",
             "select 1",
             "",
         }) {
        EXPECT_FALSE(is_read_only_sql(sql)) << sql;
    }
}

TEST(DbTimestamp, IsoOutputBecomesRfc3339ToTheSecond) {
    EXPECT_EQ(rfc3339_from_iso_timestamp("2026-11-23 17:54:17"), "2026-11-23T17:54:17Z");
    EXPECT_EQ(rfc3339_from_iso_timestamp("2026-11-23 17:54:17.5"), "2026-11-23T17:54:17Z");
    EXPECT_EQ(rfc3339_from_iso_timestamp("1999-12-31 23:59:59.999999"), "1999-12-31T23:59:59Z");
}

TEST(DbTimestamp, OtherShapesAreRefused) {
    for (const char* text : {"", "2026-11-23", "2026-11-23T17:54:17", "2026-11-23 17:54:17+00",
                             "2026-11-23 17:54:17.", "2026-11-23 17:54:17.1234567", "11/23/2026 17:54:17",
                             "Mon Nov 23 17:54:17 2026", "23.11.2026 17:54:17", "12026-11-23 17:54:17",
                             "2026-11-23 17:54:17 BC", "2026-1a-23 17:54:17"}) {
        EXPECT_EQ(rfc3339_from_iso_timestamp(text), std::nullopt) << text;
    }
}

// SqlText takes literals, placeholders and other SqlText, and nothing that
// might carry a value.
static_assert(std::is_constructible_v<SqlText, const char (&)[4]>);
static_assert(!std::is_constructible_v<SqlText, std::string>);
static_assert(!std::is_constructible_v<SqlText, const char*>);
static_assert(!std::is_constructible_v<SqlText, std::string_view>);
template <typename T>
concept Appendable = requires(SqlText t, T v) { t += v; };
static_assert(Appendable<const char (&)[2]> && Appendable<SqlText>);
static_assert(!Appendable<std::string> && !Appendable<const char*> && !Appendable<std::string_view>);

TEST(SqlText, JoinsLiteralsAndPlaceholders) {
    SqlText where = "p.author_id = ";
    where += SqlText::placeholder(1);
    where += "::bigint";
    SqlText select = "SELECT id FROM projects p WHERE ";
    select += where;
    select += " LIMIT ";
    select += SqlText::placeholder(12);
    EXPECT_EQ(select.str(), "SELECT id FROM projects p WHERE p.author_id = $1::bigint LIMIT $12");
}

}  // namespace
}  // namespace stoa::db
