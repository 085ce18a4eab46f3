"""Stopping PostgreSQL: /ready and database-backed requests answer 503, and
the first requests after it is back succeed (transparent reconnect)."""
from stoaclient import Client, assert_problem
from stack import Stack


def test_ready_follows_the_database(info):
    c = Client(info)
    stack = Stack.load(info)
    assert c.get("/ready").status == 200
    stack.stop_postgres()
    try:
        for _ in range(3):  # every worker notices, none crashes
            r = c.get("/ready")
            body = assert_problem(r, 503, "service_unavailable")
            assert body["checks"]["database"] == "unavailable", body
            assert body["checks"]["storage"] == "ok", body
        assert c.get("/health").status == 200, "liveness needs no database"
    finally:
        stack.start_postgres()
    for _ in range(8):  # more requests than workers: each reconnects on its first
        r = c.get("/ready")
        assert r.status == 200, r
