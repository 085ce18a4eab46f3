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

CREATE FUNCTION gallery_bump() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction, however many rows it changed.
    IF current_setting('stoa.gallery_bumped', true) IS DISTINCT FROM 'yes' THEN
        -- Every version row is bumped under this lock (as in 011), so a
        -- transaction bumping two never deadlocks with one bumping them the
        -- other way round.
        PERFORM pg_advisory_xact_lock(7626300002);
        UPDATE gallery_version SET version = version + 1;
        PERFORM set_config('stoa.gallery_bumped', 'yes', true);
    END IF;
END
$$;

CREATE FUNCTION gallery_project_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gallery_bump();
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER projects_gallery_insert AFTER INSERT ON projects DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION gallery_project_changed();
CREATE CONSTRAINT TRIGGER projects_gallery_update AFTER UPDATE ON projects DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'published' OR NEW.status = 'published') EXECUTE FUNCTION gallery_project_changed();
CREATE CONSTRAINT TRIGGER projects_gallery_delete AFTER DELETE ON projects DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION gallery_project_changed();

-- A primary image (its id is in the listing) of a published project.
CREATE FUNCTION gallery_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM projects
               WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END
                 AND status = 'published') THEN
        PERFORM gallery_bump();
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
        PERFORM gallery_bump();
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER users_gallery_update AFTER UPDATE ON users DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.picture_version IS DISTINCT FROM NEW.picture_version)
    EXECUTE FUNCTION gallery_author_changed();
