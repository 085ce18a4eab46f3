"""POST /api/v1/auth/login: by email or username in any case, the token
answer, one answer for an unknown user and a wrong password (same body, same
time), sessions with IP and user agent, audit rows, last_login_at, and
transparent rehashing of weaker Argon2id hashes (API.md "Auth"; issue 4)."""
import time

import pytest

from authhelpers import (API, RFC3339_UTC, USER_FIELDS, argon2_params, argon2id_hash, bearer, decode_jwt,
                         fresh_client, full_width, log_rows_for_request, login, median,
                         rand_hex, register_user, sql_rows)
from stoaclient import assert_problem, psql


def post_login(info, body, client=None, **kw):
    """Each attempt from its own address unless told: login is limited to 5/minute per IP."""
    return (client or fresh_client(info)).post(f"{API}/login", json=body, **kw)


@pytest.mark.parametrize("form", ["username", "USERNAME", "email", "EMAIL", "Mixed_Email", "full_width_username"])
def test_login_by_username_or_email_in_any_case(info, form):
    user = register_user(info)
    name = {"username": user.username, "USERNAME": user.username.upper(), "email": user.email,
            "EMAIL": user.email.upper(), "Mixed_Email": user.email[:3].upper() + user.email[3:],
            "full_width_username": full_width(user.username)}[form]
    r = post_login(info, {"login": name, "password": user.password})
    assert r.status == 200, f"login as {name!r}: {r}"
    assert r.json["user"]["id"] == user.id, r.json


def test_login_answer_has_tokens_and_the_user(info):
    user = register_user(info)
    before = int(time.time())
    _, r = login(info, user)
    assert r.header("content-type").startswith("application/json"), r.headers
    body = r.json
    assert set(body) >= {"access_token", "token_type", "expires_in", "refresh_token", "user"}, sorted(body)
    assert body["token_type"] == "Bearer", body["token_type"]
    assert body["expires_in"] == 900, f"access tokens live 15 minutes by default: expires_in {body['expires_in']}"
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2, body["access_token"]
    assert isinstance(body["refresh_token"], str) and len(body["refresh_token"]) >= 43, \
        f"a refresh token carries at least 256 bits: {body['refresh_token']!r}"
    assert body["refresh_token"] not in body["access_token"], "the refresh token must be opaque and apart"
    assert set(body["user"]) == USER_FIELDS, sorted(body["user"])
    assert body["user"]["username"] == user.username
    last = body["user"]["last_login_at"]
    assert last and RFC3339_UTC.match(last), f"last_login_at after a login: {last!r}"
    _, payload = decode_jwt(body["access_token"])
    assert abs(payload["iat"] - before) <= 5, payload


def test_last_login_at_is_maintained(info):
    user = register_user(info)
    assert psql(info, f"SELECT last_login_at IS NULL FROM users WHERE id = {int(user.id)}") == "t"
    _, r = login(info, user)
    first = psql(info, f"SELECT last_login_at FROM users WHERE id = {int(user.id)}")
    assert first, "last_login_at not set by a login"
    time.sleep(1.1)
    _, r2 = login(info, user)
    second = psql(info, f"SELECT last_login_at > '{first}'::timestamptz FROM users WHERE id = {int(user.id)}")
    assert second == "t", "last_login_at did not move on the second login"
    me = fresh_client(info).get(f"{API}/me", headers=bearer(r2.json["access_token"]))
    assert me.status == 200 and me.json["user"]["last_login_at"], me


def test_unknown_user_and_wrong_password_get_the_same_answer(info):
    user = register_user(info)
    wrong = post_login(info, {"login": user.username, "password": user.password + "x"})
    unknown = post_login(info, {"login": "u_" + rand_hex(12), "password": user.password})
    unknown_email = post_login(info, {"login": f"nobody_{rand_hex(8)}@example.org", "password": user.password})
    bodies = []
    for r in (wrong, unknown, unknown_email):
        bodies.append(assert_problem(r, 401, "invalid_credentials"))
    shapes = [{k: v for k, v in b.items() if k != "request_id"} for b in bodies]
    assert shapes[0] == shapes[1] == shapes[2], f"answers differ and reveal which accounts exist: {shapes}"
    header_names = [sorted({k for k, _ in r.headers} - {"date", "x-request-id", "content-length"})
                    for r in (wrong, unknown)]
    assert header_names[0] == header_names[1], f"header sets differ: {header_names}"


def test_unknown_user_costs_as_much_as_a_wrong_password(info):
    users = [register_user(info) for _ in range(3)]
    wrong, unknown = [], []
    for round_ in range(3):  # 3 wrong passwords per account: below the lockout threshold
        for user in users:
            for kind in ("wrong", "unknown"):
                body = ({"login": user.username, "password": user.password + "!"} if kind == "wrong"
                        else {"login": "u_" + rand_hex(12), "password": user.password + "!"})
                start = time.perf_counter()
                r = post_login(info, body)
                elapsed = time.perf_counter() - start
                assert r.status == 401, r
                (wrong if kind == "wrong" else unknown).append(elapsed)
    ratio = median(unknown) / median(wrong)
    assert 0.5 <= ratio <= 2.0, (f"unknown user median {median(unknown) * 1000:.1f} ms vs wrong password "
                                 f"{median(wrong) * 1000:.1f} ms (ratio {ratio:.2f}): timing reveals accounts")
    # Both must include a password hash (tens of ms), not just a lookup.
    fast = min(median(unknown), median(wrong))
    assert fast > 0.005, f"a failed login answers in {fast * 1000:.1f} ms: no hash is computed"


def test_wrong_password_and_unknown_user_are_logged_with_a_reason(info):
    user = register_user(info)
    c = fresh_client(info)
    r = c.post(f"{API}/login", json={"login": user.username, "password": "Wr0ng!" + rand_hex(6)},
               headers={"User-Agent": "login-test/1"})
    assert r.status == 401, r
    rows = log_rows_for_request(info, r.header("x-request-id"))
    assert [row["event"] for row in rows] == ["login_failed"], rows
    assert rows[0]["user_id"] == str(user.id), rows
    assert rows[0]["reason"], f"login_failed without a reason: {rows}"
    assert rows[0]["ip"] == c.client_ip and rows[0]["user_agent"] == "login-test/1", rows

    r = fresh_client(info).post(f"{API}/login", json={"login": "u_" + rand_hex(12), "password": "x"})
    assert r.status == 401, r
    rows = log_rows_for_request(info, r.header("x-request-id"))
    assert [row["event"] for row in rows] == ["login_failed"], f"unknown user login not logged: {rows}"
    assert rows[0]["reason"], rows


def test_successful_login_is_logged_and_creates_a_session_with_ip_and_agent(info):
    user = register_user(info)
    c = fresh_client(info)
    agent = f"Mozilla/5.0 (stoa-test {rand_hex(6)})"
    r = c.post(f"{API}/login", json={"login": user.email, "password": user.password}, headers={"User-Agent": agent})
    assert r.status == 200, r
    rows = log_rows_for_request(info, r.header("x-request-id"))
    assert [row["event"] for row in rows] == ["login_ok"], rows
    assert rows[0]["ip"] == c.client_ip and rows[0]["user_agent"] == agent, rows
    _, payload = decode_jwt(r.json["access_token"])
    sessions = sql_rows(info, "SELECT id, ip, user_agent, created_at IS NOT NULL, last_used_at IS NOT NULL, "
                              f"revoked_at IS NULL FROM sessions WHERE user_id = {int(user.id)}")
    assert len(sessions) == 1, f"one login, one session: {sessions}"
    sid, ip, ua, has_created, has_used, active = sessions[0]
    assert sid == payload["sid"], f"token sid {payload['sid']} is not the session {sid}"
    assert ip == c.client_ip, f"session ip {ip!r}, client {c.client_ip!r}"
    assert ua == agent, f"session user agent {ua!r}"
    assert has_created == has_used == active == "t", sessions


def test_each_login_is_its_own_session(info):
    user = register_user(info)
    _, a = login(info, user)
    _, b = login(info, user)
    sid_a, sid_b = decode_jwt(a.json["access_token"])[1]["sid"], decode_jwt(b.json["access_token"])[1]["sid"]
    assert sid_a != sid_b, "two logins share a session"
    assert a.json["refresh_token"] != b.json["refresh_token"]
    for r in (a, b):
        assert fresh_client(info).get(f"{API}/me", headers=bearer(r.json["access_token"])).status == 200


@pytest.mark.parametrize("body,fields", [
    ({}, {"login", "password"}),
    ({"login": "someone"}, {"password"}),
    ({"password": "Sup3r$ecret!"}, {"login"}),
])
def test_missing_login_fields_are_422(info, body, fields):
    problem = assert_problem(post_login(info, body), 422, "validation_failed")
    named = {e["field"] for e in problem.get("errors", [])}
    assert fields <= named, f"expected errors for {fields}: {problem}"


@pytest.mark.parametrize("body", [
    {"login": 1, "password": "x"},
    {"login": "someone", "password": ["x"]},
    {"login": {"$ne": None}, "password": {"$ne": None}},
    [{"login": "someone", "password": "x"}],
])
def test_wrong_types_in_login_are_400(info, body):
    assert_problem(post_login(info, body), 400, "bad_request")


@pytest.mark.parametrize("name", ["' OR '1'='1", "admin'--", "%", "_", "u_%", "\\", "a" * 300])
def test_injection_like_logins_are_just_wrong(info, name):
    r = post_login(info, {"login": name, "password": "' OR '1'='1"})
    assert_problem(r, 401, "invalid_credentials")


def test_a_huge_password_is_refused_without_harm(info):
    user = register_user(info)
    r = post_login(info, {"login": user.username, "password": "A1!" + "x" * 50000})
    assert r.status in (401, 413, 422), r
    assert fresh_client(info).get("/health").status == 200


def test_weaker_hash_is_upgraded_at_login(info):
    user = register_user(info)
    configured = argon2_params(psql(info, f"SELECT password_hash FROM users WHERE id = {int(user.id)}"))
    weak = argon2id_hash(user.password, 1, 8 * 1024 * 1024)
    if weak is None:
        pytest.skip("libsodium not loadable through ctypes: cannot plant a weaker hash")
    psql(info, f"UPDATE users SET password_hash = '{weak}' WHERE id = {int(user.id)}")
    _, r = login(info, user)
    stored = psql(info, f"SELECT password_hash FROM users WHERE id = {int(user.id)}")
    assert stored != weak, "the weaker hash was kept after a successful login"
    assert argon2_params(stored) == configured, \
        f"rehashed with {argon2_params(stored)}, configured parameters are {configured}"
    # The new hash still verifies.
    login(info, user)


def test_wrong_password_does_not_rehash(info):
    user = register_user(info)
    weak = argon2id_hash(user.password, 1, 8 * 1024 * 1024)
    if weak is None:
        pytest.skip("libsodium not loadable through ctypes")
    psql(info, f"UPDATE users SET password_hash = '{weak}' WHERE id = {int(user.id)}")
    r = post_login(info, {"login": user.username, "password": user.password + "?"})
    assert_problem(r, 401, "invalid_credentials")
    assert psql(info, f"SELECT password_hash FROM users WHERE id = {int(user.id)}") == weak
