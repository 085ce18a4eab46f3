"""Every query of the community features is an index scan (issue 8
"Benchmark": every query an index scan). The queries are the ones the worker
runs (handlers/{likes,counts,comments,moderation,subscriptions,feeds,
unsubscribe}.cpp, src/community/*.cpp) with literal values.

Where two indexes could serve a query, which one the planner takes depends
on the statistics, so the plans are made over a realistic volume (thousands
of pages, tens of thousands of comments, likes and subscriptions) inserted
and ANALYZEd inside one transaction that is rolled back afterwards (the
statistics with it). As in test_auth_indexes.py, the EXPLAINs run with
enable_seqscan = off: that does not force an index, it shows whether a
usable one exists (without one, PostgreSQL still plans a Seq Scan). Each
case names the index it expects."""
import json
import subprocess
import tempfile

import pytest


# Rolled back at the end: nothing of it stays in the stack's database.
VOLUME = """
INSERT INTO users (username, email, password_hash, role, email_verified_at)
SELECT 'idx_' || g || '_' || md5(random()::text)::char(8), 'idx_' || g || '_' || md5(random()::text)::char(8) || '@example.org',
       'x', CASE WHEN g % 20 = 0 THEN 'moderator' ELSE 'user' END, now()
FROM generate_series(1, 200) g;
INSERT INTO community_targets (url) SELECT 'https://index.example/p/' || g FROM generate_series(1, 3000) g;
INSERT INTO comments (target_id, author_id, body, status, approved_at, created_at)
SELECT t.id, u.id, 'comment ' || g, CASE WHEN g % 25 = 0 THEN 'pending' ELSE 'approved' END,
       CASE WHEN g % 25 = 0 THEN NULL ELSE now() END, now() - make_interval(secs => g)
FROM generate_series(1, 30000) g
JOIN community_targets t ON t.url = 'https://index.example/p/' || (1 + g % 3000)
JOIN LATERAL (SELECT id FROM users WHERE username LIKE 'idx\\_%' ORDER BY id OFFSET (g % 200) LIMIT 1) u ON true;
INSERT INTO likes (target_id, user_id)
SELECT t.id, u.id FROM (SELECT id FROM community_targets WHERE url LIKE 'https://index.example/%' LIMIT 1000) t
CROSS JOIN (SELECT id FROM users WHERE username LIKE 'idx\\_%' LIMIT 20) u;
INSERT INTO comment_subscriptions (target_id, user_id)
SELECT t.id, u.id FROM (SELECT id FROM community_targets WHERE url LIKE 'https://index.example/%' LIMIT 500) t
CROSS JOIN (SELECT id FROM users WHERE username LIKE 'idx\\_%' LIMIT 5) u;
ANALYZE users; ANALYZE community_targets; ANALYZE comments; ANALYZE likes; ANALYZE comment_subscriptions;
"""

URL = "'https://127.0.0.1/x'"
TS = "to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"

THREAD = ("SELECT c.id, c.parent_id, c.author_id, c.body, c.status, c.deleted_at IS NOT NULL, "
          f"{TS}, 0 FROM community_targets t JOIN comments c ON c.target_id = t.id "
          f"WHERE t.url = {URL} ORDER BY c.id")
THREAD_TOP = ("SELECT c.id, c.parent_id, c.author_id, c.body, c.status, c.deleted_at IS NOT NULL, "
              f"{TS}, coalesce(lt.like_count, 0) "
              "FROM community_targets t JOIN comments c ON c.target_id = t.id "
              "LEFT JOIN community_targets lt ON lt.comment_id = c.id "
              f"WHERE t.url = {URL} ORDER BY c.id")
THREAD_AUTHORS = ("SELECT u.id, u.username, u.picture_version FROM users u WHERE u.id IN (SELECT c.author_id "
                  f"FROM community_targets t JOIN comments c ON c.target_id = t.id WHERE t.url = {URL})")

# Lookups by comment id may use the primary key or the (id, target_id) key.
BY_COMMENT_ID = ("comments_pkey", "comments_id_target_key")

# (name, query, {table: expected index, or a tuple of acceptable ones})
QUERIES = [
    ("target by url", f"SELECT id FROM community_targets WHERE url = {URL}",
     {"community_targets": "community_targets_url_key"}),
    ("target by comment", "SELECT id FROM community_targets WHERE comment_id = 7",
     {"community_targets": "community_targets_comment_key"}),
    ("target by project", "SELECT id FROM community_targets WHERE project_id = 7",
     {"community_targets": "community_targets_project_key"}),
    ("comment thread (GET /comments)", THREAD,
     {"community_targets": "community_targets_url_key", "comments": "comments_target_idx"}),
    ("the thread's authors (same round trip)", THREAD_AUTHORS,
     {"community_targets": "community_targets_url_key", "comments": "comments_target_idx", "users": "users_pkey"}),
    ("comment thread, sort=top (with likes)", THREAD_TOP,
     {"comments": "comments_target_idx", "community_targets": "community_targets_comment_key"}),
    ("like count with mine", "SELECT t.like_count, l.id FROM community_targets t LEFT JOIN likes l "
                             f"ON l.target_id = t.id AND l.user_id = 42 WHERE t.url = {URL}",
     {"community_targets": "community_targets_url_key", "likes": ("likes_target_user_key", "likes_user_idx")}),
    ("counts of many pages",
     "SELECT coalesce(t.like_count, 0), (SELECT count(*) FROM comments c WHERE c.target_id = t.id "
     "AND c.status = 'approved' AND c.deleted_at IS NULL) FROM unnest('{a,b,c}'::text[]) WITH ORDINALITY AS q(url, n) "
     "LEFT JOIN community_targets t ON t.url = q.url ORDER BY q.n",
     {"community_targets": "community_targets_url_key", "comments": "comments_visible_target_idx"}),
    ("delete own like", "DELETE FROM likes WHERE id = 7 AND user_id = 42",
     {"likes": ("likes_pkey", "likes_user_idx")}),
    ("comment by id, locked", "SELECT c.id FROM comments c JOIN community_targets t ON t.id = c.target_id "
                              "LEFT JOIN users u ON u.id = c.author_id "
                              "LEFT JOIN community_targets lt ON lt.comment_id = c.id WHERE c.id = 7 FOR UPDATE OF c",
     {"comments": BY_COMMENT_ID, "community_targets": "community_targets_pkey"}),
    ("author facts", "SELECT username, EXISTS (SELECT 1 FROM comments WHERE author_id = 42 AND approved_at IS NOT NULL) "
                     "FROM users WHERE id = 42",
     {"users": "users_pkey", "comments": "comments_author_idx"}),
    ("reply and subscriber recipients",
     "SELECT u.id FROM comments p JOIN users u ON u.id = p.author_id WHERE p.id = 7 AND p.deleted_at IS NULL "
     "UNION ALL SELECT u.id FROM comment_subscriptions s JOIN users u ON u.id = s.user_id WHERE s.target_id = 7",
     {"comments": BY_COMMENT_ID, "comment_subscriptions": "comment_subscriptions_target_user_key"}),
    ("moderators to mail", "SELECT id FROM users WHERE role IN ('moderator', 'admin') "
                           "AND email_verified_at IS NOT NULL AND notify_moderation ORDER BY id",
     {"users": "users_role_idx"}),
    ("waiting comments counted", "SELECT count(*) FROM comments WHERE status = 'pending' AND deleted_at IS NULL",
     {"comments": "comments_queue_idx"}),
    ("moderation queue", "SELECT c.id FROM comments c JOIN community_targets t ON t.id = c.target_id "
                         "LEFT JOIN users u ON u.id = c.author_id WHERE c.status = 'pending' AND c.deleted_at IS NULL "
                         "ORDER BY c.created_at, c.id LIMIT 20 OFFSET 0",
     {"comments": "comments_queue_idx"}),
    ("page feed", "SELECT c.id FROM community_targets t JOIN comments c ON c.target_id = t.id "
                  "AND c.status = 'approved' AND c.deleted_at IS NULL LEFT JOIN users u ON u.id = c.author_id "
                  f"WHERE t.url = {URL} ORDER BY c.created_at DESC, c.id DESC LIMIT 50",
     {"community_targets": "community_targets_url_key", "comments": "comments_visible_target_idx"}),
    ("site feed", "SELECT c.id FROM comments c JOIN community_targets t ON t.id = c.target_id "
                  "LEFT JOIN users u ON u.id = c.author_id WHERE c.status = 'approved' AND c.deleted_at IS NULL "
                  "ORDER BY c.created_at DESC, c.id DESC LIMIT 50",
     {"comments": "comments_visible_recent_idx"}),
    ("export: likes", "SELECT l.id FROM likes l JOIN community_targets t ON t.id = l.target_id "
                      "WHERE l.user_id = 42 ORDER BY l.id", {"likes": "likes_user_idx"}),
    ("export: comments", "SELECT c.id FROM comments c JOIN community_targets t ON t.id = c.target_id "
                         "WHERE c.author_id = 42 ORDER BY c.id", {"comments": "comments_author_idx"}),
    ("subscriptions of a user", "SELECT s.id FROM comment_subscriptions s JOIN community_targets t "
                                "ON t.id = s.target_id WHERE s.user_id = 42 ORDER BY s.id DESC LIMIT 20",
     {"comment_subscriptions": "comment_subscriptions_user_idx"}),
    ("unsubscribe", "DELETE FROM comment_subscriptions WHERE id = 7",
     {"comment_subscriptions": "comment_subscriptions_pkey"}),
    ("claim notifications", "UPDATE comments c SET notified_at = now() FROM community_targets t "
                            "WHERE c.id = 7 AND c.notified_at IS NULL AND t.id = c.target_id",
     {"comments": BY_COMMENT_ID}),
    ("like count trigger", "UPDATE community_targets SET like_count = like_count + 1 WHERE id = 7",
     {"community_targets": "community_targets_pkey"}),
]

COMMUNITY_TABLES = {"community_targets", "comments", "likes", "comment_subscriptions", "moderation_notices", "users"}


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


SEPARATOR = "----8<----"


@pytest.fixture(scope="module")
def plans(info):
    """Plan of every query (and upsert) by its text, made in one session:
    BEGIN, the volume, ANALYZE, the EXPLAINs, ROLLBACK."""
    queries = [q for _, q, _ in QUERIES] + [q for _, q, _ in UPSERTS]
    script = ["\\set ON_ERROR_STOP on", "BEGIN;", VOLUME, "SET LOCAL enable_seqscan = off;"]
    for q in queries:
        script += [f"\\echo {SEPARATOR}", f"EXPLAIN (FORMAT JSON) {q};"]
    script.append("ROLLBACK;")
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as f:
        f.write("\n".join(script) + "\n")
        f.flush()
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-h", info["pg_socket_dir"], "-p", str(info["pg_port"]),
                              "-U", "postgres", "-d", "stoa", "-f", f.name], check=True, capture_output=True,
                             text=True).stdout
    blocks = out.split(SEPARATOR)[1:]
    assert len(blocks) == len(queries), out[-2000:]
    return {q: json.loads(b)[0]["Plan"] for q, b in zip(queries, blocks)}


@pytest.mark.parametrize("name,query,expected", QUERIES, ids=[q[0] for q in QUERIES])
def test_community_query_uses_an_index(plans, name, query, expected):
    plan = plans[query]
    nodes = list(plan_nodes(plan))
    seq = [n.get("Relation Name") for n in nodes
           if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in COMMUNITY_TABLES]
    assert not seq, f"{name}: Seq Scan on {seq} although seq scans are off: no usable index ({json.dumps(plan)})"
    used = sorted({n["Index Name"] for n in nodes if "Index Name" in n})
    for table, index in expected.items():
        acceptable = index if isinstance(index, tuple) else (index,)
        assert set(acceptable) & set(used), f"{name}: expected {' or '.join(acceptable)} on {table}, plan uses {used}"


UPSERTS = [
    ("like", "INSERT INTO likes (target_id, user_id) VALUES (1, 1) ON CONFLICT (target_id, user_id) DO NOTHING",
     "likes_target_user_key"),
    ("subscription", "INSERT INTO comment_subscriptions (target_id, user_id) VALUES (1, 1) "
                     "ON CONFLICT (target_id, user_id) DO NOTHING", "comment_subscriptions_target_user_key"),
    ("page target", "INSERT INTO community_targets (url) VALUES ('https://x/') "
                    "ON CONFLICT (url) WHERE url IS NOT NULL DO UPDATE SET url = EXCLUDED.url",
     "community_targets_url_key"),
    ("moderator notice", "INSERT INTO moderation_notices AS n (user_id, last_sent_at) VALUES (1, now()) "
                         "ON CONFLICT (user_id) DO UPDATE SET last_sent_at = now()", "moderation_notices_pkey"),
]


@pytest.mark.parametrize("name,insert,arbiter", UPSERTS, ids=[u[0] for u in UPSERTS])
def test_upserts_have_their_unique_index(plans, name, insert, arbiter):
    plan = plans[insert]
    assert plan.get("Conflict Arbiter Indexes") == [arbiter], f"{name}: {plan}"
