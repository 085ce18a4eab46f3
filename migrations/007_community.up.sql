-- Community: likes, threaded comments, moderation, subscriptions (issue 8).
-- Every like, comment and subscription points at a target: a page (its
-- normalised URL) or an entity (a comment; a project once projects exist).

-- Account settings for notification mail (on by default; the one-click
-- unsubscribe links in the mails turn them off).
ALTER TABLE users
    ADD COLUMN notify_replies    boolean NOT NULL DEFAULT true,
    ADD COLUMN notify_moderation boolean NOT NULL DEFAULT true;

-- One row per page or entity that has (or had) likes, comments or
-- subscribers. like_count is kept by a trigger on likes, so counts for many
-- pages are one index lookup each.
CREATE TABLE community_targets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         text CHECK (url ~ '^https?://' AND length(url) <= 2048),
    comment_id  bigint,
    -- The projects migration adds the foreign key to projects (id).
    project_id  bigint,
    like_count  integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT community_targets_one_kind CHECK (num_nonnulls(url, comment_id, project_id) = 1)
);
CREATE UNIQUE INDEX community_targets_url_key ON community_targets (url) WHERE url IS NOT NULL;
CREATE UNIQUE INDEX community_targets_comment_key ON community_targets (comment_id) WHERE comment_id IS NOT NULL;
CREATE UNIQUE INDEX community_targets_project_key ON community_targets (project_id) WHERE project_id IS NOT NULL;

-- status: pending (waits for a moderator), approved, hidden (by a
-- moderator), rejected. A deleted comment keeps its row (its body erased)
-- so that its replies keep their place in the thread.
CREATE TABLE comments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id     bigint NOT NULL REFERENCES community_targets (id) ON DELETE CASCADE,
    parent_id     bigint,
    -- NULL once the author's account is deleted: the comment stays, by "a deleted user".
    author_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    body          text NOT NULL CHECK (length(body) <= 65536),
    status        text NOT NULL CHECK (status IN ('pending', 'approved', 'hidden', 'rejected')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    edited_at     timestamptz,
    -- When the comment was first approved (on creation when it did not wait).
    approved_at   timestamptz,
    moderated_at  timestamptz,
    moderated_by  bigint REFERENCES users (id) ON DELETE SET NULL,
    deleted_at    timestamptz,
    deleted_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Set when the reply and subscription mails for this comment were
    -- queued: at most once, whatever happens to the comment afterwards.
    notified_at   timestamptz,
    CONSTRAINT comments_deleted_has_no_body CHECK (deleted_at IS NULL OR body = ''),
    CONSTRAINT comments_approved_has_time CHECK (status <> 'approved' OR approved_at IS NOT NULL),
    -- A reply is on the same target as its parent: the pair is the key.
    CONSTRAINT comments_id_target_key UNIQUE (id, target_id),
    CONSTRAINT comments_parent_same_target FOREIGN KEY (parent_id, target_id)
        REFERENCES comments (id, target_id) ON DELETE CASCADE
);
ALTER TABLE community_targets
    ADD CONSTRAINT community_targets_comment_fkey FOREIGN KEY (comment_id) REFERENCES comments (id) ON DELETE CASCADE;

-- The thread of a target (every status: authors and moderators see more).
CREATE INDEX comments_target_idx ON comments (target_id, id);
-- What everyone sees: comment counts and a page's feed.
CREATE INDEX comments_visible_target_idx ON comments (target_id, created_at DESC, id DESC)
    WHERE status = 'approved' AND deleted_at IS NULL;
-- The site-wide feed.
CREATE INDEX comments_visible_recent_idx ON comments (created_at DESC, id DESC)
    WHERE status = 'approved' AND deleted_at IS NULL;
-- The moderation queue.
CREATE INDEX comments_queue_idx ON comments (status, created_at, id)
    WHERE status IN ('pending', 'hidden') AND deleted_at IS NULL;
-- A user's comments (export, "has one been approved" for COMMENT_MODERATION=first).
CREATE INDEX comments_author_idx ON comments (author_id, id) WHERE author_id IS NOT NULL;
CREATE INDEX comments_parent_idx ON comments (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX comments_moderated_by_idx ON comments (moderated_by) WHERE moderated_by IS NOT NULL;
CREATE INDEX comments_deleted_by_idx ON comments (deleted_by) WHERE deleted_by IS NOT NULL;

-- One like per user and target: the unique key refuses the second one.
CREATE TABLE likes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id   bigint NOT NULL REFERENCES community_targets (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT likes_target_user_key UNIQUE (target_id, user_id)
);
CREATE INDEX likes_user_idx ON likes (user_id, id);

CREATE FUNCTION likes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE community_targets SET like_count = like_count + 1 WHERE id = NEW.target_id;
    ELSE
        UPDATE community_targets SET like_count = like_count - 1 WHERE id = OLD.target_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER likes_count AFTER INSERT OR DELETE ON likes FOR EACH ROW EXECUTE FUNCTION likes_count();

-- Mail about new comments on a target.
CREATE TABLE comment_subscriptions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id   bigint NOT NULL REFERENCES community_targets (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT comment_subscriptions_target_user_key UNIQUE (target_id, user_id)
);
CREATE INDEX comment_subscriptions_user_idx ON comment_subscriptions (user_id, id);

-- When each moderator was last mailed about waiting comments, so that the
-- mails come at most once per COMMENT_MODERATION_MAIL_INTERVAL.
CREATE TABLE moderation_notices (
    user_id       bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_sent_at  timestamptz NOT NULL
);
