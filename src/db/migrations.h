// Migrations: numbered up/down SQL files embedded at build time, applied by
// `stoactl migrate` and recorded in schema_version with their checksums.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/connection.h"
#include "util/result.h"

namespace stoa::db {

struct EmbeddedMigrationFile {
    const char* filename;  // "001_init.up.sql"
    const char* text;
};
const std::vector<EmbeddedMigrationFile>& embedded_migration_files();

struct Migration {
    std::string name;  // "001_init"
    std::string up;
    std::string down;
    std::string checksum;  // SHA-256 hex of `up`
};

// "001_users.up.sql" -> {"001_users", true (up)}; nullopt unless the name is
// NNN_name.up.sql or NNN_name.down.sql with name of [a-z0-9_].
std::optional<std::pair<std::string, bool>> parse_migration_name(std::string_view file);

// Pairs the embedded files; an up without a down (or a bad name) is an error.
Result<std::vector<Migration>> known_migrations(const std::vector<EmbeddedMigrationFile>& files);

struct MigrationState {
    std::string name;
    bool applied = false;
    std::string applied_at;
    bool checksum_mismatch = false;
    bool unknown = false;  // applied in the database, not known to this build
};

class Migrator {
public:
    Migrator(Connection& conn, std::vector<Migration> migrations)
        : conn_(conn), migrations_(std::move(migrations)) {}

    Result<std::vector<MigrationState>> status();
    // Applies pending migrations (all, or at most `limit`); returns the names applied.
    Result<std::vector<std::string>> up(std::optional<std::size_t> limit = std::nullopt);
    // Reverts the last `count` applied migrations; returns the names reverted.
    Result<std::vector<std::string>> down(std::size_t count);

private:
    Status ensure_table();
    Status check_checksums(const std::vector<MigrationState>& states);

    Connection& conn_;
    std::vector<Migration> migrations_;
};

// The newest migration this build knows ("" if none), for /ready.
const std::string& latest_migration_name();

}  // namespace stoa::db
