#include "mail/mailer.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string_view>

#include "json/json.h"
#include "log/log.h"
#include "mail/message.h"
#include "util/time.h"

namespace stoa::mail {
namespace {

constexpr db::Query kClaimNext{
    "mail_outbox_claim_next",
    "SELECT id, recipient, recipient_name, subject, body_text, body_html, extra_headers::text AS extra_headers, "
    "message_id, attempts FROM outbox "
    "WHERE sent_at IS NULL AND failed_at IS NULL AND send_after <= now() "
    "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"};
constexpr db::Query kMarkSent{"mail_outbox_mark_sent",
                              "UPDATE outbox SET sent_at = clock_timestamp(), attempts = attempts + 1 WHERE id = $1"};
constexpr db::Query kRetryLater{"mail_outbox_retry_later",
                                "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
                                "send_after = clock_timestamp() + make_interval(secs => $3::int) WHERE id = $1"};
constexpr db::Query kMarkFailed{
    "mail_outbox_mark_failed",
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, failed_at = clock_timestamp() WHERE id = $1"};

constexpr std::size_t kErrorKept = 1000;

// Extra headers as stored: a JSON object of strings.
Result<HeaderList> parse_headers(const std::string& text) {
    auto json = Json::parse(text);
    if (!json) return fail("extra_headers: " + json.error());
    if (!json_is_object(json->get())) return fail("extra_headers: not a JSON object");
    HeaderList out;
    const char* key = nullptr;
    json_t* value = nullptr;
    json_object_foreach(json->get(), key, value) {
        if (!json_is_string(value)) return fail(std::string("extra_headers: ") + key + " is not a string");
        out.emplace_back(key, std::string(json_string_value(value), json_string_length(value)));
    }
    return out;
}

StoredMail read_row(const db::PgResult& r) {
    StoredMail m;
    m.id = r.int64(0, "id");
    m.recipient = r.str(0, "recipient");
    m.recipient_name = r.str(0, "recipient_name");
    m.subject = r.str(0, "subject");
    m.body_text = r.str(0, "body_text");
    m.body_html = r.opt_str(0, "body_html");
    m.message_id = r.str(0, "message_id");
    return m;
}

std::string shortened(std::string text) {
    if (text.size() > kErrorKept) text.resize(kErrorKept);
    return text;
}

}  // namespace

Result<RetryPolicy> retry_policy_from_env(const GetEnv& getenv) {
    RetryPolicy policy;
    const char* raw = getenv("MAIL_MAX_ATTEMPTS");
    if (raw == nullptr || *raw == '\0') return policy;
    std::string_view text(raw);
    int n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > 100)
        return fail("MAIL_MAX_ATTEMPTS: must be a whole number from 1 to 100, got \"" + std::string(text) + "\"");
    policy.max_attempts = n;
    return policy;
}

std::chrono::seconds retry_delay(const RetryPolicy& policy, int failures) {
    std::int64_t delay = policy.first_delay.count();
    for (int i = 1; i < failures && delay < policy.max_delay.count(); ++i) delay *= 2;
    return std::chrono::seconds(std::min<std::int64_t>(delay, policy.max_delay.count()));
}

Mailer::Mailer(db::Connection& db, Transport& transport, Mailbox from, RetryPolicy policy)
    : db_(db), transport_(transport), from_(std::move(from)), policy_(policy) {}

std::optional<Outcome> Mailer::send_next() {
    db::Transaction tx(db_);
    auto row = db_.exec(kClaimNext);
    if (row.empty()) {
        tx.commit();
        return std::nullopt;
    }
    StoredMail mail = read_row(row);
    const int attempt = static_cast<int>(row.int64(0, "attempts")) + 1;
    Json fields = Json::object();
    fields.set("outbox_id", mail.id).set("message_id", mail.message_id).set("attempt", attempt);

    Result<std::string> message = fail("");
    if (auto headers = parse_headers(row.str(0, "extra_headers"))) {
        mail.headers = std::move(headers).value();
        message = render_message(mail, from_, unix_now());
    } else {
        message = fail(headers.error());
    }
    if (!message) {
        // No later attempt could render it either.
        std::string error = shortened("cannot render the message: " + message.error());
        db_.exec(kMarkFailed, mail.id, error);
        tx.commit();
        log::error("mail_failed", fields.set("error", error));
        return Outcome::failed;
    }

    Status sent = transport_.send(from_.address, mail.recipient, *message);
    if (sent) {
        db_.exec(kMarkSent, mail.id);
        tx.commit();
        log::info("mail_sent", fields);
        return Outcome::sent;
    }
    std::string error = shortened(sent.error());
    if (attempt >= policy_.max_attempts) {
        db_.exec(kMarkFailed, mail.id, error);
        tx.commit();
        log::error("mail_failed", fields.set("error", error).set("reason", "too many attempts"));
        return Outcome::failed;
    }
    const auto delay = static_cast<std::int64_t>(retry_delay(policy_, attempt).count());
    db_.exec(kRetryLater, mail.id, error, delay);
    tx.commit();
    log::warn("mail_retry", fields.set("error", error).set("retry_in_seconds", delay));
    return Outcome::retry_later;
}

void Mailer::drain(std::int64_t limit, const std::function<bool()>& stop, DrainCounts& counts) {
    for (std::int64_t handled = 0; (limit == 0 || handled < limit) && !stop(); ++handled) {
        auto outcome = send_next();
        if (!outcome) return;
        switch (*outcome) {
            case Outcome::sent:
                ++counts.sent;
                break;
            case Outcome::retry_later:
                ++counts.retried;
                break;
            case Outcome::failed:
                ++counts.failed;
                break;
        }
    }
}

}  // namespace stoa::mail
