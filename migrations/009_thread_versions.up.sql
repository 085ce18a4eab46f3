-- What a thread's public answer depends on, kept next to its target:
--   thread_version  bumped in the transaction of every change a reader could
--                   see (a comment posted, edited, deleted, moderated; a like
--                   on one of its comments, for the "top" sort; an author's
--                   new name or picture), so a worker may keep the answer
--                   for anonymous readers and check it with one index lookup;
--   comment_count   the approved, undeleted comments, for /api/v1/counts.
-- Both are kept by triggers, so no code path (API, CLI, account erasure,
-- cascades) can forget them.
ALTER TABLE community_targets
    ADD COLUMN thread_version bigint NOT NULL DEFAULT 0,
    ADD COLUMN comment_count integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0);

UPDATE community_targets t
SET comment_count = (SELECT count(*) FROM comments c
                     WHERE c.target_id = t.id AND c.status = 'approved' AND c.deleted_at IS NULL)
WHERE EXISTS (SELECT FROM comments c WHERE c.target_id = t.id);

CREATE FUNCTION comments_thread_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was integer := 0;
    now_counted integer := 0;
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status = 'approved' AND OLD.deleted_at IS NULL THEN
        was := 1;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status = 'approved' AND NEW.deleted_at IS NULL THEN
        now_counted := 1;
    END IF;
    -- A comment never moves to another target (the thread would break).
    UPDATE community_targets
    SET thread_version = thread_version + 1, comment_count = comment_count + now_counted - was
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.target_id ELSE NEW.target_id END;
    RETURN NULL;
END
$$;
-- Only the columns a thread shows: notified_at, moderated_at/by and
-- deleted_by change nothing a reader sees.
CREATE TRIGGER comments_thread_changed
    AFTER INSERT OR DELETE OR UPDATE OF body, status, deleted_at, edited_at, author_id, parent_id, target_id
    ON comments FOR EACH ROW EXECUTE FUNCTION comments_thread_changed();

-- A like on a comment reorders the "top" sort of the comment's thread.
CREATE FUNCTION comment_likes_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE community_targets SET thread_version = thread_version + 1
    WHERE id = (SELECT target_id FROM comments WHERE id = NEW.comment_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER comment_likes_changed
    AFTER UPDATE OF like_count ON community_targets FOR EACH ROW
    WHEN (NEW.comment_id IS NOT NULL AND OLD.like_count IS DISTINCT FROM NEW.like_count)
    EXECUTE FUNCTION comment_likes_changed();

-- Threads show their authors' names and pictures.
CREATE FUNCTION comment_authors_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE community_targets SET thread_version = thread_version + 1
    WHERE id IN (SELECT target_id FROM comments WHERE author_id = NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER comment_authors_changed
    AFTER UPDATE OF username, picture_version ON users FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.picture_version IS DISTINCT FROM NEW.picture_version)
    EXECUTE FUNCTION comment_authors_changed();
