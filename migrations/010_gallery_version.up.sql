-- The published gallery's version, for the answers workers keep
-- (db/answer_cache.h): bumped once by every transaction that changed
-- something a page of published projects shows (a published project, or
-- one published or unpublished; its primary image; its author's name or
-- picture; likes and downloads, which the projects row counts).
-- The bump runs at commit (deferred constraint triggers), so the one row is
-- locked for an instant, not for the writing transaction's whole length.
CREATE TABLE gallery_version (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version   bigint NOT NULL
);
INSERT INTO gallery_version (version) VALUES (0);

-- Bumps the one row of the table <what>_version, once per transaction
-- however many rows it changed. Every version is bumped under one lock, so
-- a transaction bumping two never deadlocks with one bumping them the other
-- way round. migrations/011 counts with it too.
CREATE FUNCTION bump_answer_version(what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('stoa.bumped_' || what, true) IS DISTINCT FROM 'yes' THEN
        PERFORM pg_advisory_xact_lock(7626300002);
        EXECUTE format('UPDATE %I SET version = version + 1', what || '_version');
        PERFORM set_config('stoa.bumped_' || what, 'yes', true);
    END IF;
END
$$;
-- The same as a trigger: EXECUTE FUNCTION answer_changed('<what>').
CREATE FUNCTION answer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_answer_version(TG_ARGV[0]);
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER projects_gallery_insert AFTER INSERT ON projects DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION answer_changed('gallery');
CREATE CONSTRAINT TRIGGER projects_gallery_update AFTER UPDATE ON projects DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'published' OR NEW.status = 'published') EXECUTE FUNCTION answer_changed('gallery');
CREATE CONSTRAINT TRIGGER projects_gallery_delete AFTER DELETE ON projects DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION answer_changed('gallery');

-- A primary image (its id is in the listing) of a published project.
CREATE FUNCTION gallery_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM projects
               WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END
                 AND status = 'published') THEN
        PERFORM bump_answer_version('gallery');
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER project_images_gallery_insert AFTER INSERT ON project_images DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.is_primary) EXECUTE FUNCTION gallery_image_changed();
CREATE CONSTRAINT TRIGGER project_images_gallery_update AFTER UPDATE ON project_images DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.is_primary OR NEW.is_primary) EXECUTE FUNCTION gallery_image_changed();
CREATE CONSTRAINT TRIGGER project_images_gallery_delete AFTER DELETE ON project_images DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.is_primary) EXECUTE FUNCTION gallery_image_changed();

-- An author of published projects renamed, or with a new picture.
CREATE FUNCTION gallery_author_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM projects WHERE author_id = NEW.id AND status = 'published') THEN
        PERFORM bump_answer_version('gallery');
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER users_gallery_update AFTER UPDATE ON users DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.picture_version IS DISTINCT FROM NEW.picture_version)
    EXECUTE FUNCTION gallery_author_changed();
