"""HTML form posts without JavaScript: /auth/login, /auth/register and
/auth/logout (application/x-www-form-urlencoded, parsed with cgicc). Same
rules as the JSON API; every answer is a 303 to a page of this origin, never
to a `return_to` that leaves it (API.md "Browser flows"; issue 4)."""
import urllib.parse

import pytest

from authhelpers import (API, fresh_client, location_is_same_origin, location_path, login, me, new_identity,
                         rand_hex, register_user, set_cookies)
from stoaclient import psql

FORM = "application/x-www-form-urlencoded"
SESSION_COOKIES = {"stoa_access", "stoa_refresh", "stoa_csrf"}


def post_form(client, path, fields):
    return client.post(path, body=urllib.parse.urlencode(fields), content_type=FORM)


def query_of(info, location):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(location_path(info, location)).query)


def assert_303_same_origin(info, r, what):
    assert r.status == 303, f"{what}: expected 303, got {r.status} {r.body[:200]!r}"
    loc = r.header("location")
    assert location_is_same_origin(info, loc), f"{what}: Location {loc!r} leaves the site"
    return loc


def assert_back_with_error(info, r, page, code, what):
    loc = assert_303_same_origin(info, r, what)
    path = urllib.parse.urlsplit(location_path(info, loc)).path
    assert path == page, f"{what}: Location {loc!r}, expected the page {page}"
    assert query_of(info, loc).get("error") == [code], f"{what}: Location {loc!r}, expected error={code}"
    return loc


# --- /auth/login ----------------------------------------------------------------

def test_form_login_redirects_to_return_to_with_cookies(info):
    user = register_user(info)
    c = fresh_client(info)
    r = post_form(c, "/auth/login", {"login": user.username, "password": user.password,
                                     "return_to": "/stoa/account.html?tab=sessions"})
    loc = assert_303_same_origin(info, r, "form login")
    assert location_path(info, loc) == "/stoa/account.html?tab=sessions", f"Location {loc!r}"
    cookies = set_cookies(r)
    assert SESSION_COOKIES <= set(cookies), f"form login sets the session cookies: {sorted(cookies)}"
    assert c.get(f"{API}/me").status == 200, "the cookies of a form login do not authenticate"
    assert user.password not in loc


def test_form_login_without_return_to_goes_to_a_default_page(info):
    user = register_user(info)
    c = fresh_client(info)
    r = post_form(c, "/auth/login", {"login": user.email.upper(), "password": user.password})
    loc = assert_303_same_origin(info, r, "form login without return_to")
    assert "error=" not in loc, loc
    assert SESSION_COOKIES <= set(set_cookies(r))


def test_form_login_wrong_password_goes_back_with_the_error(info):
    user = register_user(info)
    wrong = post_form(fresh_client(info), "/auth/login", {"login": user.username, "password": "Wr0ng!" + rand_hex()})
    loc = assert_back_with_error(info, wrong, "/stoa/login.html", "invalid_credentials", "wrong password")
    assert not (SESSION_COOKIES & set(set_cookies(wrong))), f"a failed login set cookies: {wrong.headers}"
    unknown = post_form(fresh_client(info), "/auth/login", {"login": "u_" + rand_hex(12), "password": "Wr0ng!1x"})
    loc2 = assert_back_with_error(info, unknown, "/stoa/login.html", "invalid_credentials", "unknown user")
    assert loc == loc2, f"unknown user and wrong password lead to different pages: {loc!r} vs {loc2!r}"


def test_form_login_missing_fields(info):
    r = post_form(fresh_client(info), "/auth/login", {"login": "someone"})
    assert_back_with_error(info, r, "/stoa/login.html", "validation_failed", "missing password")


def test_form_login_of_a_locked_account(info):
    user = register_user(info)
    for _ in range(5):
        post_form(fresh_client(info), "/auth/login", {"login": user.username, "password": "Wr0ng!" + rand_hex()})
    r = post_form(fresh_client(info), "/auth/login", {"login": user.username, "password": user.password})
    assert_back_with_error(info, r, "/stoa/login.html", "account_locked", "locked account")


def test_form_login_rate_limited(info):
    c = fresh_client(info)
    for _ in range(5):
        post_form(c, "/auth/login", {"login": "u_" + rand_hex(12), "password": "Wr0ng!1x"})
    r = post_form(c, "/auth/login", {"login": "u_" + rand_hex(12), "password": "Wr0ng!1x"})
    assert_back_with_error(info, r, "/stoa/login.html", "rate_limited", "6th form login from one IP")


def test_form_login_while_already_signed_in(info):
    """A browser that still holds a session (maybe of another account) posts
    the login form: it gets a 303 like anyone, not a JSON 403."""
    first, second = register_user(info), register_user(info)
    c, _ = login(info, first)
    r = post_form(c, "/auth/login", {"login": second.username, "password": second.password,
                                     "return_to": "/stoa/account.html"})
    assert_303_same_origin(info, r, "form login with the cookies of an earlier session")
    assert c.get(f"{API}/me").json["user"]["id"] == second.id, "the new login did not replace the session"


# --- /auth/register ---------------------------------------------------------------

def test_form_register_creates_the_account_and_redirects(info):
    username, email, password = new_identity()
    r = post_form(fresh_client(info), "/auth/register", {"username": username, "email": email, "password": password,
                                                          "return_to": "/stoa/account.html"})
    loc = assert_303_same_origin(info, r, "form register")
    assert "error=" not in loc, loc
    assert psql(info, f"SELECT role FROM users WHERE username = '{username}'") == "guest", \
        "form register did not create a guest account"
    assert password not in loc


@pytest.mark.parametrize("case", ["username_taken", "email_taken", "weak_password", "bad_email"])
def test_form_register_failures_go_back_with_the_error(info, case):
    user = register_user(info)
    username, email, password = new_identity()
    fields = {"username": username, "email": email, "password": password}
    expected = "validation_failed"
    if case == "username_taken":
        fields["username"], expected = user.username.upper(), "username_taken"
    elif case == "email_taken":
        fields["email"], expected = user.email, "email_taken"
    elif case == "weak_password":
        fields["password"] = "zqxvkwjhpfmt" + rand_hex(4)
    else:
        fields["email"] = "not-an-address"
    r = post_form(fresh_client(info), "/auth/register", fields)
    loc = assert_back_with_error(info, r, "/stoa/register.html", expected, case)
    assert fields["password"] not in urllib.parse.unquote(loc), f"the password is echoed in {loc!r}"


# --- /auth/logout -------------------------------------------------------------------

def test_form_logout_with_the_csrf_field(info):
    user = register_user(info)
    c, r = login(info, user)
    out = post_form(c, "/auth/logout", {"csrf_token": c.cookies.get("stoa_csrf", ""), "return_to": "/"})
    assert_303_same_origin(info, out, "form logout")
    cleared = set_cookies(out)
    for name in SESSION_COOKIES:
        assert name in cleared and cleared[name][0].clears, f"form logout must clear {name}: {out.header_all('set-cookie')}"
    assert me(info, r.json["access_token"]).status == 401, "form logout did not revoke the session"


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_form_logout_without_the_right_csrf_field_changes_nothing(info, token):
    user = register_user(info)
    c, r = login(info, user)
    fields = {} if token is None else {"csrf_token": token}
    out = post_form(c, "/auth/logout", fields)
    assert out.status in (303, 403), out
    if out.status == 303:
        assert location_is_same_origin(info, out.header("location")), out.header("location")
        assert "error=" in out.header("location"), f"a refused logout redirects as if it worked: {out.headers}"
    assert not any(c_.clears for cs in set_cookies(out).values() for c_ in cs), \
        "a refused logout cleared cookies"
    assert me(info, r.json["access_token"]).status == 200, f"logout without csrf_token {token!r} ended the session"


# --- open redirects -------------------------------------------------------------------

def open_redirect_tricks(info):
    origin = info["https_url"]
    return [
        "//evil.example", "//evil.example/stoa/", "///evil.example", "////evil.example",
        "/\\evil.example", "\\\\evil.example", "\\/\\/evil.example", "/\\/evil.example",
        "https://evil.example", "http://evil.example/", "HTTPS://EVIL.EXAMPLE", "https:evil.example",
        "https:/evil.example", "//EVIL.example",
        "/%2F%2Fevil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "%2f%2fevil", "/%5Cevil.example",
        "/%5c%5cevil.example", "/%09/evil.example", "%09//evil.example",
        "/\t/evil.example", "/\n/evil.example", "\t//evil.example", "\n//evil.example", " //evil.example",
        "/\r\n/evil.example", "/\x00/evil.example",
        "javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>",
        "evil.example", "@evil.example", "/@evil.example@evil.example",
        origin + ".evil.example/", origin + "@evil.example/",
        "/stoa/account.html\r\nLocation: https://evil.example",
    ]


def test_login_return_to_never_leaves_the_site(info):
    users = [register_user(info)]
    failures = []
    successes = 0
    for trick in open_redirect_tricks(info):
        if successes and successes % 9 == 0:  # stay under 10 logins/hour per account
            users.append(register_user(info))
        user = users[-1]
        r = post_form(fresh_client(info), "/auth/login", {"login": user.username, "password": user.password,
                                                          "return_to": trick})
        loc = r.header("location")
        if r.status != 303 or not location_is_same_origin(info, loc):
            failures.append(f"return_to={trick!r}: {r.status} Location {loc!r}")
        elif SESSION_COOKIES <= set(set_cookies(r)):
            successes += 1
    assert not failures, "open redirects after a form login:\n" + "\n".join(failures)
    assert successes >= len(open_redirect_tricks(info)) - 1, f"only {successes} logins succeeded"


def test_failed_login_return_to_never_leaves_the_site(info):
    failures = []
    for trick in open_redirect_tricks(info):
        r = post_form(fresh_client(info), "/auth/login", {"login": "u_" + rand_hex(12), "password": "Wr0ng!1x",
                                                          "return_to": trick})
        loc = r.header("location")
        if r.status != 303 or not location_is_same_origin(info, loc):
            failures.append(f"return_to={trick!r}: {r.status} Location {loc!r}")
    assert not failures, "open redirects after a failed form login:\n" + "\n".join(failures)


def test_register_and_logout_return_to_never_leave_the_site(info):
    failures = []
    for trick in open_redirect_tricks(info)[:12]:
        username, email, password = new_identity()
        r = post_form(fresh_client(info), "/auth/register", {"username": username, "email": email,
                                                             "password": password, "return_to": trick})
        if r.status != 303 or not location_is_same_origin(info, r.header("location")):
            failures.append(f"register return_to={trick!r}: {r.status} Location {r.header('location')!r}")
        r = post_form(fresh_client(info), "/auth/logout", {"return_to": trick})
        if r.status != 303 or not location_is_same_origin(info, r.header("location")):
            failures.append(f"logout return_to={trick!r}: {r.status} Location {r.header('location')!r}")
    assert not failures, "open redirects:\n" + "\n".join(failures)


@pytest.mark.parametrize("path", ["/", "/stoa/account.html", "/projects/42?tab=files#top", "/a/b/../c"])
def test_plain_same_origin_paths_are_kept(info, path):
    user = register_user(info)
    r = post_form(fresh_client(info), "/auth/login", {"login": user.username, "password": user.password,
                                                      "return_to": path})
    loc = assert_303_same_origin(info, r, f"return_to={path!r}")
    assert location_path(info, loc) == path, f"return_to {path!r} became {loc!r}"


@pytest.mark.parametrize("sent, path", [
    ("%2Fstoa%2Fuser.html%3Fu%3Dalice", "/stoa/user.html?u=alice"),  # a page's encodeURIComponent, echoed by SSI
    ("/blog/caf%25C3%25A9?a=1%26b", "/blog/caf%C3%A9?a=1&b"),
])
def test_an_encoded_return_to_is_decoded_once(info, sent, path):
    user = register_user(info)
    r = post_form(fresh_client(info), "/auth/login", {"login": user.username, "password": user.password,
                                                      "return_to": sent})
    loc = assert_303_same_origin(info, r, f"return_to={sent!r}")
    assert location_path(info, loc) == path, f"return_to {sent!r} became {loc!r}"
    # Failed: the login page gets it back (encoded), to be posted again as is.
    r = post_form(fresh_client(info), "/auth/login", {"login": user.username, "password": "Wr0ng!1x",
                                                      "return_to": sent})
    assert "return_to=" in r.header("location"), r.header("location")


@pytest.mark.parametrize("sent", ["%2F%2Fevil.example", "/%252F%252Fevil.example", "/a%2", "/a%zz"])
def test_a_return_to_that_decodes_badly_is_ignored(info, sent):
    user = register_user(info)
    r = post_form(fresh_client(info), "/auth/login", {"login": user.username, "password": user.password,
                                                      "return_to": sent})
    loc = assert_303_same_origin(info, r, f"return_to={sent!r}")
    assert location_path(info, loc) == "/stoa/account.html", f"return_to {sent!r} became {loc!r}"
