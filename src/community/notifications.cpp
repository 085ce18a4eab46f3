#include "community/notifications.h"

#include <set>

#include "community/unsubscribe_link.h"
#include "log/log.h"
#include "mail/community_templates.h"

namespace stoa::community {
namespace {

// Claims the comment's notifications: no row back means they were sent
// (or the comment is not visible).
constexpr db::Query kClaim{
    "community_notify_claim",
    "UPDATE comments c SET notified_at = now() FROM community_targets t "
    "WHERE c.id = $1 AND c.notified_at IS NULL AND c.status = 'approved' AND c.deleted_at IS NULL "
    "  AND t.id = c.target_id "
    "RETURNING c.target_id, c.parent_id, c.author_id, c.body, t.url, t.comment_id, t.project_id, "
    "  (SELECT username FROM users WHERE id = c.author_id)"};
// The parent's author first, then the subscribers.
constexpr db::Query kRecipients{
    "community_notify_recipients",
    "SELECT 'reply', u.id, u.email, u.username, NULL::bigint FROM comments p JOIN users u ON u.id = p.author_id "
    "WHERE p.id = $1::bigint AND p.deleted_at IS NULL AND u.id IS DISTINCT FROM $3::bigint "
    "  AND u.notify_replies AND u.email_verified_at IS NOT NULL "
    "UNION ALL "
    "SELECT 'subscription', u.id, u.email, u.username, s.id FROM comment_subscriptions s "
    "JOIN users u ON u.id = s.user_id "
    "WHERE s.target_id = $2 AND u.id IS DISTINCT FROM $3::bigint AND u.email_verified_at IS NOT NULL "
    "ORDER BY 1"};
// Moderators due for a mail, marked as mailed now (in id order, so two
// concurrent comments lock the rows in the same order).
constexpr db::Query kDueModerators{
    "community_notify_due_moderators",
    "WITH due AS ("
    "  INSERT INTO moderation_notices AS n (user_id, last_sent_at) "
    "  SELECT id, now() FROM users "
    "  WHERE role IN ('moderator', 'admin') AND email_verified_at IS NOT NULL AND notify_moderation ORDER BY id "
    "  ON CONFLICT (user_id) DO UPDATE SET last_sent_at = now() "
    "  WHERE n.last_sent_at <= now() - make_interval(secs => $1::int) "
    "  RETURNING n.user_id) "
    "SELECT u.id, u.email, u.username, "
    "  (SELECT count(*) FROM comments WHERE status = 'pending' AND deleted_at IS NULL) "
    "FROM due JOIN users u ON u.id = due.user_id ORDER BY u.id"};
constexpr db::Query kWaitingComment{
    "community_notify_waiting_comment",
    "SELECT c.body, t.url, t.comment_id, t.project_id, (SELECT username FROM users WHERE id = c.author_id) "
    "FROM comments c JOIN community_targets t ON t.id = c.target_id WHERE c.id = $1"};

// Where a comment is, for people: the page URL or "comment 12".
std::string where(const db::PgResult& r, int url_col) {
    if (!r.is_null(0, url_col)) return r.str(0, url_col);
    if (!r.is_null(0, url_col + 1)) return "comment " + r.str(0, url_col + 1);
    return "project " + r.str(0, url_col + 2);
}

std::string link_to(const Config& config, const db::PgResult& r, int url_col, std::int64_t comment_id) {
    if (!r.is_null(0, url_col)) return r.str(0, url_col) + "#comment-" + std::to_string(comment_id);
    return config.public_base_url + "/";
}

}  // namespace

void notify_new_comment(RequestContext& ctx, std::int64_t comment_id) {
    auto c = ctx.app.db.exec(kClaim, comment_id);
    if (c.empty()) return;
    std::int64_t target_id = c.int64(0, 0);
    auto parent_id = c.opt_int64(0, 1);
    auto author_id = c.opt_int64(0, 2);
    const Config& config = ctx.app.config;

    mail::CommentNotice n;
    n.commenter = c.opt_str(0, 7).value_or("a deleted user");
    n.where = where(c, 4);
    n.link = link_to(config, c, 4, comment_id);
    n.body = c.str(0, 3);

    auto r = ctx.app.db.exec(kRecipients, parent_id, target_id, author_id);
    std::set<std::int64_t> mailed;
    for (int i = 0; i < r.rows(); ++i) {
        std::int64_t user_id = r.int64(i, 1);
        if (!mailed.insert(user_id).second) continue;
        n.to = r.str(i, 2);
        n.username = r.str(i, 3);
        bool reply = r.text(i, 0) == "reply";
        n.unsubscribe_url = reply ? unsubscribe_url(config, {UnsubscribePurpose::replies, user_id})
                                  : unsubscribe_url(config, {UnsubscribePurpose::subscription, r.int64(i, 4)});
        mail::enqueue(ctx.app.db, config, reply ? mail::reply_mail(config, n) : mail::new_comment_mail(config, n));
    }
    if (!mailed.empty())
        log::info("comment_notifications",
                  Json::object().set("comment_id", comment_id).set("mails", static_cast<std::int64_t>(mailed.size())));
}

void notify_moderators(RequestContext& ctx, std::int64_t comment_id) {
    const Config& config = ctx.app.config;
    if (!config.comment_moderation_mail) return;
    auto due = ctx.app.db.exec(kDueModerators, config.comment_moderation_mail_interval_seconds);
    if (due.empty()) return;
    auto c = ctx.app.db.exec(kWaitingComment, comment_id);
    if (c.empty()) return;
    mail::CommentNotice n;
    n.body = c.str(0, 0);
    n.where = where(c, 1);
    n.commenter = c.opt_str(0, 4).value_or("a deleted user");
    n.link = config.public_base_url + "/api/v1/moderation/comments?status=pending";
    for (int i = 0; i < due.rows(); ++i) {
        std::int64_t user_id = due.int64(i, 0);
        n.to = due.str(i, 1);
        n.username = due.str(i, 2);
        n.unsubscribe_url = unsubscribe_url(config, {UnsubscribePurpose::moderation, user_id});
        mail::enqueue(ctx.app.db, config, mail::moderation_mail(config, n, due.int64(i, 3)));
    }
}

}  // namespace stoa::community
