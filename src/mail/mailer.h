// Mailer: drains the outbox one row per transaction. A row is claimed with
// FOR UPDATE SKIP LOCKED, sent, and marked sent in the same transaction, so
// several mailers never send the same row, and a crash can resend at most
// the one message that was in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "config/config.h"
#include "db/connection.h"
#include "mail/address.h"
#include "mail/transport.h"
#include "util/result.h"

namespace stoa::mail {

struct RetryPolicy {
    int max_attempts = 8;  // then the row is marked failed for good
    std::chrono::seconds first_delay{30};
    std::chrono::seconds max_delay{6 * 3600};
};

// The policy with MAIL_MAX_ATTEMPTS (1 to 100, default 8) applied; an
// error names the variable and what is allowed.
[[nodiscard]] Result<RetryPolicy> retry_policy_from_env(const GetEnv& getenv);

// Delay before the next attempt after `failures` failed ones (>= 1):
// first_delay × 2^(failures-1), at most max_delay.
[[nodiscard]] std::chrono::seconds retry_delay(const RetryPolicy& policy, int failures);

enum class Outcome { sent, retry_later, failed };

struct DrainCounts {
    std::int64_t sent = 0;
    std::int64_t retried = 0;
    std::int64_t failed = 0;
};

class Mailer {
public:
    Mailer(db::Connection& db, Transport& transport, Mailbox from, RetryPolicy policy);

    // Claims, sends and settles the oldest due row; nullopt when none is due
    // (or every due row is being sent by another mailer).
    std::optional<Outcome> send_next();

    // Sends due rows until none is left, `limit` rows were handled (0: no
    // limit) or `stop()` answers true (checked between rows). Adds to
    // `counts` as it goes, so they stay right when a database error throws.
    void drain(std::int64_t limit, const std::function<bool()>& stop, DrainCounts& counts);

private:
    db::Connection& db_;
    Transport& transport_;
    Mailbox from_;
    RetryPolicy policy_;
};

}  // namespace stoa::mail
