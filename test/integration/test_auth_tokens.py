"""Access tokens (JWT claims, strict validation of forged tokens), refresh
tokens (opaque, hashed at rest, rotated on every use, reuse revokes the whole
session, atomic under concurrency) and logout (API.md "Authentication";
issue 4)."""
import hashlib
import threading
import time
import uuid

import pytest

from authhelpers import (API, bearer, decode_jwt, events_of, fresh_client, jwt_secret, log_rows_for_request,
                         login, me, refresh_body, register_user, sign_jwt, sql_rows, sql_text)
from stoaclient import assert_problem, psql

TOKEN_ERRORS = ("token_invalid", "token_expired", "token_reused")


def assert_dead(info, access_token, why):
    r = me(info, access_token)
    assert r.status == 401, f"{why}: the access token still works: {r}"
    assert r.json["code"] in ("token_invalid", "token_expired", "unauthorized"), r.json


def assert_refresh_dead(info, refresh_token, why):
    r = refresh_body(info, refresh_token)
    assert r.status == 401, f"{why}: the refresh token still works: {r}"
    assert r.json["code"] in TOKEN_ERRORS, r.json


# --- access tokens ----------------------------------------------------------------

def test_access_token_claims(info):
    user = register_user(info)
    now = int(time.time())
    _, r = login(info, user)
    header, claims = decode_jwt(r.json["access_token"])
    assert header.get("alg") in ("HS256", "EdDSA"), f"alg {header.get('alg')!r}"
    for name in ("iss", "aud", "sub", "iat", "exp", "jti", "role", "sid"):
        assert name in claims, f"claim {name} missing from {claims}"
    assert str(claims["sub"]) == str(user.id), f"sub {claims['sub']!r} is not the user id {user.id}"
    assert claims["role"] == "guest", claims
    assert abs(claims["iat"] - now) <= 5, f"iat {claims['iat']} vs now {now}"
    assert claims["exp"] - claims["iat"] == 900, f"lifetime {claims['exp'] - claims['iat']} s, default is 900"
    assert claims["iss"] and claims["aud"], claims
    uuid.UUID(str(claims["sid"]))  # the session id (a uuid in this schema) - raises if not
    sessions = sql_rows(info, f"SELECT id FROM sessions WHERE user_id = {int(user.id)}")
    assert [claims["sid"]] == [row[0] for row in sessions], f"sid {claims['sid']} vs sessions {sessions}"
    _, r2 = login(info, user)
    assert decode_jwt(r2.json["access_token"])[1]["jti"] != claims["jti"], "jti repeats across tokens"


def test_role_claim_follows_the_database_role(info):
    user = register_user(info, role="admin")
    _, r = login(info, user)
    assert decode_jwt(r.json["access_token"])[1]["role"] == "admin"
    assert r.json["user"]["role"] == "admin"
    assert me(info, r.json["access_token"]).json["user"]["role"] == "admin"


def test_me_with_bearer_and_with_cookie(info):
    user = register_user(info)
    c, r = login(info, user)
    assert me(info, r.json["access_token"]).status == 200
    via_cookie = c.get(f"{API}/me")
    assert via_cookie.status == 200, f"GET /me with the stoa_access cookie: {via_cookie}"
    assert via_cookie.json["user"]["id"] == user.id


@pytest.fixture
def session(info):
    """A fresh user logged in: (user, login response JSON, its claims)."""
    user = register_user(info)
    _, r = login(info, user)
    return user, r.json, decode_jwt(r.json["access_token"])[1]


def hs256_or_skip(info, token):
    header, _ = decode_jwt(token)
    if header.get("alg") != "HS256":
        pytest.skip(f"tokens are signed with {header.get('alg')}; forging tests assume HS256 with JWT_SECRET")
    return jwt_secret(info)


def test_a_token_we_sign_with_the_stack_key_is_accepted(info, session):
    """The control for the forgery tests below: our signing matches the server's."""
    _, body, claims = session
    key = hs256_or_skip(info, body["access_token"])
    token = sign_jwt({"alg": "HS256", "typ": "JWT"}, dict(claims, jti=str(uuid.uuid4())), key)
    r = me(info, token)
    assert r.status == 200, f"a correctly signed copy of a valid token is refused: {r}"


def forgeries(claims, key):
    """(name, token, expected code) for each way a token must be refused."""
    h = hashlib
    now = int(time.time())
    good_header = {"alg": "HS256", "typ": "JWT"}
    real = sign_jwt(good_header, claims, key)
    head, payload, sig = real.split(".")
    tampered_payload = sign_jwt(good_header, dict(claims, role="admin"), key).split(".")[1]
    none_token = sign_jwt({"alg": "none", "typ": "JWT"}, claims, key).rsplit(".", 1)[0]
    return [
        ("alg none, empty signature", none_token + ".", "token_invalid"),
        ("alg none, no signature segment", none_token, "token_invalid"),
        ("alg none, with the real signature", none_token + "." + sig, "token_invalid"),
        ("alg None", sign_jwt({"alg": "None", "typ": "JWT"}, claims, key), "token_invalid"),
        ("alg HS512 signed with the key", sign_jwt({"alg": "HS512", "typ": "JWT"}, claims, key, h.sha512),
         "token_invalid"),
        ("alg HS384 signed with the key", sign_jwt({"alg": "HS384", "typ": "JWT"}, claims, key, h.sha384),
         "token_invalid"),
        ("alg EdDSA header on an HMAC", sign_jwt({"alg": "EdDSA", "typ": "JWT"}, claims, key), "token_invalid"),
        ("tampered payload (role admin), old signature", f"{head}.{tampered_payload}.{sig}", "token_invalid"),
        ("wrong key", sign_jwt(good_header, claims, b"k" * 48), "token_invalid"),
        ("key with one byte changed", sign_jwt(good_header, claims, key[:-1] + bytes([key[-1] ^ 1])),
         "token_invalid"),
        ("truncated signature", real[:-4], "token_invalid"),
        ("wrong iss", sign_jwt(good_header, dict(claims, iss="evil"), key), "token_invalid"),
        ("wrong aud", sign_jwt(good_header, dict(claims, aud="evil"), key), "token_invalid"),
        ("no exp", sign_jwt(good_header, {k: v for k, v in claims.items() if k != "exp"}, key), "token_invalid"),
        ("no sid", sign_jwt(good_header, {k: v for k, v in claims.items() if k != "sid"}, key), "token_invalid"),
        ("expired an hour ago", sign_jwt(good_header, dict(claims, iat=now - 4500, exp=now - 3600), key),
         "token_expired"),
        ("nbf in an hour", sign_jwt(good_header, dict(claims, nbf=now + 3600), key), "token_invalid"),
        ("iat in a day", sign_jwt(good_header, dict(claims, iat=now + 86400, exp=now + 87300), key),
         "token_invalid"),
        ("unknown session", sign_jwt(good_header, dict(claims, sid=str(uuid.uuid4())), key), "token_invalid"),
        ("sub of another user in this session", sign_jwt(good_header, dict(claims, sub=str(int(claims["sub"]) + 1)),
                                                         key), "token_invalid"),
        ("two segments", f"{head}.{payload}", "token_invalid"),
        ("garbage", "not-a-token", "token_invalid"),
        ("four segments", real + ".x", "token_invalid"),
    ]


def test_forged_and_broken_tokens_are_refused(info, session):
    _, body, claims = session
    key = hs256_or_skip(info, body["access_token"])
    failures = []
    for name, token, code in forgeries(claims, key):
        for how in ("bearer", "cookie"):
            c = fresh_client(info)
            if how == "bearer":
                r = c.get(f"{API}/me", headers=bearer(token))
            else:
                c.cookies["stoa_access"] = token
                r = c.get(f"{API}/me")
            try:
                assert_problem(r, 401, code)
            except AssertionError:
                failures.append(f"{name} ({how}): expected 401 {code}, got {r.status} {r.body[:160]!r}")
    assert not failures, "tokens accepted or answered wrongly:\n" + "\n".join(failures)


def test_a_token_two_minutes_past_exp_is_expired(info, session):
    """A small leeway for clock skew is fine; two minutes is not small."""
    _, body, claims = session
    key = hs256_or_skip(info, body["access_token"])
    now = int(time.time())
    token = sign_jwt({"alg": "HS256", "typ": "JWT"}, dict(claims, iat=now - 1020, exp=now - 120), key)
    assert_problem(me(info, token), 401, "token_expired")


@pytest.mark.parametrize("value", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "Bearer a.b.c"])
def test_bad_authorization_headers_are_401(info, value):
    r = fresh_client(info).get(f"{API}/me", headers={"Authorization": value})
    assert r.status == 401, f"Authorization: {value!r}: {r}"
    assert r.json["code"] in ("token_invalid", "unauthorized"), r.json


# --- refresh tokens -----------------------------------------------------------------

def test_refresh_token_is_stored_only_as_a_hash(info, session):
    user, body, claims = session
    token = body["refresh_token"]
    rows = sql_rows(info, f"SELECT t::text FROM refresh_tokens t WHERE session_id = {sql_text(claims['sid'])}")
    assert rows, "no refresh_tokens row for the session"
    for (row,) in rows:
        assert token not in row, f"the refresh token is stored in clear: {row}"
    anywhere = psql(info, f"SELECT count(*) FROM sessions s WHERE position({sql_text(token)} in s::text) > 0")
    assert anywhere == "0", "the refresh token appears in the sessions table"


def test_refresh_rotates_and_answers_like_login(info, session):
    user, body, claims = session
    c = fresh_client(info)
    r = c.post(f"{API}/refresh", json={"refresh_token": body["refresh_token"]})
    assert r.status == 200, r
    new = r.json
    assert set(new) >= {"access_token", "token_type", "expires_in", "refresh_token", "user"}, sorted(new)
    assert new["token_type"] == "Bearer" and new["expires_in"] == 900, new
    assert new["user"]["id"] == user.id, new["user"]
    assert new["refresh_token"] != body["refresh_token"], "refresh did not rotate the refresh token"
    assert new["access_token"] != body["access_token"], "refresh answered the same access token"
    new_claims = decode_jwt(new["access_token"])[1]
    assert new_claims["sid"] == claims["sid"], "refresh must stay in the same session"
    assert new_claims["jti"] != claims["jti"]
    assert {"stoa_access", "stoa_refresh", "stoa_csrf"} <= set(c.cookies), f"refresh sets the cookies: {c.cookies}"
    assert me(info, new["access_token"]).status == 200
    # And again: a new pair every time.
    r2 = refresh_body(info, new["refresh_token"])
    assert r2.status == 200, r2
    assert r2.json["refresh_token"] not in (new["refresh_token"], body["refresh_token"])


def test_refresh_updates_session_last_used(info, session):
    _, body, claims = session
    psql(info, f"UPDATE sessions SET last_used_at = now() - interval '1 hour' WHERE id = {sql_text(claims['sid'])}")
    r = refresh_body(info, body["refresh_token"])
    assert r.status == 200, r
    recent = psql(info, "SELECT last_used_at > now() - interval '1 minute' FROM sessions "
                        f"WHERE id = {sql_text(claims['sid'])}")
    assert recent == "t", "refresh did not record the session's last use"


def test_reusing_a_rotated_refresh_token_revokes_the_whole_session(info, session):
    user, body, claims = session
    first = refresh_body(info, body["refresh_token"])
    assert first.status == 200, first
    second_pair = first.json
    reuse = refresh_body(info, body["refresh_token"])
    assert_problem(reuse, 401, "token_reused")
    assert_refresh_dead(info, second_pair["refresh_token"], "after reuse the newest refresh token")
    assert_dead(info, second_pair["access_token"], "after reuse the newest access token")
    assert_dead(info, body["access_token"], "after reuse the first access token")
    revoked = psql(info, f"SELECT revoked_at IS NOT NULL FROM sessions WHERE id = {sql_text(claims['sid'])}")
    assert revoked == "t", "the session is not revoked after refresh token reuse"
    rows = log_rows_for_request(info, reuse.header("x-request-id"))
    assert "refresh_token_reused" in [row["event"] for row in rows], \
        f"reuse is a security event in account_logs: {rows}"
    assert rows[0]["user_id"] == str(user.id), rows


def test_reuse_revokes_only_that_session(info):
    user = register_user(info)
    _, a = login(info, user)
    _, b = login(info, user)
    assert refresh_body(info, a.json["refresh_token"]).status == 200
    assert refresh_body(info, a.json["refresh_token"]).status == 401
    assert me(info, b.json["access_token"]).status == 200, "another login of the same user was revoked"
    assert refresh_body(info, b.json["refresh_token"]).status == 200


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 5000, "' OR 1=1 --"])
def test_unknown_refresh_tokens_are_token_invalid(info, token):
    r = refresh_body(info, token)
    assert r.status in (400, 401), r
    if r.status == 401:
        assert r.json["code"] == "token_invalid", r.json


def test_refresh_without_any_token_is_401(info):
    r = fresh_client(info).post(f"{API}/refresh")
    assert r.status in (400, 401), r
    assert r.json["code"] in ("token_invalid", "bad_request", "unauthorized"), r.json


def test_expired_refresh_token_is_token_expired(info, session):
    _, body, claims = session
    psql(info, "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' "
               f"WHERE session_id = {sql_text(claims['sid'])}")
    assert_problem(refresh_body(info, body["refresh_token"]), 401, "token_expired")


def test_refresh_of_a_revoked_session_is_refused(info, session):
    _, body, claims = session
    psql(info, f"UPDATE sessions SET revoked_at = now() WHERE id = {sql_text(claims['sid'])}")
    r = refresh_body(info, body["refresh_token"])
    assert r.status == 401 and r.json["code"] in TOKEN_ERRORS, r
    assert_dead(info, body["access_token"], "a revoked session")


def test_concurrent_refresh_with_one_token_gives_exactly_one_new_pair(info, session):
    _, body, claims = session
    n = 8
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        c = fresh_client(info)  # own address each: refresh is limited per IP
        barrier.wait()
        results[i] = c.post(f"{API}/refresh", json={"refresh_token": body["refresh_token"]})

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    statuses = sorted(r.status for r in results)
    winners = [r for r in results if r.status == 200]
    assert len(winners) == 1, f"{len(winners)} of {n} concurrent refreshes with one token succeeded: {statuses}"
    losers = [r for r in results if r.status != 200]
    for r in losers:
        assert r.status == 401 and r.json["code"] in ("token_reused", "token_invalid"), r
    assert any(r.json["code"] == "token_reused" for r in losers), \
        f"no loser was treated as reuse: {[r.json['code'] for r in losers]}"
    won = winners[0].json
    assert_refresh_dead(info, won["refresh_token"], "after the concurrent reuse the winner's refresh token")
    assert_dead(info, won["access_token"], "after the concurrent reuse the winner's access token")
    revoked = psql(info, f"SELECT revoked_at IS NOT NULL FROM sessions WHERE id = {sql_text(claims['sid'])}")
    assert revoked == "t", "session not revoked after concurrent reuse"
    fresh = psql(info, f"SELECT count(*) FROM refresh_tokens WHERE session_id = {sql_text(claims['sid'])}")
    assert fresh == "2", f"exactly one new refresh token was issued (2 rows for the session), found {fresh}"


# --- logout ------------------------------------------------------------------------

def test_logout_with_bearer_revokes_the_session(info, session):
    user, body, claims = session
    r = fresh_client(info).post(f"{API}/logout", headers=bearer(body["access_token"]))
    assert r.status == 204, r
    assert r.body == b"", r.body
    assert_dead(info, body["access_token"], "after logout")
    assert_refresh_dead(info, body["refresh_token"], "after logout")
    revoked = psql(info, f"SELECT revoked_at IS NOT NULL FROM sessions WHERE id = {sql_text(claims['sid'])}")
    assert revoked == "t", "logout did not revoke the session"
    rows = log_rows_for_request(info, r.header("x-request-id"))
    assert [row["event"] for row in rows] == ["logout"], f"logout is logged: {rows}"


def test_logout_revokes_only_this_session(info):
    user = register_user(info)
    _, a = login(info, user)
    _, b = login(info, user)
    assert fresh_client(info).post(f"{API}/logout", headers=bearer(a.json["access_token"])).status == 204
    assert me(info, b.json["access_token"]).status == 200, "logout ended another session of the user"


def test_audit_trail_of_a_session(info):
    user = register_user(info)
    _, r = login(info, user)
    old = r.json["refresh_token"]
    assert refresh_body(info, old).status == 200
    assert refresh_body(info, old).status == 401
    _, r2 = login(info, user)
    assert fresh_client(info).post(f"{API}/logout", headers=bearer(r2.json["access_token"])).status == 204
    events = events_of(info, user.id)
    assert events == ["register", "login_ok", "refresh_token_reused", "login_ok", "logout"], events
