#include "auth/account_erasure.h"

#include "log/log.h"

namespace stoa::auth {
namespace {

// Logs carry IPs and user agents: personal data, so they go with the account.
constexpr db::Query kDeleteLogs{"erase_logs", "DELETE FROM account_logs WHERE user_id = $1"};
// Mail not yet sent to the account would carry its address and name on.
constexpr db::Query kDeletePendingMail{
    "erase_pending_mail",
    "DELETE FROM outbox WHERE sent_at IS NULL AND lower(recipient) = (SELECT lower(email) FROM users WHERE id = $1)"};
// Sessions, tokens, backup codes and the like cascade from the user row.
constexpr db::Query kDeleteUser{"erase_user", "DELETE FROM users WHERE id = $1"};
constexpr db::Query kTombstone{
    "erase_tombstone",
    "INSERT INTO account_logs (user_id, actor_id, event, detail, request_id) "
    "VALUES (NULL, $2, 'account_deleted', jsonb_build_object('user_id', $1::bigint), $3)"};

}  // namespace

void erase_account(RequestContext& ctx, std::int64_t user_id, std::optional<std::int64_t> actor_id) {
    ctx.app.db.exec(kDeleteLogs, user_id);
    ctx.app.db.exec(kDeletePendingMail, user_id);
    ctx.app.db.exec(kDeleteUser, user_id);
    // The actor is the admin, or nobody for self-deletion (the account is gone).
    ctx.app.db.exec(kTombstone, user_id, actor_id, ctx.req.request_id());
    log::info("account_deleted", Json::object().set("user_id", user_id));
}

}  // namespace stoa::auth
