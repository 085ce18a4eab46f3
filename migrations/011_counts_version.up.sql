-- The version of every page's counts (/api/v1/counts), for the answers
-- workers keep (db/answer_cache.h): bumped once, at commit, by every
-- transaction that changed a page's likes or approved comments (both kept
-- on community_targets by the triggers of 007 and 009), or removed a page
-- that had some. As gallery_version (010): deferred, so the row is locked
-- only for an instant at commit, once per transaction (bump_answer_version).
CREATE TABLE counts_version (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version   bigint NOT NULL
);
INSERT INTO counts_version (version) VALUES (0);

CREATE CONSTRAINT TRIGGER community_targets_counts_update AFTER UPDATE OF like_count, comment_count
    ON community_targets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.url IS NOT NULL
          AND (OLD.like_count <> NEW.like_count OR OLD.comment_count <> NEW.comment_count))
    EXECUTE FUNCTION answer_changed('counts');
CREATE CONSTRAINT TRIGGER community_targets_counts_delete AFTER DELETE
    ON community_targets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.url IS NOT NULL AND (OLD.like_count <> 0 OR OLD.comment_count <> 0))
    EXECUTE FUNCTION answer_changed('counts');
-- A page's row is made with no likes and no comments (which is how the
-- counts read a page without one) and updated by its first like or comment;
-- one made with counts of its own (imported data) changes them too.
CREATE CONSTRAINT TRIGGER community_targets_counts_insert AFTER INSERT
    ON community_targets DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.url IS NOT NULL AND (NEW.like_count <> 0 OR NEW.comment_count <> 0))
    EXECUTE FUNCTION answer_changed('counts');
