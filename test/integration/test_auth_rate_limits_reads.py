"""The per-IP hit of an anonymous read (API.md "Rate limits") shares a round
trip with the read's first query (db::Connection::defer): these pin down that
it still counts exactly once per request, whatever the answer, and that over
the limit the answer is 429, never the handler's 200, 404 or 422."""
from authhelpers import bearer, exhaust_default_ip, fresh_client, login, rate_hits, register_user, sql_text
from stoaclient import assert_problem, psql

GALLERY = "/api/v1/projects?sort=popular&per_page=2"
MISSING_PROJECT = "/api/v1/projects/999999999"
BAD_SORT = "/api/v1/projects?sort=sideways"
PIPELINE = "/api/v1/_test/pipeline"


def hits(info, ip):
    return rate_hits(info, "default_ip:" + ip)


def assert_rate_headers(r, remaining):
    assert r.header("ratelimit-limit") == "300", r.headers
    assert r.header("ratelimit-remaining") == str(remaining), r.headers
    assert 1 <= int(r.header("ratelimit-reset")) <= 60, r.headers


def test_an_anonymous_read_counts_once_with_its_headers(info):
    c = fresh_client(info, v4=True)
    r = c.get(GALLERY)
    assert r.status == 200, r
    assert hits(info, c.client_ip) == 1
    assert_rate_headers(r, 299)
    r = c.get(GALLERY)
    assert hits(info, c.client_ip) == 2
    assert_rate_headers(r, 298)


def test_a_refused_read_counts_too(info):
    c = fresh_client(info, v4=True)
    r = c.get(MISSING_PROJECT)  # refused after its query
    assert_problem(r, 404, "not_found")
    assert_rate_headers(r, 299)
    r = c.get(BAD_SORT)  # refused before any query: counted after the handler
    assert_problem(r, 422, "validation_failed")
    assert_rate_headers(r, 298)
    assert hits(info, c.client_ip) == 2


def test_over_the_limit_a_read_answers_429_whatever_it_would_have_said(info):
    c = fresh_client(info, v4=True)
    exhaust_default_ip(info, c.client_ip)
    for path in (GALLERY, MISSING_PROJECT, BAD_SORT, f"{PIPELINE}?divisor=0"):
        r = c.get(path)
        assert_problem(r, 429, "rate_limited")
        assert 1 <= int(r.header("retry-after")) <= 60, (path, r.headers)
    assert hits(info, c.client_ip) == 304
    assert fresh_client(info).get(GALLERY).status == 200, "another address was limited too"


def test_a_failing_round_trip_still_counts_and_the_worker_goes_on(info):
    c = fresh_client(info, v4=True)
    assert_problem(c.get(f"{PIPELINE}?divisor=0"), 500, "internal")
    assert hits(info, c.client_ip) == 1, "the failed statement took the hit with it"
    for _ in range(4):  # every worker: none is left in pipeline mode
        r = c.get(f"{PIPELINE}?divisor=2")
        assert r.status == 200, r
        assert r.json["values"] == [1, 3, 3]
    assert hits(info, c.client_ip) == 5


def test_a_signed_in_read_counts_once_per_ip_and_per_user(info):
    user = register_user(info)
    _, r = login(info, user)
    c = fresh_client(info, v4=True)
    r = c.get(GALLERY, headers=bearer(r.json["access_token"]))
    assert r.status == 200, r
    assert hits(info, c.client_ip) == 1
    key = sql_text(f"default_user:user:{user.id}")
    assert psql(info, f"SELECT hits FROM rate_limits WHERE key = {key}") == "1"
