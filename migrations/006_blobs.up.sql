-- Blobs: files in the store, under generated names (32 hex characters; the
-- original filename, when there is one, is metadata of whatever owns the
-- blob). `location` says where the file is: on the SMB share, or in the
-- local directory of `local_host` while the share was unreachable.
-- A row is written after its file and removed after it, so a row always
-- names a file that exists; `stoactl storage sync` moves local blobs to the
-- share (copy, verify, flip `location`, then delete the local copy).
CREATE TABLE blobs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (name ~ '^[0-9a-f]{32}$'),
    location     text NOT NULL CHECK (location IN ('share', 'local')),
    local_host   text,
    size         bigint NOT NULL CHECK (size >= 0),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    moved_at     timestamptz,
    -- Set when nothing refers to the blob any more: its file is removed,
    -- then the row (at once, or by the next sync when that failed).
    deleted_at   timestamptz,
    CONSTRAINT blobs_local_has_host CHECK ((location = 'local') = (local_host IS NOT NULL))
);
CREATE UNIQUE INDEX blobs_name_key ON blobs (name);
CREATE INDEX blobs_local_idx ON blobs (local_host, id) WHERE location = 'local' AND deleted_at IS NULL;
CREATE INDEX blobs_deleted_idx ON blobs (id) WHERE deleted_at IS NOT NULL;

-- A profile picture; picture_version (a prefix of its checksum) makes its
-- URL change with it, for ETag and cache-busting.
ALTER TABLE users
    ADD COLUMN picture_blob_id bigint REFERENCES blobs (id),
    ADD COLUMN picture_version text,
    ADD CONSTRAINT users_picture_has_version CHECK ((picture_blob_id IS NULL) = (picture_version IS NULL));
CREATE INDEX users_picture_blob_idx ON users (picture_blob_id) WHERE picture_blob_id IS NOT NULL;

-- A picture replaced or removed, or erased with its account (whoever
-- deletes the row), releases its blob in the same transaction.
CREATE FUNCTION users_release_picture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.picture_blob_id IS NOT NULL
       AND (TG_OP = 'DELETE' OR NEW.picture_blob_id IS DISTINCT FROM OLD.picture_blob_id) THEN
        UPDATE blobs SET deleted_at = now() WHERE id = OLD.picture_blob_id AND deleted_at IS NULL;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_release_picture AFTER UPDATE OF picture_blob_id OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION users_release_picture();
