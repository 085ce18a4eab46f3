"""Session cookies exactly as API.md lists them, the double-submit CSRF check
for cookie-authenticated unsafe requests, and CORS from ALLOWED_ORIGINS with
preflights (API.md "Authentication"; issue 4)."""
import pytest

from authhelpers import API, bearer, fresh_client, login, me, new_identity, register_user, set_cookies
from stoaclient import assert_problem

EXPECTED = {  # name: (Path, HttpOnly)
    "stoa_access": ("/", True),
    "stoa_refresh": ("/api/v1/auth", True),
    "stoa_csrf": ("/", False),
}


def check_session_cookies(resp, body=None):
    found = set_cookies(resp)
    problems = []
    for name, (path, http_only) in EXPECTED.items():
        headers = found.get(name, [])
        if len(headers) != 1:
            problems.append(f"{name}: {len(headers)} Set-Cookie headers")
            continue
        c = headers[0]
        if not c.value:
            problems.append(f"{name}: empty value")
        if c.get("path") != path:
            problems.append(f"{name}: Path={c.get('path')!r}, expected {path!r}")
        if bool(c.get("httponly")) != http_only:
            problems.append(f"{name}: HttpOnly is {bool(c.get('httponly'))}, expected {http_only}")
        if str(c.get("samesite")).lower() != "lax":
            problems.append(f"{name}: SameSite={c.get('samesite')!r}, expected Lax")
        if c.get("secure") is not True:
            problems.append(f"{name}: no Secure flag although COOKIE_SECURE=true")
        if c.get("domain"):
            problems.append(f"{name}: Domain={c.get('domain')!r} widens the cookie to other hosts")
        if c.clears:
            problems.append(f"{name}: the login cookie is already expired: {c.raw}")
    assert not problems, "session cookies differ from API.md:\n" + "\n".join(problems)
    if body is not None:
        assert found["stoa_access"][0].value == body["access_token"], "stoa_access is not the access token"
        assert found["stoa_refresh"][0].value == body["refresh_token"], "stoa_refresh is not the refresh token"
    return {name: found[name][0] for name in EXPECTED}


def test_login_sets_the_three_cookies(info):
    user = register_user(info)
    _, r = login(info, user)
    cookies = check_session_cookies(r, r.json)
    csrf = cookies["stoa_csrf"].value
    assert len(csrf) >= 22, f"the CSRF token is too short to be unguessable: {csrf!r}"
    assert csrf not in (r.json["access_token"], r.json["refresh_token"]), "the CSRF token reuses a secret"


def test_refresh_sets_the_three_cookies(info):
    user = register_user(info)
    _, r = login(info, user)
    r2 = fresh_client(info).post(f"{API}/refresh", json={"refresh_token": r.json["refresh_token"]})
    assert r2.status == 200, r2
    check_session_cookies(r2, r2.json)


def test_logout_clears_the_three_cookies_on_their_paths(info):
    user = register_user(info)
    c, r = login(info, user)
    csrf = c.cookies["stoa_csrf"]
    out = c.post(f"{API}/logout", headers={"X-CSRF-Token": csrf})
    assert out.status == 204, out
    found = set_cookies(out)
    for name, (path, _) in EXPECTED.items():
        headers = found.get(name, [])
        assert len(headers) == 1, f"logout must clear {name}: Set-Cookie headers {out.header_all('set-cookie')}"
        assert headers[0].clears, f"{name} is not cleared (Max-Age=0 or a past Expires): {headers[0].raw}"
        assert headers[0].get("path") == path, \
            f"{name} cleared on Path={headers[0].get('path')!r}; a browser only deletes it on {path!r}"
    assert me(info, r.json["access_token"]).status == 401, "the access token survived logout"


def test_cookie_authenticated_unsafe_request_needs_the_csrf_header(info):
    user = register_user(info)
    c, r = login(info, user)
    no_header = c.post(f"{API}/logout")
    assert_problem(no_header, 403, "csrf_failed")
    wrong = c.post(f"{API}/logout", headers={"X-CSRF-Token": c.cookies["stoa_csrf"][:-2] + "xx"})
    assert_problem(wrong, 403, "csrf_failed")
    empty = c.post(f"{API}/logout", headers={"X-CSRF-Token": ""})
    assert_problem(empty, 403, "csrf_failed")
    assert me(info, r.json["access_token"]).status == 200, "a refused logout still ended the session"
    ok = c.post(f"{API}/logout", headers={"X-CSRF-Token": c.cookies["stoa_csrf"]})
    assert ok.status == 204, ok
    assert me(info, r.json["access_token"]).status == 401


def test_csrf_header_must_match_the_cookie_not_just_be_present(info):
    user = register_user(info)
    c, _ = login(info, user)
    other = fresh_client(info)
    _, r2 = login(info, register_user(info), client=other)
    mismatched = c.post(f"{API}/logout", headers={"X-CSRF-Token": other.cookies["stoa_csrf"]})
    assert_problem(mismatched, 403, "csrf_failed")


def test_bearer_requests_need_no_csrf_token(info):
    user = register_user(info)
    c, r = login(info, user)
    # Cookies present too, but the Bearer header authenticates: no CSRF token needed.
    out = c.post(f"{API}/logout", headers=bearer(r.json["access_token"]))
    assert out.status == 204, f"Bearer-authenticated logout without X-CSRF-Token: {out}"


def test_safe_cookie_requests_need_no_csrf_token(info):
    user = register_user(info)
    c, _ = login(info, user)
    assert c.get(f"{API}/me").status == 200


def test_refresh_with_only_the_cookie_needs_the_csrf_header(info):
    user = register_user(info)
    c, r = login(info, user)
    refresh_only = fresh_client(info)
    refresh_only.cookies = {"stoa_refresh": c.cookies["stoa_refresh"], "stoa_csrf": c.cookies["stoa_csrf"]}
    no_header = refresh_only.post(f"{API}/refresh")
    assert_problem(no_header, 403, "csrf_failed")
    ok = refresh_only.post(f"{API}/refresh", headers={"X-CSRF-Token": refresh_only.cookies["stoa_csrf"]})
    assert ok.status == 200, f"refresh from the cookie with the CSRF header: {ok}"
    check_session_cookies(ok, ok.json)
    assert ok.json["refresh_token"] != r.json["refresh_token"]


def test_logout_with_only_the_refresh_cookie_needs_csrf_and_revokes(info):
    user = register_user(info)
    c, r = login(info, user)
    jar = {"stoa_refresh": c.cookies["stoa_refresh"], "stoa_csrf": c.cookies["stoa_csrf"]}
    d = fresh_client(info)
    d.cookies = dict(jar)
    assert_problem(d.post(f"{API}/logout"), 403, "csrf_failed")
    d.cookies = dict(jar)
    ok = d.post(f"{API}/logout", headers={"X-CSRF-Token": jar["stoa_csrf"]})
    assert ok.status == 204, ok
    assert me(info, r.json["access_token"]).status == 401, "logout by refresh cookie left the session alive"


# --- CORS ------------------------------------------------------------------------

def origin_of(info):
    return info["https_url"]


def cors_headers(resp):
    return {k: v for k, v in resp.headers if k.startswith("access-control-")}


def vary_has_origin(resp):
    return any("origin" in [p.strip().lower() for p in v.split(",")] for v in resp.header_all("vary"))


@pytest.mark.parametrize("path,method", [("/health", "GET"), (f"{API}/me", "GET"), (f"{API}/login", "POST")])
def test_allowed_origin_is_echoed_with_credentials(info, path, method):
    origin = origin_of(info)
    c = fresh_client(info)
    r = c.request(method, path, headers={"Origin": origin},
                  json={"login": "nobody_x", "password": "x"} if method == "POST" else None)
    assert r.header("access-control-allow-origin") == origin, \
        f"{method} {path} ({r.status}) from {origin}: CORS headers {cors_headers(r)}"
    assert r.header("access-control-allow-credentials") == "true", cors_headers(r)
    assert vary_has_origin(r), f"Vary: Origin missing: {r.header_all('vary')}"


@pytest.mark.parametrize("make", [
    lambda o: "https://evil.example",
    lambda o: "null",
    lambda o: o.replace("https://", "http://"),
    lambda o: o + ".evil.example",
    lambda o: "https://evil.example/" + o,
    lambda o: o.rsplit(":", 1)[0] + ":1",
    lambda o: o.replace("127.0.0.1", "127.0.0.2"),
], ids=["other", "null", "http", "suffix", "prefix", "port", "host"])
def test_other_origins_get_no_cors_headers(info, make):
    origin = make(origin_of(info))
    r = fresh_client(info).get(f"{API}/me", headers={"Origin": origin})
    assert not cors_headers(r), f"origin {origin!r} got CORS headers {cors_headers(r)}"


def test_preflight_for_an_allowed_origin(info):
    origin = origin_of(info)
    r = fresh_client(info).request("OPTIONS", f"{API}/login", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-csrf-token, authorization"})
    assert r.status == 204, r
    assert r.header("access-control-allow-origin") == origin, cors_headers(r)
    assert r.header("access-control-allow-credentials") == "true", cors_headers(r)
    methods = {m.strip().upper() for m in (r.header("access-control-allow-methods") or "").split(",")}
    assert "POST" in methods, f"allowed methods {methods}"
    allowed = {h.strip().lower() for h in (r.header("access-control-allow-headers") or "").split(",")}
    assert {"authorization", "content-type", "x-csrf-token"} <= allowed, f"allowed headers {allowed}"
    assert vary_has_origin(r), r.header_all("vary")


def test_preflight_lists_the_methods_of_the_path(info):
    origin = origin_of(info)
    r = fresh_client(info).request("OPTIONS", f"{API}/me", headers={
        "Origin": origin, "Access-Control-Request-Method": "GET"})
    assert r.status == 204, r
    methods = {m.strip().upper() for m in (r.header("access-control-allow-methods") or "").split(",")}
    assert "GET" in methods, methods


def test_preflight_from_another_origin_gets_no_cors_headers(info):
    r = fresh_client(info).request("OPTIONS", f"{API}/login", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert not cors_headers(r), f"preflight from another origin answered {cors_headers(r)}"
    assert r.status in (204, 403), r


def test_problem_answers_carry_cors_headers_for_allowed_origins(info):
    """A browser app must be able to read the 401 problem body."""
    origin = origin_of(info)
    r = fresh_client(info).get(f"{API}/me", headers={"Origin": origin})
    assert r.status == 401, r
    assert r.header("access-control-allow-origin") == origin, cors_headers(r)



# Requests that a cookie does not authenticate (the credentials are in the
# body) cannot be forged cross-site, so stale session cookies in the browser
# must not make them fail the CSRF check.

def test_login_with_session_cookies_present_needs_no_csrf_header(info):
    first, second = register_user(info), register_user(info)
    c, _ = login(info, first)
    r = c.post(f"{API}/login", json={"login": second.username, "password": second.password})
    assert r.status == 200, f"JSON login from a browser still holding another session's cookies: {r}"


def test_refresh_with_the_token_in_the_body_needs_no_csrf_header(info):
    user = register_user(info)
    c, r = login(info, user)
    out = c.post(f"{API}/refresh", json={"refresh_token": r.json["refresh_token"]})
    assert out.status == 200, f"refresh with the token in the body (cookies also sent): {out}"


def test_register_with_session_cookies_present_needs_no_csrf_header(info):
    user = register_user(info)
    c, _ = login(info, user)
    username, email, password = new_identity()
    r = c.post(f"{API}/register", json={"username": username, "email": email, "password": password})
    assert r.status == 201, f"register from a browser holding a session cookie: {r}"
