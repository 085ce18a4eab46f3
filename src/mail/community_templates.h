// Notification mails of the community features. Each carries a one-click
// unsubscribe link (RFC 8058): in the text, and as List-Unsubscribe with
// List-Unsubscribe-Post, so mail clients can offer it.
#pragma once

#include <cstddef>
#include <string>

#include "config/config.h"
#include "mail/outbox.h"

namespace stoa::mail {

struct CommentNotice {
    std::string to;
    std::string username;         // the recipient
    std::string commenter;        // who wrote the comment ("a deleted user" when gone)
    std::string where;            // the page URL, or "comment 12" / "project 3"
    std::string link;             // where to read it
    std::string body;             // the comment, plain text (shortened here)
    std::string unsubscribe_url;  // signed, works without signing in
};

// To the author of the comment replied to.
OutgoingMail reply_mail(const Config& config, const CommentNotice& n);
// To a subscriber of the target.
OutgoingMail new_comment_mail(const Config& config, const CommentNotice& n);
// To a moderator: `waiting` comments wait for approval, one of them `n`'s.
OutgoingMail moderation_mail(const Config& config, const CommentNotice& n, std::int64_t waiting);

// The first `max_chars` characters of a comment, cut at a character
// boundary, with "[...]" when shortened.
std::string excerpt(const std::string& body, std::size_t max_chars);

}  // namespace stoa::mail
