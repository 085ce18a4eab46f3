// Second factors: TOTP codes (RFC 6238) and single-use backup codes. The
// TOTP secret is stored sealed (crypto::SecretBox, key derived from
// JWT_SECRET); a code counts once per time step and a backup code once, each
// consumed by one atomic UPDATE so parallel requests cannot both pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app.h"
#include "auth/user_record.h"
#include "http/fields.h"

namespace stoa::auth {

inline constexpr std::size_t kBackupCodeCount = 10;
// The name authenticator apps show above the account.
inline constexpr std::string_view kTotpIssuer = "Stoa";

// What setup shows the user, once.
struct TotpEnrolment {
    std::string secret;  // base32
    std::string otpauth_uri;
    std::string qr_svg;
};

// Stores a fresh secret as the pending one, replacing an earlier pending one;
// nullopt (nothing stored) when two-factor is already enabled.
[[nodiscard]] std::optional<TotpEnrolment> store_pending_secret(RequestContext& ctx, std::int64_t user_id,
                                                                std::string_view account_name);

enum class EnableStatus { enabled, already_enabled, no_pending_setup, invalid_code };
struct EnableOutcome {
    EnableStatus status = EnableStatus::invalid_code;
    std::vector<std::string> backup_codes;  // set when enabled; shown once, stored hashed
};

// When `code` is a current code of the pending secret: makes it the active
// one, records the code's step and replaces the backup codes. Run inside a
// transaction (it locks the user row).
[[nodiscard]] EnableOutcome activate_pending_secret(RequestContext& ctx, std::int64_t user_id, std::string_view code);

// A TOTP code (6 digits) or else a backup code, consumed if right.
[[nodiscard]] bool consume_second_factor(RequestContext& ctx, std::int64_t user_id, std::string_view code);
[[nodiscard]] bool consume_totp_code(RequestContext& ctx, std::int64_t user_id, std::string_view code);
[[nodiscard]] bool consume_backup_code(RequestContext& ctx, std::int64_t user_id, std::string_view code);

// Clears the secrets, the step guard and the backup codes; false when
// two-factor was not enabled.
[[nodiscard]] bool remove_second_factor(RequestContext& ctx, std::int64_t user_id);

// Called by login after the password was verified, for users with two-factor
// enabled. Reads `totp_code` or `backup_code`; throws 401 totp_required when
// neither is given and 401 invalid_totp when the code is wrong, already used
// (one use per time step), or the backup code is spent.
void check_second_factor(RequestContext& ctx, const UserRecord& user, const http::Fields& fields);

}  // namespace stoa::auth
