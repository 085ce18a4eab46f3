"""What each rate-limit counter counts when a request is refused on the way
in (API.md "Rate limits"): the checks act as if run one after another, so a
request counts on the per-user limit only once the per-IP limit held, the
session is alive and the route's guards passed, and on refresh_ip only once
the refresh request got past its body (and default_ip). They run in fewer
statements now; these tests pin down that the counting did not change."""
from authhelpers import API, bearer, exhaust_default_ip, fresh_client, login, rate_hits, register_user, sql_text
from stoaclient import assert_problem, psql


def test_a_served_request_counts_once_per_ip_and_once_per_user(info):
    user = register_user(info)
    _, r = login(info, user)
    c = fresh_client(info, v4=True)
    assert c.get(f"{API}/me", headers=bearer(r.json["access_token"])).status == 200
    assert rate_hits(info, f"default_ip:{c.client_ip}") == 1
    assert rate_hits(info, f"default_user:user:{user.id}") == 1


def test_requests_refused_by_a_guard_do_not_count_per_user(info):
    user = register_user(info)  # a guest
    c, r = login(info, user)
    token = r.json["access_token"]
    for _ in range(2):
        assert_problem(fresh_client(info).get("/api/v1/admin/users", headers=bearer(token)), 403, "forbidden")
    # Cookie-authenticated and unsafe, without the X-CSRF-Token header.
    assert_problem(c.post(f"{API}/logout"), 403, "csrf_failed")
    assert rate_hits(info, f"default_user:user:{user.id}") == 0, "a request refused by role or CSRF counted for its user"
    assert fresh_client(info).get(f"{API}/me", headers=bearer(token)).status == 200
    assert rate_hits(info, f"default_user:user:{user.id}") == 1


def test_a_forced_reset_caller_counts_per_user_only_where_served(info):
    user = register_user(info, password_change_required=True)
    _, r = login(info, user)
    token = r.json["access_token"]
    assert_problem(fresh_client(info).get(f"{API}/sessions", headers=bearer(token)), 403, "password_change_required")
    assert rate_hits(info, f"default_user:user:{user.id}") == 0
    assert fresh_client(info).get(f"{API}/me", headers=bearer(token)).status == 200
    assert rate_hits(info, f"default_user:user:{user.id}") == 1


def test_an_ended_session_does_not_count_per_user(info):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["access_token"]
    assert fresh_client(info).post(f"{API}/logout", headers=bearer(token)).status == 204
    before = rate_hits(info, f"default_user:user:{user.id}")
    c = fresh_client(info, v4=True)
    assert_problem(c.get(f"{API}/me", headers=bearer(token)), 401, "token_invalid")
    assert rate_hits(info, f"default_ip:{c.client_ip}") == 1, "the refused request did not count for its address"
    assert rate_hits(info, f"default_user:user:{user.id}") == before


def test_over_the_ip_limit_nothing_counts_per_user(info):
    user = register_user(info)
    _, r = login(info, user)
    c = fresh_client(info, v4=True)
    exhaust_default_ip(info, c.client_ip)
    limited = c.get(f"{API}/me", headers=bearer(r.json["access_token"]))
    assert_problem(limited, 429, "rate_limited")
    assert limited.header("ratelimit-limit") == "300", limited.headers
    assert rate_hits(info, f"default_user:user:{user.id}") == 0


def test_refresh_counts_refresh_ip_only_past_its_body(info):
    c = fresh_client(info, v4=True)
    r = c.request("POST", f"{API}/refresh", body=b"{not json", content_type="application/json")
    assert r.status == 400, r
    assert_problem(c.post(f"{API}/refresh", json={}), 401, "token_invalid")
    assert rate_hits(info, f"refresh_ip:{c.client_ip}") == 0, "refresh_ip counted a request refused before rotation"
    assert rate_hits(info, f"default_ip:{c.client_ip}") == 2
    assert_problem(c.post(f"{API}/refresh", json={"refresh_token": "x"}), 401, "token_invalid")
    assert rate_hits(info, f"refresh_ip:{c.client_ip}") == 1


def test_refresh_over_the_ip_limit_neither_counts_nor_rotates(info):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["refresh_token"]
    c = fresh_client(info, v4=True)
    exhaust_default_ip(info, c.client_ip)
    assert_problem(c.post(f"{API}/refresh", json={"refresh_token": token}), 429, "rate_limited")
    assert rate_hits(info, f"refresh_ip:{c.client_ip}") == 0
    assert fresh_client(info).post(f"{API}/refresh", json={"refresh_token": token}).status == 200, \
        "a refresh refused by default_ip consumed the refresh token"


def test_rotation_answers_the_user_and_records_the_session_use(info):
    user = register_user(info, first_name="Ada")
    _, r = login(info, user)
    c = fresh_client(info, v4=True)
    answer = c.post(f"{API}/refresh", json={"refresh_token": r.json["refresh_token"]},
                    headers={"User-Agent": "admission-test/1"})
    assert answer.status == 200, answer
    assert answer.json["user"] == r.json["user"], \
        f"refresh answered another user object than login: {answer.json['user']} vs {r.json['user']}"
    assert answer.header("ratelimit-limit") == "10", answer.headers
    assert rate_hits(info, f"refresh_ip:{c.client_ip}") == 1
    sid = psql(info, "SELECT s.id FROM sessions s JOIN refresh_tokens t ON t.session_id = s.id "
                     f"WHERE s.user_id = {int(user.id)} AND t.used_at IS NOT NULL")
    row = psql(info, f"SELECT ip || '|' || user_agent FROM sessions WHERE id = {sql_text(sid)}")
    assert row == f"{c.client_ip}|admission-test/1", f"the rotation did not record the session's use: {row}"
