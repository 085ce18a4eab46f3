DROP TABLE moderation_notices;
DROP TABLE comment_subscriptions;
DROP TRIGGER likes_count ON likes;
DROP FUNCTION likes_count();
DROP TABLE likes;
ALTER TABLE community_targets DROP CONSTRAINT community_targets_comment_fkey;
DROP TABLE comments;
DROP TABLE community_targets;
ALTER TABLE users DROP COLUMN notify_moderation, DROP COLUMN notify_replies;
