#include "db/migrations.h"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

namespace stoa::db {
namespace {

constexpr Query kAppliedMigrations{
    "migrations_applied",
    "SELECT name, checksum, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
    "FROM schema_version ORDER BY name"};
constexpr Query kRecordMigration{"migrations_record",
                                 "INSERT INTO schema_version (name, checksum) VALUES ($1, $2)"};
constexpr Query kForgetMigration{"migrations_forget", "DELETE FROM schema_version WHERE name = $1"};
// One lock for every host that migrates this database at the same time.
constexpr const char* kLock = "SELECT pg_advisory_lock(7626300001)";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock(7626300001)";

std::string sha256_hex(const std::string& text) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    char hex[sizeof digest * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

class AdvisoryLock {
public:
    explicit AdvisoryLock(Connection& c) : conn_(c) { conn_.exec_simple(kLock); }
    ~AdvisoryLock() {
        try {
            conn_.exec_simple(kUnlock);
        } catch (...) {  // NOLINT(bugprone-empty-catch): the session's end releases it too
        }
    }
    AdvisoryLock(const AdvisoryLock&) = delete;
    AdvisoryLock& operator=(const AdvisoryLock&) = delete;

private:
    Connection& conn_;
};

}  // namespace

std::optional<std::pair<std::string, bool>> parse_migration_name(std::string_view file) {
    bool up = file.ends_with(".up.sql");
    if (!up && !file.ends_with(".down.sql")) return std::nullopt;
    std::string_view name = file.substr(0, file.size() - (up ? 7 : 9));
    if (name.size() < 5 || name[3] != '_') return std::nullopt;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = i < 3 ? (c >= '0' && c <= '9') : i == 3 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return std::nullopt;
    }
    return std::pair{std::string(name), up};
}

Result<std::vector<Migration>> known_migrations(const std::vector<EmbeddedMigrationFile>& files) {
    std::map<std::string, Migration> by_name;
    for (const auto& f : files) {
        auto parsed = parse_migration_name(f.filename);
        if (!parsed)
            return fail(std::string("migration file name must be NNN_name.up.sql or NNN_name.down.sql: ") + f.filename);
        Migration& mig = by_name[parsed->first];
        mig.name = parsed->first;
        (parsed->second ? mig.up : mig.down) = f.text;
    }
    std::vector<Migration> out;
    for (auto& [name, mig] : by_name) {
        if (mig.up.empty()) return fail("migration " + name + " has no .up.sql");
        if (mig.down.empty()) return fail("migration " + name + " has no .down.sql");
        mig.checksum = sha256_hex(mig.up);
        out.push_back(std::move(mig));
    }
    return out;
}

const std::string& latest_migration_name() {
    static const std::string latest = [] {
        auto known = known_migrations(embedded_migration_files());
        return known && !known->empty() ? known->back().name : std::string();
    }();
    return latest;
}

Status Migrator::ensure_table() {
    // Without the NOTICE "already exists, skipping" on every run but the first.
    conn_.exec_simple(
        "SET client_min_messages = warning; "
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " name text PRIMARY KEY,"
        " checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now()); "
        "RESET client_min_messages");
    return Ok{};
}

Result<std::vector<MigrationState>> Migrator::status() {
    if (auto s = ensure_table(); !s) return fail(s.error());
    PgResult applied = conn_.exec(kAppliedMigrations);
    std::map<std::string, std::pair<std::string, std::string>> in_db;
    for (int r = 0; r < applied.rows(); ++r) in_db[applied.str(r, 0)] = {applied.str(r, 1), applied.str(r, 2)};

    std::vector<MigrationState> out;
    for (const auto& m : migrations_) {
        MigrationState s{m.name, false, "", false, false};
        if (auto it = in_db.find(m.name); it != in_db.end()) {
            s.applied = true;
            s.applied_at = it->second.second;
            s.checksum_mismatch = it->second.first != m.checksum;
            in_db.erase(it);
        }
        out.push_back(s);
    }
    for (const auto& [name, rest] : in_db) {
        MigrationState s{name, true, rest.second, false, true};
        out.push_back(s);
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

Status Migrator::check_checksums(const std::vector<MigrationState>& states) {
    for (const auto& s : states)
        if (s.checksum_mismatch)
            return fail("migration " + s.name +
                        " was changed after it was applied (checksum differs); applied migrations must never be "
                        "edited: add a new migration instead");
    return Ok{};
}

Result<std::vector<std::string>> Migrator::up(std::optional<std::size_t> limit) {
    AdvisoryLock lock(conn_);
    auto states = status();
    if (!states) return fail(states.error());
    if (auto c = check_checksums(*states); !c) return fail(c.error());
    std::vector<std::string> applied;
    for (const auto& m : migrations_) {
        if (limit && applied.size() >= *limit) break;
        auto it = std::find_if(states->begin(), states->end(), [&](const auto& s) { return s.name == m.name; });
        if (it != states->end() && it->applied) continue;
        try {
            Transaction tx(conn_);
            conn_.exec_simple(m.up);
            conn_.exec(kRecordMigration, m.name, m.checksum);
            tx.commit();
        } catch (const DbError& e) {
            return fail("migration " + m.name + " failed and was rolled back: " + e.what());
        }
        applied.push_back(m.name);
    }
    return applied;
}

Result<std::vector<std::string>> Migrator::down(std::size_t count) {
    AdvisoryLock lock(conn_);
    auto states = status();
    if (!states) return fail(states.error());
    if (auto c = check_checksums(*states); !c) return fail(c.error());
    std::vector<std::string> reverted;
    for (auto it = states->rbegin(); it != states->rend() && reverted.size() < count; ++it) {
        if (!it->applied) continue;
        if (it->unknown)
            return fail("migration " + it->name + " is applied but unknown to this build; revert it with the build that applied it");
        const auto& m = *std::find_if(migrations_.begin(), migrations_.end(), [&](const auto& x) { return x.name == it->name; });
        try {
            Transaction tx(conn_);
            conn_.exec_simple(m.down);
            conn_.exec(kForgetMigration, m.name);
            tx.commit();
        } catch (const DbError& e) {
            return fail("reverting " + m.name + " failed and was rolled back: " + e.what());
        }
        reverted.push_back(m.name);
    }
    return reverted;
}

}  // namespace stoa::db
