"""The shared module's token refresh, without waiting 15 minutes: the
browser's stoa_access cookie is replaced by a token the server refuses, then
the page does something that must work after one transparent POST
/auth/refresh. An expired token we signed answers 401 token_expired; a
damaged one (or one signed before JWT_SECRET was rotated) token_invalid; a
missing cookie `unauthorized` (the stoa_csrf cookie still says a session
exists). All three are refreshed once, by fetch (api()) and by the upload
(XHR) alike. Without a good refresh token the page falls back to sign-in."""
import time

from authhelpers import API, decode_jwt, jwt_secret, sign_jwt
from browserhelpers import png, sign_in
from communityhelpers import V1, Session, make_user


def set_access_cookie(b, value):
    b.driver.execute_cdp_cmd("Network.setCookie", {
        "name": "stoa_access", "value": value, "url": b.base + "/", "path": "/",
        "secure": True, "httpOnly": True, "sameSite": "Lax"})


def delete_cookie(b, name, path="/"):
    b.driver.execute_cdp_cmd("Network.deleteCookies", {"name": name, "url": b.base + path, "path": path})


def expired_copy(info, token):
    """The same claims, signed with the stack's key, expired a minute ago."""
    header, payload = decode_jwt(token)
    now = int(time.time())
    payload.update(iat=now - 16 * 60, exp=now - 60)
    return sign_jwt(header, payload, jwt_secret(info))


def refreshes(b):
    """POST /auth/refresh calls made by the current document."""
    return b.driver.execute_script(
        "return performance.getEntriesByType('resource').filter((e) => e.name.includes('/auth/refresh')).length")


def access_ok(b):
    """The browser's current access token is a live one."""
    token = b.cookies().get("stoa_access", "")
    return token.count(".") == 2 and decode_jwt(token)[1]["exp"] > time.time()


def test_stale_access_tokens_are_refreshed_once(info, browser, tmp_path):
    user = make_user(info)
    api = Session(info, user)
    b = browser()
    sign_in(b, user.username, user.password)
    b.wait_for("#sessions-body tr")
    first = b.cookies()["stoa_access"]

    # Expired (token_expired): saving the profile refreshes and retries.
    stale = expired_copy(info, first)
    set_access_cookie(b, stale)
    assert b.cookies()["stoa_access"] == stale
    b.fill("#bio", "saved with an expired token")
    b.click("#profile-submit")
    b.wait_for_text("#profile-form .stoa-form-notice", "Saved")
    assert b.cookies()["stoa_access"] not in (first, stale) and access_ok(b)
    assert api.get(f"{V1}/users/{user.username}").json["bio"] == "saved with an expired token"
    assert refreshes(b) == 1
    b.check("refreshed-expired")

    # Damaged (token_invalid): the page loads signed in, not bounced to sign-in.
    set_access_cookie(b, "not-a.valid.token")
    b.open("/stoa/account.html")
    b.wait_for("#sessions-body tr")
    assert b.path() == "/stoa/account.html"
    assert access_ok(b)
    b.wait_until(lambda: b.driver.execute_script("return document.documentElement.dataset.stoaLoaded === '1'"),
                 "every section loaded")
    assert refreshes(b) == 1, "one refresh for all the page's calls"

    # Gone (unauthorized, stoa_csrf still there): the picture upload (XHR) refreshes and retries.
    delete_cookie(b, "stoa_access")
    assert "stoa_access" not in b.cookies()
    image = tmp_path / "me.png"
    image.write_bytes(png())
    b.find("#picture-file").send_keys(str(image))
    b.click("#picture-upload")
    b.wait_for_text("#picture-form .stoa-form-notice", "new picture is saved")
    assert access_ok(b)
    assert refreshes(b) == 2
    assert api.get(f"{API}/me").json["user"]["picture_url"]
    b.check("refreshed-upload")

    # No refresh token either: the next page asks to sign in (one refresh tried, no loop).
    set_access_cookie(b, expired_copy(info, b.cookies()["stoa_access"]))
    delete_cookie(b, "stoa_refresh", "/api/v1/auth")
    b.open("/stoa/account.html", ready="#login")
    b.wait_for_path("/stoa/login.html?return_to=")
    b.ready()
    b.check("refresh-failed")

