DROP TRIGGER users_release_picture ON users;
DROP FUNCTION users_release_picture();
ALTER TABLE users
    DROP CONSTRAINT users_picture_has_version,
    DROP COLUMN picture_version,
    DROP COLUMN picture_blob_id;
DROP TABLE blobs;
