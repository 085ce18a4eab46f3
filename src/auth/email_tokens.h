// Single-use tokens mailed to a user (email verification, password reset).
// Only their hash is stored; consuming one is a single atomic UPDATE, so two
// parallel requests with the same token cannot both succeed.
#pragma once

#include <cstdint>
#include <string>

#include "db/connection.h"

namespace stoa::auth {

enum class EmailTokenPurpose { verify_email, password_reset };

// Creates a token for the user and returns it in plain form (for the mail).
std::string issue_email_token(db::Connection& db, std::int64_t user_id, EmailTokenPurpose purpose,
                              const std::string& email, int ttl_seconds);

enum class EmailTokenStatus { ok, invalid, expired };

struct EmailTokenOutcome {
    EmailTokenStatus status = EmailTokenStatus::invalid;
    std::int64_t user_id = 0;
    std::string email;
};

// Looks a token up without using it (to validate input against its user first).
EmailTokenOutcome peek_email_token(db::Connection& db, const std::string& token, EmailTokenPurpose purpose);
// Uses the token up; ok at most once per token.
EmailTokenOutcome consume_email_token(db::Connection& db, const std::string& token, EmailTokenPurpose purpose);

inline constexpr int kVerifyTokenTtl = 24 * 3600;
inline constexpr int kResetTokenTtl = 3600;

}  // namespace stoa::auth
