"""Rate limits with the defaults of API.md, counted in PostgreSQL so every
worker shares them: login 5/minute per IP and 10/hour per account, register
3/hour per IP, refresh 10/minute per IP, everything else 300/minute per IP
and per user; RateLimit-* headers, 429 rate_limited with Retry-After; and
`stoactl cleanup` for expired windows (API.md "Rate limits"; issue 4)."""
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

from authhelpers import (API, bearer, fresh_client, login, new_identity, rand_hex, rate_hits, register_user,
                         serving_worker, worker_pids)
from stoaclient import assert_problem, psql


def int_header(resp, name):
    value = resp.header(name)
    assert value is not None, f"{name} missing on {resp.status}: {resp.headers}"
    try:
        return int(value)
    except ValueError:
        raise AssertionError(f"{name}: {value!r} is not a whole number of seconds/requests") from None


def assert_limited(resp, limit, window):
    body = assert_problem(resp, 429, "rate_limited")
    retry = int_header(resp, "retry-after")
    assert 1 <= retry <= window, f"Retry-After {retry} outside 1..{window}"
    assert int_header(resp, "ratelimit-limit") == limit, resp.headers
    assert int_header(resp, "ratelimit-remaining") == 0, resp.headers
    reset = int_header(resp, "ratelimit-reset")
    assert 1 <= reset <= window, f"RateLimit-Reset {reset} outside 1..{window}"
    return body


def test_login_limit_is_5_per_minute_per_ip_across_workers(info):
    c = fresh_client(info)
    user = register_user(info)
    pids = worker_pids(info)
    served_by = []
    for i in range(5):
        r, moved = serving_worker(pids, lambda: c.post(f"{API}/login", json={"login": "u_" + rand_hex(12),
                                                                           "password": "Wr0ng!pass"}))
        served_by.append(sorted(moved))
        assert r.status == 401, f"attempt {i + 1} of 5 allowed: {r}"
        assert int_header(r, "ratelimit-limit") == 5, r.headers
        assert int_header(r, "ratelimit-remaining") == 4 - i, \
            f"attempt {i + 1}: RateLimit-Remaining {r.header('ratelimit-remaining')}, expected {4 - i}"
        assert 1 <= int_header(r, "ratelimit-reset") <= 60, r.headers
    # The 6th, even with the right password, is refused: the count is shared
    # by every worker (served by: {served_by}).
    sixth = c.post(f"{API}/login", json={"login": user.username, "password": user.password})
    assert sixth.status == 429, (f"6th login from one IP answered {sixth.status}; the first five were served by "
                                 f"workers among {served_by}")
    assert_limited(sixth, 5, 60)
    assert "stoa_access" not in sixth.body.decode() and not sixth.header_all("set-cookie"), sixth.headers
    # Another address is not affected.
    other = fresh_client(info)
    assert other.post(f"{API}/login", json={"login": user.username, "password": user.password}).status == 200


def test_login_limit_is_10_per_hour_per_account(info):
    user = register_user(info)
    for i in range(10):
        r = fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": user.password})
        assert r.status == 200, f"login {i + 1} of 10 for one account: {r}"
    r = fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": user.password})
    assert_limited(r, 10, 3600)
    other = register_user(info)
    assert fresh_client(info).post(f"{API}/login", json={"login": other.username,
                                                         "password": other.password}).status == 200


def test_login_counts_the_account_by_id_or_by_what_was_typed_and_not_past_the_ip_limit(info):
    user = register_user(info)
    c = fresh_client(info, v4=True)
    r = c.post(f"{API}/login", json={"login": user.email.upper(), "password": "Wr0ng!" + rand_hex(6)})
    assert_problem(r, 401, "invalid_credentials")
    assert rate_hits(info, f"login_account:user:{user.id}") == 1, "a login by email counts on the account"
    assert rate_hits(info, f"login_ip:{c.client_ip}") == 1
    ghost = "nobody_" + rand_hex(8)
    assert_problem(c.post(f"{API}/login", json={"login": ghost.upper(), "password": "x"}), 401,
                   "invalid_credentials")
    assert rate_hits(info, f"login_account:login:{ghost}") == 1, "an unknown login counts by its normalised form"
    assert_problem(c.post(f"{API}/login", json={"login": user.username}), 422, "validation_failed")
    assert rate_hits(info, f"login_ip:{c.client_ip}") == 3, "a login without a password counts on the IP"
    assert rate_hits(info, f"login_account:user:{user.id}") == 1, "...and on no account"
    for _ in range(2):
        c.post(f"{API}/login", json={"login": "u_" + rand_hex(8), "password": "x"})
    assert_limited(c.post(f"{API}/login", json={"login": user.username, "password": user.password}), 5, 60)
    assert rate_hits(info, f"login_account:user:{user.id}") == 1, "a login over the IP limit counted on the account"
    assert psql(info, f"SELECT count(*) FROM sessions WHERE user_id = {int(user.id)}") == "0"


def test_register_limit_is_3_per_hour_per_ip(info):
    c = fresh_client(info)
    for i in range(3):
        username, email, password = new_identity()
        r = c.post(f"{API}/register", json={"username": username, "email": email, "password": password})
        assert r.status == 201, f"registration {i + 1} of 3 from one IP: {r}"
        assert int_header(r, "ratelimit-limit") == 3, r.headers
        assert int_header(r, "ratelimit-remaining") == 2 - i, r.headers
    username, email, password = new_identity()
    r = c.post(f"{API}/register", json={"username": username, "email": email, "password": password})
    assert_limited(r, 3, 3600)
    assert psql(info, f"SELECT count(*) FROM users WHERE username = '{username}'") == "0", \
        "a rate-limited registration created the account"


def test_refresh_limit_is_10_per_minute_per_ip(info):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["refresh_token"]
    ip = fresh_client(info).client_ip
    for i in range(10):
        r = fresh_client(info, ip=ip).post(f"{API}/refresh", json={"refresh_token": token})
        assert r.status == 200, f"refresh {i + 1} of 10 from one IP: {r}"
        assert int_header(r, "ratelimit-limit") == 10, r.headers
        token = r.json["refresh_token"]
    r = fresh_client(info, ip=ip).post(f"{API}/refresh", json={"refresh_token": token})
    assert_limited(r, 10, 60)
    # The refused request did not consume the token: from another address it still works.
    assert fresh_client(info).post(f"{API}/refresh", json={"refresh_token": token}).status == 200, \
        "a rate-limited refresh consumed (or revoked) the refresh token"


def test_everything_else_is_300_per_minute_per_ip(info):
    c_ip = fresh_client(info).client_ip

    def call(_):
        return fresh_client(info, ip=c_ip).get(f"{API}/me")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(301)))
    statuses = [r.status for r in results]
    assert statuses.count(429) == 1, f"301 requests from one IP: {statuses.count(401)} x 401, " \
                                     f"{statuses.count(429)} x 429, others {set(statuses) - {401, 429}}"
    assert statuses.count(401) == 300, statuses
    limited = next(r for r in results if r.status == 429)
    assert_limited(limited, 300, 60)
    ok = next(r for r in results if r.status == 401)
    assert int_header(ok, "ratelimit-limit") == 300, ok.headers
    # Health checks are not limited.
    assert fresh_client(info, ip=c_ip).get("/health").status == 200


def test_everything_else_is_300_per_minute_per_user(info):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["access_token"]
    ips = [fresh_client(info).client_ip for _ in range(2)]  # 151 + 150: each IP stays under its own 300

    def call(i):
        return fresh_client(info, ip=ips[i % 2]).get(f"{API}/me", headers=bearer(token))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(call, range(301)))
    statuses = [r.status for r in results]
    assert statuses.count(200) == 300 and statuses.count(429) == 1, \
        f"301 requests of one user from two IPs: {statuses.count(200)} x 200, {statuses.count(429)} x 429"
    assert_limited(next(r for r in results if r.status == 429), 300, 60)
    # Another user from the same addresses is not affected.
    other = register_user(info)
    _, r2 = login(info, other)
    assert fresh_client(info, ip=ips[0]).get(f"{API}/me", headers=bearer(r2.json["access_token"])).status == 200


def test_counters_live_in_postgresql(info):
    c = fresh_client(info)
    c.post(f"{API}/login", json={"login": "u_" + rand_hex(12), "password": "x"})
    rows = psql(info, f"SELECT count(*) FROM rate_limits WHERE position('{c.client_ip}' in key) > 0")
    assert int(rows) >= 1, f"no rate_limits row mentions {c.client_ip}"


def stoactl(info, *args, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOA_", "DATABASE_", "JWT_"))}
    env.update(info["env"])
    return subprocess.run([os.path.join(info["bin_dir"], "stoactl"), *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60)


def test_stoactl_cleanup_removes_expired_windows(info):
    tag = rand_hex(12)
    psql(info, "INSERT INTO rate_limits (key, window_start, window_end, hits) VALUES "
               f"('test_expired:{tag}', now() - interval '2 hours', now() - interval '1 hour', 3), "
               f"('test_live:{tag}', now(), now() + interval '1 hour', 3)")
    out = stoactl(info, "cleanup")
    assert out.returncode == 0, f"stoactl cleanup failed (exit {out.returncode}): {out.stdout}{out.stderr}"
    left = psql(info, f"SELECT key FROM rate_limits WHERE key LIKE 'test_%:{tag}' ORDER BY key")
    assert left.split() == [f"test_live:{tag}"], f"after cleanup: {left.split()}"


def test_rate_limit_headers_on_an_ordinary_answer(info):
    user = register_user(info)
    _, r = login(info, user)
    m = fresh_client(info).get(f"{API}/me", headers=bearer(r.json["access_token"]))
    assert m.status == 200, m
    assert int_header(m, "ratelimit-limit") == 300
    assert 0 <= int_header(m, "ratelimit-remaining") < 300
    assert 1 <= int_header(m, "ratelimit-reset") <= 60


def test_concurrent_logins_from_one_ip_admit_exactly_five(info):
    ip = fresh_client(info).client_ip
    barrier = threading.Barrier(10)

    def attempt(_):
        c = fresh_client(info, ip=ip)
        barrier.wait()
        return c.post(f"{API}/login", json={"login": "u_" + rand_hex(12), "password": "Wr0ng!pass"})

    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(r.status for r in pool.map(attempt, range(10)))
    assert statuses.count(401) == 5 and statuses.count(429) == 5, \
        f"10 concurrent logins from one IP: {statuses} (expected 5 x 401, 5 x 429)"
