-- Projects (issue 9): build write-ups with steps, a bill of materials,
-- shared components, links, tools, files and images. Every part belongs to
-- exactly one project and goes with it (ON DELETE CASCADE); files and images
-- release their blobs in the same transaction (trigger below), so deleting a
-- project or an account leaves no orphaned row, and the released files are
-- removed at once or by the next `stoactl storage sync`.

-- The text the gallery's full-text search reads. IMMUTABLE so a generated
-- column can use it: array_to_string on text[] depends on no setting.
CREATE FUNCTION projects_search_vector(title text, description text, tags text[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(array_to_string(tags, ' '), '')), 'B')
        || setweight(to_tsvector('english', coalesce(description, '')), 'C')
$$;

CREATE TABLE projects (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
    background      text NOT NULL DEFAULT '' CHECK (length(background) <= 20000),
    source_url      text CHECK (source_url ~ '^https?://' AND length(source_url) <= 2048),
    -- At most 10 tags of at most 32 characters, lower-cased, no duplicates.
    tags            text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 10),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Set by the first publication, kept by unpublishing.
    published_at    timestamptz,
    download_count  bigint NOT NULL DEFAULT 0 CHECK (download_count >= 0),
    -- A copy of community_targets.like_count (trigger below), so that
    -- sort=popular walks one index.
    like_count      integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    search          tsvector GENERATED ALWAYS AS (projects_search_vector(title, description, tags)) STORED,
    CONSTRAINT projects_published_has_time CHECK (status = 'draft' OR published_at IS NOT NULL)
);
-- The gallery: published projects in each sort order, by author, by tag, by text.
CREATE INDEX projects_published_newest_idx ON projects (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX projects_published_popular_idx ON projects (like_count DESC, id DESC) WHERE status = 'published';
CREATE INDEX projects_published_downloads_idx ON projects (download_count DESC, id DESC) WHERE status = 'published';
CREATE INDEX projects_author_idx ON projects (author_id, status, published_at DESC, id DESC);
CREATE INDEX projects_drafts_idx ON projects (updated_at DESC, id DESC) WHERE status = 'draft';
CREATE INDEX projects_tags_idx ON projects USING gin (tags);
CREATE INDEX projects_search_idx ON projects USING gin (search);

-- Likes and comments on a project: their target row goes with the project.
-- (Before this migration no project could be liked: there is nothing to keep.)
DELETE FROM community_targets WHERE project_id IS NOT NULL;
ALTER TABLE community_targets
    ADD CONSTRAINT community_targets_project_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE;

CREATE FUNCTION projects_copy_like_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects SET like_count = NEW.like_count WHERE id = NEW.project_id AND like_count <> NEW.like_count;
    RETURN NULL;
END
$$;
CREATE TRIGGER projects_copy_like_count AFTER UPDATE OF like_count ON community_targets
    FOR EACH ROW WHEN (NEW.project_id IS NOT NULL) EXECUTE FUNCTION projects_copy_like_count();

-- How many projects there are of each status: the total of the unfiltered
-- gallery (its most frequent page) without counting every published row on
-- each request. Kept by the triggers below in the writing transaction.
CREATE TABLE project_counts (
    status  text PRIMARY KEY CHECK (status IN ('draft', 'published')),
    n       bigint NOT NULL CHECK (n >= 0)
);
INSERT INTO project_counts (status, n) VALUES ('draft', 0), ('published', 0);

CREATE FUNCTION projects_count_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE project_counts SET n = n - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE project_counts SET n = n + 1 WHERE status = NEW.status;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER projects_count_insert_delete AFTER INSERT OR DELETE ON projects
    FOR EACH ROW EXECUTE FUNCTION projects_count_status();
CREATE TRIGGER projects_count_status_change AFTER UPDATE OF status ON projects
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION projects_count_status();

-- Steps, in `position` order (1..n; reordering rewrites them all, so the
-- unique key is checked at commit).
CREATE TABLE project_steps (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 1),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body        text NOT NULL DEFAULT '' CHECK (length(body) <= 20000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT project_steps_position_key UNIQUE (project_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE bom_items (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position     integer NOT NULL CHECK (position >= 1),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    quantity     integer NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
    unit         text CHECK (length(unit) <= 32),
    part_number  text CHECK (length(part_number) <= 100),
    supplier_url text CHECK (supplier_url ~ '^https?://' AND length(supplier_url) <= 2048),
    unit_price   numeric(14, 4) CHECK (unit_price >= 0),
    currency     text CHECK (currency ~ '^[A-Z]{3}$'),
    notes        text CHECK (length(notes) <= 2000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bom_items_project_idx ON bom_items (project_id, position);

-- Components are shared by every project; a name is unique ignoring case.
CREATE TABLE components (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
    manufacturer  text CHECK (length(manufacturer) <= 200),
    part_number   text CHECK (length(part_number) <= 100),
    datasheet_url text CHECK (datasheet_url ~ '^https?://' AND length(datasheet_url) <= 2048),
    description   text CHECK (length(description) <= 2000),
    created_by    bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX components_name_key ON components (lower(name));
-- Prefix matches (lower(name) ^@ 'x': SP-GiST serves it with a parameter,
-- so a prepared statement's generic plan still uses the index, which a
-- btree cannot do for LIKE $1), then substrings (trigrams).
CREATE INDEX components_name_prefix_idx ON components USING spgist (lower(name));
CREATE INDEX components_name_trgm_idx ON components USING gin (lower(name) gin_trgm_ops);
CREATE INDEX components_created_by_idx ON components (created_by) WHERE created_by IS NOT NULL;

CREATE TABLE project_components (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    component_id  bigint NOT NULL REFERENCES components (id),
    position      integer NOT NULL CHECK (position >= 1),
    quantity      integer NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
    notes         text CHECK (length(notes) <= 2000),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_components_project_idx ON project_components (project_id, position);
CREATE INDEX project_components_component_idx ON project_components (component_id);

CREATE TABLE project_links (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 1),
    kind        text NOT NULL CHECK (kind IN ('video', 'course', 'article', 'code', 'documentation', 'other')),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    url         text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_links_project_idx ON project_links (project_id, position);

CREATE TABLE project_tools (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 1),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('tool', 'material')),
    notes       text CHECK (length(notes) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_tools_project_idx ON project_tools (project_id, position);

-- Files and images: the bytes are blobs (006_blobs) under generated names;
-- `filename` is the client's original name, for display and downloads only.
CREATE TABLE project_files (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    blob_id       bigint NOT NULL REFERENCES blobs (id),
    position      integer NOT NULL CHECK (position >= 1),
    filename      text NOT NULL CHECK (length(filename) BETWEEN 1 AND 1000),
    size          bigint NOT NULL CHECK (size >= 0),
    content_type  text NOT NULL,
    description   text CHECK (length(description) <= 2000),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_files_project_idx ON project_files (project_id, position);
CREATE UNIQUE INDEX project_files_blob_key ON project_files (blob_id);

-- A raster image is stored re-encoded (longest side <= 2048, no metadata)
-- with a 400-pixel thumbnail; an SVG as sent (served sandboxed), no thumbnail.
CREATE TABLE project_images (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id     bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    blob_id        bigint NOT NULL REFERENCES blobs (id),
    thumb_blob_id  bigint REFERENCES blobs (id),
    position       integer NOT NULL CHECK (position >= 1),
    filename       text NOT NULL CHECK (length(filename) BETWEEN 1 AND 1000),
    width          integer,
    height         integer,
    size           bigint NOT NULL CHECK (size >= 0),
    content_type   text NOT NULL,
    caption        text CHECK (length(caption) <= 500),
    is_primary     boolean NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_images_project_idx ON project_images (project_id, position);
CREATE UNIQUE INDEX project_images_primary_key ON project_images (project_id) WHERE is_primary;
CREATE UNIQUE INDEX project_images_blob_key ON project_images (blob_id);
CREATE UNIQUE INDEX project_images_thumb_key ON project_images (thumb_blob_id) WHERE thumb_blob_id IS NOT NULL;

-- A file or image row that goes (deleted, or with its project or its
-- author's account) releases its blobs in the same statement.
CREATE FUNCTION project_parts_release_blobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'project_images' THEN
        UPDATE blobs SET deleted_at = now()
        WHERE id IN (OLD.blob_id, OLD.thumb_blob_id) AND deleted_at IS NULL;
    ELSE
        UPDATE blobs SET deleted_at = now() WHERE id = OLD.blob_id AND deleted_at IS NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER project_files_release_blobs AFTER DELETE ON project_files
    FOR EACH ROW EXECUTE FUNCTION project_parts_release_blobs();
CREATE TRIGGER project_images_release_blobs AFTER DELETE ON project_images
    FOR EACH ROW EXECUTE FUNCTION project_parts_release_blobs();
