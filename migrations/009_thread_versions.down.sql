DROP TRIGGER comment_authors_changed ON users;
DROP FUNCTION comment_authors_changed();
DROP TRIGGER comment_likes_changed ON community_targets;
DROP FUNCTION comment_likes_changed();
DROP TRIGGER comments_thread_changed ON comments;
DROP FUNCTION comments_thread_changed();
ALTER TABLE community_targets DROP COLUMN comment_count, DROP COLUMN thread_version;
