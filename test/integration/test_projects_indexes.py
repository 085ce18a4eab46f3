"""The gallery and the component search are served by indexes (issue 9:
"every combination served by an index"). The queries mirror those the
worker prepares (handlers/projects.cpp build_gallery_query,
handlers/components.cpp kSearch).

As in test_community_indexes.py, a realistic volume (thousands of projects
and components) is inserted and ANALYZEd inside one transaction that is
rolled back afterwards, and the EXPLAINs run with enable_seqscan = off: that
does not force an index, it shows whether a usable one exists. The
component search is planned as the worker runs it: a prepared statement
with a generic plan (plan_cache_mode = force_generic_plan), which PostgreSQL
switches to after a few executions; a btree cannot serve `LIKE $1` there."""
import json
import subprocess
import tempfile

import pytest

VOLUME = """
INSERT INTO users (username, email, password_hash, role, email_verified_at)
SELECT 'pidx_' || g || '_' || md5(random()::text)::char(8), 'pidx_' || g || '_' || md5(random()::text)::char(8)
       || '@example.org', 'x', 'user', now()
FROM generate_series(1, 50) g;
INSERT INTO projects (author_id, title, description, tags, status, published_at, like_count, download_count)
SELECT u.id, 'Build ' || g || ' ' || (ARRAY['drone', 'clock', 'robot', 'lamp'])[1 + g % 4],
       'A description of build ' || g, ARRAY['tag' || (g % 40)],
       CASE WHEN g % 10 = 0 THEN 'draft' ELSE 'published' END,
       CASE WHEN g % 10 = 0 THEN NULL ELSE now() - make_interval(secs => g) END, g % 97, g % 89
FROM generate_series(1, 5000) g
JOIN LATERAL (SELECT id FROM users WHERE username LIKE 'pidx\\_%' ORDER BY id OFFSET (g % 50) LIMIT 1) u ON true;
INSERT INTO components (name) SELECT 'Part ' || md5(g::text) FROM generate_series(1, 5000) g;
-- What autovacuum does soon after bulk inserts: GIN's pending list merged
-- into the index (the planner prices an unmerged list as a scan of it all).
SELECT gin_clean_pending_list('projects_tags_idx'), gin_clean_pending_list('projects_search_idx'),
       gin_clean_pending_list('components_name_trgm_idx') \\g /dev/null
ANALYZE users; ANALYZE projects; ANALYZE components;
"""

PUBLISHED = "p.status = 'published'"

# (name, query, {table: expected index, or a tuple of acceptable ones})
GALLERY = [
    ("newest", f"SELECT p.id FROM projects p WHERE {PUBLISHED} ORDER BY p.published_at DESC, p.id DESC LIMIT 20",
     {"projects": "projects_published_newest_idx"}),
    ("popular", f"SELECT p.id FROM projects p WHERE {PUBLISHED} ORDER BY p.like_count DESC, p.id DESC LIMIT 20",
     {"projects": "projects_published_popular_idx"}),
    ("downloads", f"SELECT p.id FROM projects p WHERE {PUBLISHED} "
                  "ORDER BY p.download_count DESC, p.id DESC LIMIT 20",
     {"projects": "projects_published_downloads_idx"}),
    ("by author", f"SELECT p.id FROM projects p WHERE {PUBLISHED} AND p.author_id = 42 "
                  "ORDER BY p.published_at DESC, p.id DESC LIMIT 20",
     {"projects": ("projects_author_idx", "projects_published_newest_idx")}),
    ("by tag, count", f"SELECT count(*) FROM projects p WHERE {PUBLISHED} AND p.tags @> ARRAY['tag7'::text]",
     {"projects": "projects_tags_idx"}),
    ("text search, count", f"SELECT count(*) FROM projects p WHERE {PUBLISHED} "
                           "AND p.search @@ websearch_to_tsquery('english', '4242'::text)",
     {"projects": "projects_search_idx"}),
]

COMPONENT_SEARCH = (
    "SELECT id FROM ("
    "  (SELECT c.*, 0 AS tier, 1.0::real AS score FROM components c WHERE lower(c.name) ^@ lower($1) "
    "   ORDER BY lower(c.name) LIMIT 20) "
    "  UNION ALL "
    "  (SELECT c.*, 1 AS tier, similarity(lower(c.name), lower($1)) AS score FROM components c "
    "   WHERE lower(c.name) LIKE lower($2) AND NOT lower(c.name) ^@ lower($1) "
    "   ORDER BY similarity(lower(c.name), lower($1)) DESC, lower(c.name) LIMIT 20)"
    ") found ORDER BY tier, score DESC, lower(name) LIMIT 20")

SEPARATOR = "----8<----"


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


@pytest.fixture(scope="module")
def plans(info):
    script = ["\\set ON_ERROR_STOP on", "BEGIN;", VOLUME, "SET LOCAL enable_seqscan = off;"]
    for _, q, _ in GALLERY:
        script += [f"\\echo {SEPARATOR}", f"EXPLAIN (FORMAT JSON) {q};"]
    script += ["SET LOCAL plan_cache_mode = force_generic_plan;",
               f"PREPARE component_search(text, text) AS {COMPONENT_SEARCH};",
               f"\\echo {SEPARATOR}", "EXPLAIN (FORMAT JSON) EXECUTE component_search('part 1a', '%part 1a%');",
               "ROLLBACK;"]
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as f:
        f.write("\n".join(script) + "\n")
        f.flush()
        out = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-h", info["pg_socket_dir"], "-p", str(info["pg_port"]),
                              "-U", "postgres", "-d", "stoa", "-f", f.name], check=True, capture_output=True,
                             text=True).stdout
    blocks = out.split(SEPARATOR)[1:]
    assert len(blocks) == len(GALLERY) + 1, out[-2000:]
    return [json.loads(b)[0]["Plan"] for b in blocks]


def indexes_used(plan):
    """Every index the plan reads (Bitmap Index Scans name no table; the
    index names do, so they are compared whole)."""
    return {n["Index Name"] for n in plan_nodes(plan) if n.get("Index Name")}


@pytest.mark.parametrize("i", range(len(GALLERY)), ids=[g[0] for g in GALLERY])
def test_gallery_query_uses_its_index(plans, i):
    name, _, expected = GALLERY[i]
    plan = plans[i]
    seq = [n.get("Relation Name") for n in plan_nodes(plan) if n["Node Type"] == "Seq Scan"]
    assert not seq, f"{name}: sequential scan of {seq}: {json.dumps(plan)[:1500]}"
    used = indexes_used(plan)
    for table, index in expected.items():
        wanted = index if isinstance(index, tuple) else (index,)
        assert used & set(wanted), f"{name}: {table} via {used}, wanted {wanted}"


def test_component_search_generic_plan_uses_the_prefix_and_trigram_indexes(plans):
    plan = plans[-1]
    seq = [n.get("Relation Name") for n in plan_nodes(plan) if n["Node Type"] == "Seq Scan"]
    assert not seq, f"sequential scan of {seq}: {json.dumps(plan)[:2000]}"
    used = indexes_used(plan)
    assert {"components_name_prefix_idx", "components_name_trgm_idx"} <= used, used
