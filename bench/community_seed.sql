-- Data for the community benchmarks (issue 8): the page ORIGIN/bench/page-200
-- with 200 comments in 40 threads (replies to earlier comments, several
-- levels deep) by up to 20 existing users, and the pages
-- ORIGIN/bench/post-0 .. post-19 with likes and comments for /api/v1/counts.
--   psql -v origin=https://127.0.0.1:8443 -f bench/community_seed.sql
-- Needs at least one user. Run it again to start over.
\set ON_ERROR_STOP on
SELECT set_config('bench.origin', :'origin', false) \g /dev/null
BEGIN;
DELETE FROM community_targets WHERE url LIKE current_setting('bench.origin') || '/bench/%';
DO $$
DECLARE
    origin  text := current_setting('bench.origin');
    page    bigint;
    authors bigint[] := ARRAY(SELECT id FROM users ORDER BY id LIMIT 20);
    ids     bigint[] := '{}';
    parent  bigint;
    new_id  bigint;
BEGIN
    INSERT INTO community_targets (url) VALUES (origin || '/bench/page-200') RETURNING id INTO page;
    FOR n IN 1..200 LOOP
        -- A third of the replies start in one of the threads, the others
        -- answer one of the ten comments before: threads several levels deep.
        parent := CASE WHEN n <= 40 THEN NULL
                       WHEN n % 3 = 0 THEN ids[1 + (n * 7) % 40]
                       ELSE ids[n - 1 - (n * 7) % 10] END;
        INSERT INTO comments (target_id, parent_id, author_id, body, status, approved_at)
        VALUES (page, parent, authors[1 + n % array_length(authors, 1)],
                repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 1 + n % 5) || '#' || n,
                'approved', now())
        RETURNING id INTO new_id;
        ids := ids || new_id;
    END LOOP;
    FOR k IN 0..19 LOOP
        INSERT INTO community_targets (url, like_count) VALUES (origin || '/bench/post-' || k, k) RETURNING id INTO page;
        INSERT INTO comments (target_id, author_id, body, status, approved_at)
        SELECT page, authors[1], 'comment ' || g, 'approved', now() FROM generate_series(1, k % 5) g;
    END LOOP;
END
$$;
COMMIT;
ANALYZE community_targets;
ANALYZE comments;
