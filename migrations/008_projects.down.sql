-- Blobs of project files and images are released with their rows.
UPDATE blobs SET deleted_at = now()
WHERE deleted_at IS NULL
  AND (id IN (SELECT blob_id FROM project_files)
       OR id IN (SELECT blob_id FROM project_images)
       OR id IN (SELECT thumb_blob_id FROM project_images WHERE thumb_blob_id IS NOT NULL));
DROP TABLE project_images;
DROP TABLE project_files;
DROP FUNCTION project_parts_release_blobs();
DROP TABLE project_tools;
DROP TABLE project_links;
DROP TABLE project_components;
DROP TABLE components;
DROP TABLE bom_items;
DROP TABLE project_steps;
DROP TRIGGER projects_copy_like_count ON community_targets;
DROP FUNCTION projects_copy_like_count();
DELETE FROM community_targets WHERE project_id IS NOT NULL;
ALTER TABLE community_targets DROP CONSTRAINT community_targets_project_fkey;
DROP TABLE projects;
DROP FUNCTION projects_count_status();
DROP TABLE project_counts;
DROP FUNCTION projects_search_vector(text, text, text[]);
