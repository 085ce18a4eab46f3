#include "auth/email_tokens.h"

#include "crypto/token.h"

namespace stoa::auth {
namespace {

constexpr db::Query kIssue{
    "email_token_issue",
    "INSERT INTO email_tokens (user_id, purpose, token_hash, email, expires_at) "
    "VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::int))"};
constexpr db::Query kPeek{
    "email_token_peek",
    "SELECT user_id, email, expires_at <= now(), used_at IS NOT NULL FROM email_tokens "
    "WHERE token_hash = $1 AND purpose = $2"};
constexpr db::Query kConsume{
    "email_token_consume",
    "UPDATE email_tokens SET used_at = now() "
    "WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING user_id, email"};

const char* purpose_name(EmailTokenPurpose p) {
    return p == EmailTokenPurpose::verify_email ? "verify_email" : "password_reset";
}

bool plausible_token(const std::string& token) {
    return token.size() >= 16 && token.size() <= 128 &&
           token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               std::string::npos;
}

}  // namespace

std::string issue_email_token(db::Connection& db, std::int64_t user_id, EmailTokenPurpose purpose,
                              const std::string& email, int ttl_seconds) {
    std::string token = crypto::random_token(32);
    db.exec(kIssue, user_id, purpose_name(purpose), crypto::token_hash(token), email, ttl_seconds);
    return token;
}

EmailTokenOutcome peek_email_token(db::Connection& db, const std::string& token, EmailTokenPurpose purpose) {
    EmailTokenOutcome out;
    if (!plausible_token(token)) return out;
    auto r = db.exec(kPeek, crypto::token_hash(token), purpose_name(purpose));
    if (r.empty() || r.boolean(0, 3)) return out;  // unknown or already used
    out.user_id = r.int64(0, 0);
    out.email = r.str(0, 1);
    out.status = r.boolean(0, 2) ? EmailTokenStatus::expired : EmailTokenStatus::ok;
    return out;
}

EmailTokenOutcome consume_email_token(db::Connection& db, const std::string& token, EmailTokenPurpose purpose) {
    EmailTokenOutcome out;
    if (!plausible_token(token)) return out;
    auto r = db.exec(kConsume, crypto::token_hash(token), purpose_name(purpose));
    if (r.empty()) {
        // Tell an expired token apart from an unknown or used one.
        auto peek = peek_email_token(db, token, purpose);
        out.status = peek.status == EmailTokenStatus::expired ? EmailTokenStatus::expired : EmailTokenStatus::invalid;
        return out;
    }
    out.status = EmailTokenStatus::ok;
    out.user_id = r.int64(0, 0);
    out.email = r.str(0, 1);
    return out;
}

}  // namespace stoa::auth
