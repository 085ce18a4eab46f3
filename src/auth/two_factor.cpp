#include "auth/two_factor.h"

#include <sodium.h>

#include <set>
#include <stdexcept>

#include "auth/audit.h"
#include "auth/qr_svg.h"
#include "auth/totp.h"
#include "crypto/secret_box.h"
#include "crypto/token.h"
#include "http/problem.h"
#include "log/log.h"
#include "util/time.h"

namespace stoa::auth {
namespace {

// Sealed secrets travel as hex: the connection binds parameters as text.
constexpr db::Query kStorePending{"totp_store_pending",
                                  "UPDATE users SET totp_pending_secret = decode($2, 'hex'), updated_at = now() "
                                  "WHERE id = $1 AND totp_enabled_at IS NULL RETURNING id"};
constexpr db::Query kLockPending{
    "totp_lock_pending",
    "SELECT encode(totp_pending_secret, 'hex'), totp_enabled_at IS NOT NULL FROM users WHERE id = $1 FOR UPDATE"};
constexpr db::Query kActivate{
    "totp_activate",
    "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, totp_enabled_at = now(), "
    " totp_last_step = $2, updated_at = now() "
    "WHERE id = $1 AND totp_enabled_at IS NULL AND totp_pending_secret IS NOT NULL RETURNING id"};
constexpr db::Query kReplaceBackupCodes{"backup_codes_replace",
                                        "WITH old AS (DELETE FROM backup_codes WHERE user_id = $1) "
                                        "INSERT INTO backup_codes (user_id, code_hash) SELECT $1, unnest($2::text[])"};
constexpr db::Query kActiveSecret{
    "totp_active_secret", "SELECT encode(totp_secret, 'hex') FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL"};
// The replay guard and its only check: a step counts once and never after a
// later one; one request alone can move it forward, and only for the secret
// it checked the code against.
constexpr db::Query kUseStep{
    "totp_use_step",
    "UPDATE users SET totp_last_step = $2 "
    "WHERE id = $1 AND totp_secret = decode($3, 'hex') AND (totp_last_step IS NULL OR totp_last_step < $2) "
    "RETURNING id"};
constexpr db::Query kUseBackupCode{
    "backup_code_use",
    "UPDATE backup_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id"};
constexpr db::Query kRemove{
    "totp_remove",
    "WITH codes AS (DELETE FROM backup_codes WHERE user_id = $1) "
    "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, "
    " updated_at = now() WHERE id = $1 AND totp_enabled_at IS NOT NULL RETURNING id"};

// The key sealing TOTP secrets is derived from JWT_SECRET: rotating that
// secret makes every enrolled user enrol again (backup codes still work).
constexpr std::string_view kSecretBoxContext = "stoa totp secret v1";

// Backup codes: 10 characters without look-alikes (no 0 1 i l o), shown as
// "xxxxx-xxxxx"; about 49 bits each.
constexpr std::string_view kBackupAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";
constexpr std::size_t kBackupCodeLength = 10;

// A decrypted TOTP secret, wiped when it goes out of scope.
class PlainSecret {
public:
    explicit PlainSecret(std::string value) : value_(std::move(value)) {}
    ~PlainSecret() { sodium_memzero(value_.data(), value_.size()); }
    PlainSecret(const PlainSecret&) = delete;
    PlainSecret& operator=(const PlainSecret&) = delete;
    const std::string& get() const noexcept { return value_; }

private:
    std::string value_;
};

std::string to_hex(std::string_view bytes) {
    std::string hex(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    hex.pop_back();
    return hex;
}

std::optional<std::string> from_hex(std::string_view hex) {
    std::string bytes(hex.size() / 2, '\0');
    std::size_t len = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.data(), hex.size(), nullptr,
                       &len, nullptr) != 0 ||
        len != bytes.size())
        return std::nullopt;
    return bytes;
}

crypto::SecretBox secret_box(const RequestContext& ctx) {
    auto box = crypto::SecretBox::derive(ctx.app.config.jwt_secret, kSecretBoxContext);
    if (!box) throw std::runtime_error(box.error());
    return std::move(box).value();
}

std::string seal_hex(const RequestContext& ctx, const PlainSecret& secret) {
    return to_hex(secret_box(ctx).seal(secret.get()));
}

// nullopt when the stored value cannot be opened, typically after JWT_SECRET
// was rotated: the code is refused and the log says why.
std::optional<PlainSecret> open_hex(const RequestContext& ctx, std::int64_t user_id, std::string_view sealed_hex) {
    auto sealed = from_hex(sealed_hex);
    auto opened = sealed ? secret_box(ctx).open(*sealed) : Result<std::string>(fail("not hex"));
    if (!opened) {
        log::warn("totp_secret_unreadable",
                  Json::object().set("user_id", user_id).set("hint", "JWT_SECRET changed since enrolment?"));
        return std::nullopt;
    }
    return std::optional<PlainSecret>(std::in_place, std::move(opened).value());
}

// Authenticator apps show "123 456"; people paste backup codes with spaces.
std::string without_spaces(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text)
        if (c != ' ') out.push_back(c);
    return out;
}

std::optional<std::string> normalize_backup_code(std::string_view text) {
    std::string code;
    code.reserve(kBackupCodeLength);
    for (char c : text) {
        if (c == '-' || c == ' ') continue;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (kBackupAlphabet.find(c) == std::string_view::npos) return std::nullopt;
        code.push_back(c);
    }
    if (code.size() != kBackupCodeLength) return std::nullopt;
    return code;
}

// Salted with the user id, so equal codes of two users hash apart.
std::string backup_code_hash(std::int64_t user_id, std::string_view normalized) {
    return crypto::token_hash(std::to_string(user_id) + ":" + std::string(normalized));
}

std::string new_backup_code() {
    std::string code;
    code.reserve(kBackupCodeLength + 1);
    for (std::size_t i = 0; i < kBackupCodeLength; ++i) {
        if (i == kBackupCodeLength / 2) code.push_back('-');
        auto pick = randombytes_uniform(static_cast<std::uint32_t>(kBackupAlphabet.size()));
        code.push_back(kBackupAlphabet[pick]);
    }
    return code;
}

// Fresh backup codes replace the old ones; answers the codes in display form.
std::vector<std::string> replace_backup_codes(RequestContext& ctx, std::int64_t user_id) {
    std::vector<std::string> codes;
    std::set<std::string> hashes;
    while (codes.size() < kBackupCodeCount) {
        std::string code = new_backup_code();
        if (hashes.insert(backup_code_hash(user_id, *normalize_backup_code(code))).second) codes.push_back(code);
    }
    std::string array = "{";  // a text[] literal of hex digests: nothing to escape
    for (const auto& h : hashes) array += (array.size() > 1 ? "," : "") + h;
    array += "}";
    ctx.app.db.exec(kReplaceBackupCodes, user_id, array);
    return codes;
}

}  // namespace

std::optional<TotpEnrolment> store_pending_secret(RequestContext& ctx, std::int64_t user_id,
                                                  std::string_view account_name) {
    PlainSecret secret(totp::new_secret());
    TotpEnrolment e;
    e.secret = totp::base32_encode(secret.get());
    e.otpauth_uri = totp::otpauth_uri(kTotpIssuer, account_name, e.secret);
    auto svg = qr_svg(e.otpauth_uri);
    if (!svg) throw std::runtime_error(svg.error());
    e.qr_svg = std::move(svg).value();
    if (ctx.app.db.exec(kStorePending, user_id, seal_hex(ctx, secret)).empty()) return std::nullopt;
    return e;
}

EnableOutcome activate_pending_secret(RequestContext& ctx, std::int64_t user_id, std::string_view code) {
    EnableOutcome out;
    auto row = ctx.app.db.exec(kLockPending, user_id);
    if (!row.empty() && row.boolean(0, 1)) {
        out.status = EnableStatus::already_enabled;
        return out;
    }
    if (row.empty() || row.is_null(0, 0)) {
        out.status = EnableStatus::no_pending_setup;
        return out;
    }
    auto secret = open_hex(ctx, user_id, row.text(0, 0));
    if (!secret) {
        out.status = EnableStatus::no_pending_setup;  // unreadable: a new setup is the only way on
        return out;
    }
    auto step = totp::matching_step(secret->get(), without_spaces(code), unix_now());
    if (!step) {
        out.status = EnableStatus::invalid_code;
        return out;
    }
    if (ctx.app.db.exec(kActivate, user_id, *step).empty()) {
        out.status = EnableStatus::no_pending_setup;
        return out;
    }
    out.backup_codes = replace_backup_codes(ctx, user_id);
    out.status = EnableStatus::enabled;
    return out;
}

bool consume_totp_code(RequestContext& ctx, std::int64_t user_id, std::string_view code_in) {
    std::string code = without_spaces(code_in);
    if (!totp::well_formed(code)) return false;
    auto row = ctx.app.db.exec(kActiveSecret, user_id);
    if (row.empty() || row.is_null(0, 0)) return false;
    std::string sealed_hex = row.str(0, 0);
    auto secret = open_hex(ctx, user_id, sealed_hex);
    if (!secret) return false;
    auto step = totp::matching_step(secret->get(), code, unix_now());
    if (!step) return false;
    return !ctx.app.db.exec(kUseStep, user_id, *step, sealed_hex).empty();
}

bool consume_backup_code(RequestContext& ctx, std::int64_t user_id, std::string_view code) {
    auto normalized = normalize_backup_code(code);
    if (!normalized) return false;
    return !ctx.app.db.exec(kUseBackupCode, user_id, backup_code_hash(user_id, *normalized)).empty();
}

bool consume_second_factor(RequestContext& ctx, std::int64_t user_id, std::string_view code) {
    if (totp::well_formed(without_spaces(code))) return consume_totp_code(ctx, user_id, code);
    return consume_backup_code(ctx, user_id, code);
}

bool remove_second_factor(RequestContext& ctx, std::int64_t user_id) {
    return !ctx.app.db.exec(kRemove, user_id).empty();
}

void check_second_factor(RequestContext& ctx, const UserRecord& user, const http::Fields& fields) {
    auto totp_code = fields.string("totp_code");
    auto backup_code = fields.string("backup_code");
    bool has_totp = totp_code && !totp_code->empty();
    bool has_backup = backup_code && !backup_code->empty();
    if (!has_totp && !has_backup)
        throw http::Problem(401, "totp_required",
                            "this account uses two-factor authentication: send totp_code (the 6 digits of the "
                            "authenticator app) or one of the backup_code values");
    const char* factor = has_totp ? "totp" : "backup_code";
    bool accepted =
        has_totp ? consume_totp_code(ctx, user.id, *totp_code) : consume_backup_code(ctx, user.id, *backup_code);
    if (!accepted) {
        record_event(ctx, user.id, "login_failed", Json::object().set("reason", "invalid_totp").set("factor", factor));
        throw http::Problem(401, "invalid_totp",
                            has_totp
                                ? "the two-factor code is wrong, expired or was already used; wait for the next one"
                                : "the backup code is wrong or was already used");
    }
    if (has_backup && !has_totp) record_event(ctx, user.id, "2fa_backup_code_used");
}

}  // namespace stoa::auth
