"""Sign-in, registration and sign-out without JavaScript (the /auth/* form
posts; nginx's SSI puts results and the CSRF token into the pages), and
return_to: only same-origin paths, with and without JavaScript, for a corpus
of open-redirect tricks (the server's own corpus is in
test/integration/test_auth_forms.py)."""
import urllib.parse

import pytest

from authhelpers import new_identity
from browserhelpers import sign_in
from communityhelpers import make_user

TRICKS = [
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "https:evil.example",
    "https://evil.example", "HTTPS://EVIL.EXAMPLE", "//EVIL.example", "/%2F%2Fevil.example", "%2F%2Fevil.example",
    "/%5Cevil.example", "/%5c%5cevil.example", "/\t/evil.example", "javascript:alert(1)", "@evil.example",
]


def test_register_login_logout_without_javascript(info, browser):
    b = browser(javascript=False)
    username, email, password = new_identity()
    b.open("/stoa/register.html")
    b.fill("#username", username)
    b.fill("#email", email)
    b.fill("#password", password)
    b.click("#register-submit")
    b.wait_for_path("/stoa/login.html?registered=1")
    b.wait_for("#registered-notice")
    b.check("nojs-registered")

    # The same name again: back on the form, with the error shown by nginx.
    b.open("/stoa/register.html")
    b.fill("#username", username)
    b.fill("#email", "other-" + email)
    b.fill("#password", password)
    b.click("#register-submit")
    b.wait_for_path("/stoa/register.html?error=username_taken")
    assert "taken" in b.find("#server-error").text
    b.check("nojs-register-error")

    b.open("/stoa/login.html")
    b.fill("#login", username)
    b.fill("#password", password + "x")
    b.click("#login-submit")
    b.wait_for_path("/stoa/login.html?error=invalid_credentials")
    assert "wrong" in b.find("#server-error").text
    b.check("nojs-login-error")

    b.fill("#login", username)
    b.fill("#password", password)
    b.click("#login-submit")
    b.wait_for_path("/stoa/account.html")
    assert {"stoa_access", "stoa_csrf"} <= set(b.cookies())

    # Sign out: nginx put the CSRF token from the cookie into the form.
    b.open("/stoa/logout.html")
    assert b.find("#csrf_token").get_attribute("value") == b.cookies()["stoa_csrf"]
    b.check("nojs-logout")
    b.click("#logout-submit")
    b.wait_for_path("/stoa/login.html?logged_out=1")
    b.wait_for("#logged-out-notice")
    assert "stoa_access" not in b.cookies()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_return_to_stays_on_the_site(info, browser, javascript):
    b = browser(javascript=javascript)
    origin = info["https_url"]
    users = [make_user(info) for _ in range(2)]
    for i, trick in enumerate(TRICKS):
        user = users[i % 2]
        b.new_ip()
        b.open(f"/stoa/login.html?return_to={urllib.parse.quote(trick, safe='')}")
        if javascript:
            b.ready()
        b.fill("#login", user.username)
        b.fill("#password", user.password)
        b.click("#login-submit")
        b.wait_until(lambda: "/stoa/login.html" not in b.driver.current_url, f"leaving the login page ({trick!r})")
        here = b.driver.current_url
        assert here.startswith(origin + "/"), f"return_to {trick!r} led to {here}"
        assert urllib.parse.urlsplit(here).path == "/stoa/account.html", f"return_to {trick!r} led to {here}"
    # A plain same-origin path is kept.
    b.new_ip()
    target = f"/stoa/user.html?u={users[0].username}"
    if javascript:
        sign_in(b, users[0].username, users[0].password, then=target)
        b.wait_for("#profile-name")
        b.check("return-to-kept")
    else:
        # Encoded as a page would (encodeURIComponent): nginx's SSI puts it
        # into the form still encoded, the form post decodes it once.
        b.open(f"/stoa/login.html?return_to={urllib.parse.quote(target, safe='')}")
        b.fill("#login", users[0].username)
        b.fill("#password", users[0].password)
        b.click("#login-submit")
        b.wait_for_path("/stoa/user.html")
        assert b.path() == target, "the query of return_to is kept"
