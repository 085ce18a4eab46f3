// stoactl storage: the file store from the operator's side.
//   sync    move blobs from this host's local fallback directory to the
//           share and finish removals (run by a systemd timer)
//   check   probe the share and the local directory, and check that every
//           blob is where the database says (with --checksums: read it all)
//   bench   write throughput of the share (or the local directory)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "config/config.h"
#include "db/connection.h"
#include "storage/checksum.h"
#include "storage/file_store.h"
#include "storage/sync.h"

namespace stoa::cli {
namespace {

constexpr const char* kUsage =
    "usage: stoactl storage sync [--grace SECONDS] [--quiet]\n"
    "       stoactl storage check [--checksums]\n"
    "       stoactl storage bench [--size BYTES] [--count N] [--local]\n"
    "  sync   move blobs from this host's local fallback directory to the share\n"
    "         (copy, verify size and SHA-256, flip the database row, delete the\n"
    "         local copy), remove released blobs, sweep leftovers older than\n"
    "         --grace (default 3600 s)\n"
    "  check  probe both stores; check every blob's size (--checksums: content)\n"
    "  bench  write COUNT blobs of SIZE bytes (default 8 x 1 MiB) to the share\n"
    "         (--local: the local directory), report MB/s, remove them\n";

std::optional<long long> number_arg(const Args& args, std::size_t& i, long long min, long long max) {
    if (i + 1 >= args.size()) return std::nullopt;
    const std::string& text = args[++i];
    if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    long long v = std::stoll(text);
    if (v < min || v > max) return std::nullopt;
    return v;
}

std::optional<Config> load() {
    ConfigVerdict v = load_config_from_process_env();
    for (const auto& e : v.errors) std::fprintf(stderr, "error: %s\n", e.c_str());
    return v.config;
}

int run_sync(const Args& args) {
    storage::SyncOptions options;
    bool quiet = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--grace") {
            auto v = number_arg(args, i, 0, 365LL * 24 * 3600);
            if (!v) {
                std::fprintf(stderr, "error: --grace: a number of seconds\n%s", kUsage);
                return 2;
            }
            options.orphan_grace_seconds = *v;
        } else if (args[i] == "--quiet") {
            quiet = true;
        } else {
            std::fprintf(stderr, "error: unexpected argument \"%s\"\n%s", args[i].c_str(), kUsage);
            return 2;
        }
    }
    auto config = load();
    if (!config) return 1;
    db::Connection db(config->database_url);
    storage::FileStore files(*config);
    auto say = [quiet](const std::string& line) {
        if (!quiet) std::printf("%s\n", line.c_str());
    };
    storage::SyncReport r = storage::sync_to_share(db, files, options, say);
    if (r.locked_out) {
        std::printf("another storage sync of host %s is running; nothing done\n", files.host().c_str());
        return 0;
    }
    if (!r.share_configured) std::printf("no share configured (STORAGE_SMB_URL): blobs stay in %s\n", files.local().root().c_str());
    std::printf("moved %d blobs (%llu bytes) to the share; %d left in the local directory\n", r.moved,
                static_cast<unsigned long long>(r.moved_bytes), r.left_local);
    std::printf("removed %d released blobs (%d left for later); swept %d local copies, %d orphans, %d temporary files\n",
                r.released_removed, r.released_left, r.local_copies_removed, r.orphans_removed,
                r.temporaries_removed);
    for (const auto& p : r.problems) std::fprintf(stderr, "problem: %s\n", p.c_str());
    return r.ok() ? 0 : 1;
}

int run_check(const Args& args) {
    bool checksums = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "--checksums") {
            checksums = true;
        } else {
            std::fprintf(stderr, "error: unexpected argument \"%s\"\n%s", args[i].c_str(), kUsage);
            return 2;
        }
    }
    auto config = load();
    if (!config) return 1;
    db::Connection db(config->database_url);
    storage::FileStore files(*config);
    storage::CheckReport r = storage::check_store(db, files, checksums, nullptr);
    std::printf("storage: %s\n", storage::health_name(r.health));
    std::printf("share: %s\n", files.has_share() ? "configured" : "not configured");
    std::printf("local directory: %s (host %s)\n", files.local().root().c_str(), files.host().c_str());
    std::printf("blobs: %lld on the share, %lld local here, %lld local on other hosts, %lld released\n",
                static_cast<long long>(r.counts.share), static_cast<long long>(r.counts.local_here),
                static_cast<long long>(r.counts.local_elsewhere), static_cast<long long>(r.counts.released));
    std::printf("checked %d blobs (%s); %d local files and %d share files without a row; %d rows nothing refers to\n",
                r.checked, checksums ? "size and SHA-256" : "size", r.orphans, r.share_orphans, r.unreferenced);
    for (const auto& f : r.without_row) std::printf("without a row: %s\n", f.c_str());
    for (const auto& p : r.problems) std::fprintf(stderr, "problem: %s\n", p.c_str());
    return r.ok() ? 0 : 1;
}

int run_bench(const Args& args) {
    long long size = 1024 * 1024;
    long long count = 8;
    bool local = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::optional<long long> v;
        if (args[i] == "--size" && (v = number_arg(args, i, 1, 1LL << 30))) {
            size = *v;
        } else if (args[i] == "--count" && (v = number_arg(args, i, 1, 10000))) {
            count = *v;
        } else if (args[i] == "--local") {
            local = true;
        } else {
            std::fprintf(stderr, "error: bad argument \"%s\"\n%s", args[i].c_str(), kUsage);
            return 2;
        }
    }
    auto config = load();
    if (!config) return 1;
    storage::FileStore files(*config);
    storage::BlobStore* store = local ? static_cast<storage::BlobStore*>(&files.local()) : files.share();
    if (store == nullptr) {
        std::fprintf(stderr, "error: no share configured (STORAGE_SMB_URL); --local measures the local directory\n");
        return 1;
    }
    std::string data(static_cast<std::size_t>(size), '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) ^ (i >> 9));
    // The first write opens the connection: not counted.
    storage::MemorySource warm(data);
    auto warm_name = storage::BlobName::generate();
    if (auto w = store->put(warm_name, warm); !w) {
        std::fprintf(stderr, "error: %s\n", w.error().c_str());
        return 1;
    }
    (void)store->remove(warm_name);
    double total_ms = 0;
    double worst_ms = 0;
    for (long long i = 0; i < count; ++i) {
        storage::MemorySource source(data);
        auto name = storage::BlobName::generate();
        auto started = std::chrono::steady_clock::now();
        auto put = store->put(name, source);
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        (void)store->remove(name);
        if (!put) {
            std::fprintf(stderr, "error: %s\n", put.error().c_str());
            return 1;
        }
        total_ms += ms;
        worst_ms = std::max(worst_ms, ms);
    }
    double mb = static_cast<double>(size) * static_cast<double>(count) / 1e6;
    std::printf("%s: %lld x %lld bytes in %.1f ms: %.1f MB/s, %.2f ms per blob (worst %.2f ms)\n", store->kind(), count,
                size, total_ms, mb / (total_ms / 1000.0), total_ms / static_cast<double>(count), worst_ms);
    return 0;
}

}  // namespace

int storage(const Args& args) {
    if (args.empty() || args[0] == "--help") {
        std::fprintf(args.empty() ? stderr : stdout, "%s", kUsage);
        return args.empty() ? 2 : 0;
    }
    try {
        if (args[0] == "sync") return run_sync(args);
        if (args[0] == "check") return run_check(args);
        if (args[0] == "bench") return run_bench(args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "error: unknown storage command \"%s\"\n%s", args[0].c_str(), kUsage);
    return 2;
}

}  // namespace stoa::cli
