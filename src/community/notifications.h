// Notification mail about comments, queued in the caller's transaction
// (mail::enqueue), so a rolled-back comment mails nobody.
#pragma once

#include <cstdint>

#include "app.h"

namespace stoa::community {

// A comment just became visible to everyone (posted without moderation, or
// approved): the author of the comment it replies to gets a reply mail
// (notify_replies on, address verified), the target's subscribers a
// new-comment mail; never its own author, never one person twice, and for
// one comment only ever once (comments.notified_at is claimed first).
void notify_new_comment(RequestContext& ctx, std::int64_t comment_id);

// A comment started waiting: mail each moderator and admin (verified,
// notify_moderation on) unless they were mailed within
// COMMENT_MODERATION_MAIL_INTERVAL_SECONDS; the mail counts what waits.
void notify_moderators(RequestContext& ctx, std::int64_t comment_id);

}  // namespace stoa::community
