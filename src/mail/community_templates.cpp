#include "mail/community_templates.h"

#include <cstdint>

namespace stoa::mail {
namespace {

constexpr std::size_t kExcerptChars = 1000;

std::string signature(const Config& config, const std::string& unsubscribe_url, const char* what) {
    std::string out = "\n-- \nYou get this mail because of " + std::string(what) + ". To stop these mails, open:\n\n" +
                      unsubscribe_url + "\n\nThis message was sent automatically";
    if (!config.public_base_url.empty()) out += " by " + config.public_base_url;
    return out + ".\nReplies to it are not read.\n";
}

// Each line of the comment indented, so it cannot pass for the mail's own text.
std::string quoted(const std::string& body) {
    std::string text = excerpt(body, kExcerptChars);
    std::string out = "  > ";
    for (char c : text) {
        out.push_back(c);
        if (c == '\n') out += "  > ";
    }
    return out + "\n";
}

OutgoingMail with_unsubscribe(OutgoingMail m, const std::string& unsubscribe_url) {
    m.headers.emplace_back("List-Unsubscribe", "<" + unsubscribe_url + ">");
    m.headers.emplace_back("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
    return m;
}

}  // namespace

std::string excerpt(const std::string& body, std::size_t max_chars) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        if ((static_cast<unsigned char>(body[i]) & 0xC0) == 0x80) continue;
        if (chars++ == max_chars) return body.substr(0, i) + " [...]";
    }
    return body;
}

OutgoingMail reply_mail(const Config& config, const CommentNotice& n) {
    std::string text = "Hello " + n.username + ",\n\n" + n.commenter + " replied to your comment on\n" + n.where +
                       ":\n\n" + quoted(n.body) + "\nRead the conversation:\n\n" + n.link + "\n" +
                       signature(config, n.unsubscribe_url, "replies to your comments");
    return with_unsubscribe(
        OutgoingMail{n.to, n.username, n.commenter + " replied to your comment", std::move(text), std::nullopt, {}},
        n.unsubscribe_url);
}

OutgoingMail new_comment_mail(const Config& config, const CommentNotice& n) {
    std::string text = "Hello " + n.username + ",\n\n" + n.commenter + " commented on\n" + n.where + ":\n\n" +
                       quoted(n.body) + "\nRead the conversation:\n\n" + n.link + "\n" +
                       signature(config, n.unsubscribe_url, "your subscription to these comments");
    return with_unsubscribe(
        OutgoingMail{n.to, n.username, "New comment by " + n.commenter, std::move(text), std::nullopt, {}},
        n.unsubscribe_url);
}

OutgoingMail moderation_mail(const Config& config, const CommentNotice& n, std::int64_t waiting) {
    std::string count = std::to_string(waiting) + (waiting == 1 ? " comment waits" : " comments wait");
    std::string text = "Hello " + n.username + ",\n\n" + count + " for approval. The newest, by " + n.commenter +
                       " on\n" + n.where + ":\n\n" + quoted(n.body) + "\nThe moderation queue:\n\n" + n.link +
                       "\n\nYou get at most one of these mails every " +
                       std::to_string(config.comment_moderation_mail_interval_seconds / 60) + " minutes.\n" +
                       signature(config, n.unsubscribe_url, "your moderator role");
    return with_unsubscribe(OutgoingMail{n.to, n.username, count + " for approval", std::move(text), std::nullopt, {}},
                            n.unsubscribe_url);
}

}  // namespace stoa::mail
