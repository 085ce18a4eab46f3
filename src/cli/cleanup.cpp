// stoactl cleanup: removes what has expired (rate-limit windows, tokens,
// sessions, sent mail, account logs past their retention). Each statement is independent
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
    // What $1 is, if anything.
    enum class Arg { none, refresh_ttl, log_retention_days, outbox_retention_days } arg = Arg::none;
};

constexpr Sweep kSweeps[] = {
    {{"cleanup_rate_limits", "DELETE FROM rate_limits WHERE window_end < now() - interval '1 minute'"},
     "rate-limit windows"},
    {{"cleanup_refresh_tokens",
      "DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day' "
      "OR (used_at IS NOT NULL AND used_at < now() - make_interval(secs => $1::int))"},
     "refresh tokens", Sweep::Arg::refresh_ttl},
    {{"cleanup_sessions",
      "DELETE FROM sessions WHERE expires_at < now() - interval '30 days' "
      "OR revoked_at < now() - interval '30 days'"},
     "sessions"},
    {{"cleanup_email_tokens",
      "DELETE FROM email_tokens WHERE expires_at < now() - interval '1 day' OR used_at < now() - interval '1 day'"},
     "email tokens"},
    {{"cleanup_outbox",
      "DELETE FROM outbox WHERE (sent_at < now() - make_interval(days => $1::int)) "
      "OR (failed_at < now() - make_interval(days => $1::int))"},
     "sent or failed mails", Sweep::Arg::outbox_retention_days},
    {{"cleanup_account_logs", "DELETE FROM account_logs WHERE created_at < now() - make_interval(days => $1::int)"},
     "account log entries", Sweep::Arg::log_retention_days},
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
            const Config& c = *v.config;
            db::PgResult r;
            switch (s.arg) {
                case Sweep::Arg::none: r = db.exec(s.query); break;
                case Sweep::Arg::refresh_ttl: r = db.exec(s.query, c.refresh_token_ttl); break;
                case Sweep::Arg::log_retention_days: r = db.exec(s.query, c.account_log_retention_days); break;
                case Sweep::Arg::outbox_retention_days: r = db.exec(s.query, c.outbox_retention_days); break;
            }
            std::printf("removed %lld %s\n", static_cast<long long>(r.affected()), s.what);
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}

}  // namespace stoa::cli
