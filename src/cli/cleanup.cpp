// stoactl cleanup: removes what has expired. Each statement is independent
// and idempotent, so two hosts running it at once do no harm.
#include <cstdio>

#include "cli/commands.h"
#include "config/config.h"
#include "db/connection.h"

namespace stoa::cli {
namespace {

struct Sweep {
    db::Query query;
    const char* what;
    // $1 is the refresh lifetime: rotated tokens are kept that long so
    // reuse detection still recognises them.
    bool takes_refresh_ttl = false;
};

constexpr Sweep kSweeps[] = {
    {{"cleanup_rate_limits", "DELETE FROM rate_limits WHERE window_end < now() - interval '1 minute'"},
     "rate-limit windows"},
    {{"cleanup_refresh_tokens",
      "DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day' "
      "OR (used_at IS NOT NULL AND used_at < now() - make_interval(secs => $1::int))"},
     "refresh tokens", true},
    {{"cleanup_sessions",
      "DELETE FROM sessions WHERE expires_at < now() - interval '30 days' "
      "OR revoked_at < now() - interval '30 days'"},
     "sessions"},
};

}  // namespace

int cleanup(const Args& args) {
    if (!args.empty()) {
        std::fprintf(stderr, "usage: stoactl cleanup\n");
        return 2;
    }
    ConfigVerdict v = load_config_from_process_env();
    for (const auto& e : v.errors) std::fprintf(stderr, "error: %s\n", e.c_str());
    if (!v.config) return 1;
    try {
        db::Connection db(v.config->database_url);
        for (const auto& s : kSweeps) {
            auto r = s.takes_refresh_ttl ? db.exec(s.query, v.config->refresh_token_ttl) : db.exec(s.query);
            std::printf("removed %lld %s\n", static_cast<long long>(r.affected()), s.what);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

}  // namespace stoa::cli
