-- Data for the projects benchmarks (issue 9): 10,000 published projects
-- (and 500 drafts) by up to 20 existing users, with tags, likes (as
-- like_count, the copy the gallery sorts by), downloads, 5 steps and 5 BOM
-- items each. Titles start with "bench-" so a rerun replaces them.
--   psql -f bench/projects_seed.sql
-- Needs at least one user.
\set ON_ERROR_STOP on
BEGIN;
DELETE FROM projects WHERE title LIKE 'bench-%';
WITH authors AS (SELECT array_agg(id ORDER BY id) AS ids FROM (SELECT id FROM users ORDER BY id LIMIT 20) u),
words AS (SELECT ARRAY['robot','lamp','clock','sensor','weather','drone','printer','keyboard','radio','garden',
                       'camera','speaker','synth','rover','solar','battery','display','watch','arm','boat'] AS w)
INSERT INTO projects (author_id, title, description, background, tags, status, created_at, updated_at,
                      published_at, download_count, like_count)
SELECT a.ids[1 + n % array_length(a.ids, 1)],
       'bench-' || w.w[1 + n % 20] || ' ' || w.w[1 + (n / 20) % 20] || ' #' || n,
       repeat('A build log about a ' || w.w[1 + (n * 7) % 20] || ' made at home. ', 1 + n % 4),
       'Why it exists.',
       ARRAY[w.w[1 + n % 20], w.w[1 + (n * 3) % 20], 'esp' || (n % 50)],
       CASE WHEN n > 10000 THEN 'draft' ELSE 'published' END,
       now() - make_interval(mins => n), now() - make_interval(mins => n),
       CASE WHEN n > 10000 THEN NULL ELSE now() - make_interval(mins => n) END,
       (n * 7919) % 5000, (n * 104729) % 1000
FROM generate_series(1, 10500) AS n, authors a, words w;
INSERT INTO project_steps (project_id, position, title, body)
SELECT p.id, s, 'Step ' || s, repeat('Do the thing carefully. ', 10)
FROM projects p, generate_series(1, 5) AS s WHERE p.title LIKE 'bench-%';
INSERT INTO bom_items (project_id, position, name, quantity, unit_price, currency)
SELECT p.id, s, 'Part ' || s, s, s * 0.5, 'EUR'
FROM projects p, generate_series(1, 5) AS s WHERE p.title LIKE 'bench-%';
COMMIT;
ANALYZE projects;
ANALYZE project_steps;
ANALYZE bom_items;
