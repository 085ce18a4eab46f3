#include <cstdio>
#include <cstdlib>
#include <optional>

#include "cli/commands.h"
#include "config/config.h"
#include "db/migrations.h"

namespace stoa::cli {
namespace {

constexpr const char* kUsage = "usage: stoactl migrate up [N] | down [N] | status\n";

std::optional<std::size_t> parse_count(const std::string& s) {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    auto n = static_cast<std::size_t>(std::stoul(s));
    if (n == 0) return std::nullopt;
    return n;
}

int print_status(db::Migrator& m) {
    auto states = m.status();
    if (!states) {
        std::fprintf(stderr, "error: %s\n", states.error().c_str());
        return 1;
    }
    int problems = 0;
    for (const auto& s : *states) {
        const char* what = s.unknown ? "applied, unknown to this build"
                           : s.checksum_mismatch ? "applied, CHANGED since (checksum differs)"
                           : s.applied ? "applied"
                                       : "pending";
        if (s.unknown || s.checksum_mismatch) ++problems;
        std::printf("%-40s %-10s %s\n", s.name.c_str(), what, s.applied_at.c_str());
    }
    return problems == 0 ? 0 : 1;
}

}  // namespace

int migrate(const Args& args) {
    if (args.empty() || args.size() > 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string& verb = args[0];
    std::optional<std::size_t> count;
    if (args.size() == 2 && verb == "status") {
        std::fprintf(stderr, "error: status takes no argument\n%s", kUsage);
        return 2;
    }
    if (args.size() == 2) {
        count = parse_count(args[1]);
        if (!count) {
            std::fprintf(stderr, "error: N must be a whole number from 1 to 999999\n%s", kUsage);
            return 2;
        }
    }
    if (verb != "up" && verb != "down" && verb != "status") {
        std::fputs(kUsage, stderr);
        return 2;
    }
    ConfigVerdict v = load_config_from_process_env();
    const char* url = std::getenv("DATABASE_URL");
    if (url == nullptr || *url == '\0') {
        std::fprintf(stderr, "error: DATABASE_URL: is missing\n");
        return 1;
    }
    auto known = db::known_migrations(db::embedded_migration_files());
    if (!known) {
        std::fprintf(stderr, "error: %s\n", known.error().c_str());
        return 1;
    }
    db::Connection conn(url);
    try {
        db::Migrator m(conn, std::move(known).value());
        if (verb == "status") return print_status(m);
        auto done = verb == "up" ? m.up(count) : m.down(count.value_or(1));
        if (!done) {
            std::fprintf(stderr, "error: %s\n", done.error().c_str());
            return 1;
        }
        if (done->empty()) std::printf("nothing to do\n");
        for (const auto& name : *done) std::printf("%s %s\n", verb == "up" ? "applied" : "reverted", name.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

}  // namespace stoa::cli
