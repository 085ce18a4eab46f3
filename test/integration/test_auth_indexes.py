"""Every query of the authentication core can be answered by an index
(issue 4: "Indexes so that every auth query is an index lookup").

The queries are the ones the worker runs (src/auth/*.cpp, handlers/auth_flows.cpp)
with literal values. Test tables are tiny, where the planner rightly prefers
sequential scans, so each EXPLAIN runs with enable_seqscan = off: that does
not force an index, it only shows whether a usable one exists (without one,
PostgreSQL still plans a Seq Scan). Each case names the index expression it
expects, and the assertion names the index the plan used."""
import json
import re

import pytest

from stoaclient import psql

SID = "00000000-0000-4000-8000-000000000000"

# (name, query, table, regular expression the used index's definition must match)
QUERIES = [
    ("user by email", "SELECT u.id FROM users u WHERE lower(u.email) = 'a@example.org'",
     "users", r"\(lower\(email\)\)"),
    ("user by username", "SELECT u.id FROM users u WHERE lower(u.username) = 'alice'",
     "users", r"\(lower\(username\)\)"),
    ("user by id", "SELECT u.id FROM users u WHERE u.id = 42", "users", r"\(id\)"),
    ("login failed / succeeded", "UPDATE users u SET failed_logins = u.failed_logins + 1 WHERE u.id = 42",
     "users", r"\(id\)"),
    ("refresh token by hash", "SELECT t.session_id FROM refresh_tokens t WHERE t.token_hash = 'h'",
     "refresh_tokens", r"\(token_hash\)"),
    ("refresh consume", "UPDATE refresh_tokens t SET used_at = now() FROM sessions s "
                        "WHERE t.token_hash = 'h' AND t.used_at IS NULL AND s.id = t.session_id "
                        "RETURNING t.session_id, s.user_id",
     "refresh_tokens", r"\(token_hash\)"),
    ("refresh consume: its session", "UPDATE refresh_tokens t SET used_at = now() FROM sessions s "
                                     "WHERE t.token_hash = 'h' AND t.used_at IS NULL AND s.id = t.session_id "
                                     "RETURNING t.session_id, s.user_id",
     "sessions", r"\(id\)"),
    ("session by id (every authenticated request)",
     f"SELECT u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = '{SID}' AND s.user_id = 42 "
     "AND s.revoked_at IS NULL AND s.expires_at > now()",
     "sessions", r"\((id|user_id)\)"),
    ("session by id: its user",
     f"SELECT u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = '{SID}' AND s.user_id = 42 "
     "AND s.revoked_at IS NULL AND s.expires_at > now()",
     "users", r"\(id\)"),
    ("revoke session", f"UPDATE sessions SET revoked_at = now() WHERE id = '{SID}' AND revoked_at IS NULL",
     "sessions", r"\(id\)"),
    ("revoke a user's sessions", "UPDATE sessions SET revoked_at = now() WHERE user_id = 42 AND revoked_at IS NULL",
     "sessions", r"\(user_id\)"),
    ("logout by refresh token", "UPDATE sessions s SET revoked_at = now() FROM refresh_tokens t "
                                "WHERE t.token_hash = 'h' AND s.id = t.session_id AND s.revoked_at IS NULL",
     "refresh_tokens", r"\(token_hash\)"),
    ("rate limit counter", "SELECT hits FROM rate_limits WHERE key = 'login_ip:198.18.0.1'",
     "rate_limits", r"\(key\)"),
    ("audit log of a user", "SELECT event FROM account_logs WHERE user_id = 42 ORDER BY created_at DESC LIMIT 20",
     "account_logs", r"\(user_id"),
    ("cleanup: expired rate-limit windows", "DELETE FROM rate_limits WHERE window_end <= now()",
     "rate_limits", r"\(window_end\)"),
    ("cleanup: expired refresh tokens", "DELETE FROM refresh_tokens WHERE expires_at <= now()",
     "refresh_tokens", r"\(expires_at\)"),
    ("cleanup: expired sessions", "DELETE FROM sessions WHERE expires_at <= now()",
     "sessions", r"\(expires_at\)"),
]


def plan_nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def explain(info, query):
    # One psql -c string: SET and EXPLAIN run in the same session; the UPDATE
    # and DELETE are only planned, never executed.
    out = psql(info, f"SET enable_seqscan = off; EXPLAIN (FORMAT JSON) {query}")
    return json.loads(out)[0]["Plan"]


@pytest.fixture(scope="module")
def index_defs(info):
    rows = psql(info, "SELECT indexname || '|' || indexdef FROM pg_indexes WHERE schemaname = 'public'")
    return dict(line.split("|", 1) for line in rows.splitlines())


@pytest.mark.parametrize("name,query,table,key", QUERIES, ids=[q[0] for q in QUERIES])
def test_auth_query_uses_an_index(info, index_defs, name, query, table, key):
    plan = explain(info, query)
    nodes = list(plan_nodes(plan))
    seq = [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == table]
    assert not seq, f"{name}: a Seq Scan on {table} although seq scans are off: no usable index ({plan})"
    used = [n["Index Name"] for n in nodes if "Index Name" in n]
    on_table = [i for i in used if re.search(rf" ON (public\.)?{table} ", index_defs.get(i, ""))]
    assert on_table, f"{name}: no index of {table} in the plan (indexes used: {used})"
    matching = [i for i in on_table if re.search(key, index_defs[i])]
    assert matching, (f"{name}: the plan uses {on_table} on {table}, none on {key!r}: "
                      f"{[index_defs[i] for i in on_table]}")


def test_rate_limit_upsert_has_its_arbiter_index(info, index_defs):
    plan = explain(info, "INSERT INTO rate_limits AS r (key, window_start, window_end, hits) "
                         "VALUES ('k', now(), now() + interval '1 minute', 1) "
                         "ON CONFLICT (key) DO UPDATE SET hits = r.hits + 1 RETURNING hits")
    arbiters = plan.get("Conflict Arbiter Indexes", [])
    assert arbiters and all(re.search(r"\(key\)", index_defs.get(a, "")) for a in arbiters), \
        f"the rate-limit upsert has no unique index on key: {arbiters}"


@pytest.mark.parametrize("index,pattern", [
    ("users by lower(username)", r"UNIQUE INDEX \S+ ON (public\.)?users USING btree \(lower\(username\)\)"),
    ("users by lower(email)", r"UNIQUE INDEX \S+ ON (public\.)?users USING btree \(lower\(email\)\)"),
    ("refresh_tokens by token_hash", r"UNIQUE INDEX \S+ ON (public\.)?refresh_tokens USING btree \(token_hash\)"),
])
def test_identity_and_token_indexes_are_unique(index_defs, index, pattern):
    assert any(re.search(pattern, d) for d in index_defs.values()), \
        f"no unique index for {index}; indexes: {sorted(index_defs.values())}"
