"""The account page's other sections, in the browser: a profile picture
(previewed before the upload, then served by /api/v1/users/{name}/picture and
shown on the public profile, then removed), notification settings (saved
and still there after a reload), a subscription ended from the page, and
two-factor turned off (after a wrong code shown in the form). And the
no-JavaScript sign-in with the code step of the /auth/login form post."""
import urllib.parse

from authhelpers import API
from browserhelpers import fresh_totp, png, sign_in
from communityhelpers import V1, Session, make_user, page_url


def enable_2fa(info, user):
    """Two-factor on through the JSON API (as another device would): (secret, codes used)."""
    api = Session(info, user)
    r = api.post(f"{API}/2fa/setup")
    assert r.status == 200, r
    secret, used = r.json["secret"], set()
    r = api.post(f"{API}/2fa/enable", json={"code": fresh_totp(secret, used)})
    assert r.status == 200, r
    return secret, used


def image_info(b, url):
    """What the browser gets for `url`: status, type and whether it decodes as an image."""
    return b.driver.execute_async_script("""
      const [url, done] = arguments;
      fetch(url, {credentials: 'omit'}).then(async (res) => {
        const type = res.headers.get('Content-Type') || '';
        let width = 0;
        try { width = (await createImageBitmap(await res.blob())).width; } catch (e) { width = -1; }
        done({status: res.status, type, width});
      }).catch((e) => done({status: 0, type: String(e), width: 0}));
    """, url)


def loaded(b, css):
    return b.driver.execute_script(
        "const i = document.querySelector(arguments[0]); return Boolean(i && !i.hidden && i.complete && i.naturalWidth > 0)", css)


def test_picture_notifications_subscription_and_2fa_off(info, browser, tmp_path):
    user = make_user(info)
    b = browser()
    sign_in(b, user.username, user.password)
    b.wait_for("#sessions-body tr")
    b.wait_until(lambda: b.driver.execute_script("return document.documentElement.dataset.stoaLoaded === '1'"),
                 "every section loaded")

    # Picture: the preview shows the chosen file before anything is sent.
    assert b.find("#picture-preview").get_attribute("hidden") is not None
    assert b.find("#picture-none").is_displayed()
    image = tmp_path / "me.png"
    image.write_bytes(png(120, 90))
    b.find("#picture-file").send_keys(str(image))
    b.wait_until(lambda: loaded(b, "#picture-preview"), "the preview")
    assert b.find("#picture-preview").get_attribute("src").startswith("data:image/png;base64,")
    assert not b.find("#picture-none").is_displayed()
    b.check("picture-preview")
    b.click("#picture-upload")
    b.wait_for_text("#picture-form .stoa-form-notice", "new picture is saved")
    src = b.find("#picture-preview").get_attribute("src")
    path = urllib.parse.urlsplit(src).path
    assert path == f"{V1}/users/{user.username}/picture", src
    b.wait_until(lambda: loaded(b, "#picture-preview"), "the stored picture")
    assert b.find("#picture-remove").is_displayed()
    served = image_info(b, src)
    assert served["status"] == 200 and served["type"].startswith("image/") and served["width"] == 120, served
    b.check("picture-uploaded")

    # The public profile shows it.
    b.click("#public-profile-link")
    b.wait_for_path(f"/stoa/user.html?u={user.username}")
    b.wait_for("#profile-picture")
    b.wait_until(lambda: loaded(b, "#profile-picture"), "the picture on the profile")
    assert urllib.parse.urlsplit(b.find("#profile-picture").get_attribute("src")).path == path
    assert user.username in b.find("#profile-picture").get_attribute("alt")
    b.check("profile-with-picture")

    # Notifications: the reply mails off, saved, still off after a reload; then on again.
    b.open("/stoa/account.html", ready="#notifications-form")
    b.ready()
    b.wait_for_text("#subscriptions-list", "follow no pages")
    box = b.find("#notify_replies")
    before = box.is_selected()
    b.click("#notify_replies")
    b.click("#notifications-submit")
    b.wait_for_text("#notifications-form .stoa-form-notice", "Saved")
    assert Session(info, user).get(f"{V1}/account/notifications").json["notify_replies"] is (not before)
    b.driver.refresh()
    b.ready()
    b.wait_until(lambda: b.driver.execute_script("return document.documentElement.dataset.stoaLoaded === '1'"),
                 "every section loaded")
    assert b.find("#notify_replies").is_selected() is (not before), "the saved state after a reload"
    assert not b.find("#notify-moderation-field").is_displayed(), "moderation mails are for moderators"
    b.check("notifications-saved")
    b.click("#notify_replies")
    b.click("#notifications-submit")
    b.wait_for_text("#notifications-form .stoa-form-notice", "Saved")

    # A subscription (made by the widget elsewhere), ended from the page.
    api = Session(info, user)
    r = api.post(f"{V1}/subscriptions", json={"url": page_url(info, "followed-post")})
    assert r.status == 201, r
    url = r.json["target"]["url"]
    b.driver.refresh()
    b.ready()
    b.wait_for_text("#subscriptions-list", url)
    stop = b.find("#subscriptions-list li[data-subscription] button")
    assert stop.get_attribute("aria-label") == f"Stop following {url}"
    b.check("subscriptions")
    b.click("#subscriptions-list li[data-subscription] button")
    b.wait_for_text("#account-notice", "no longer follow")
    b.wait_for_text("#subscriptions-list", "follow no pages")
    assert api.get(f"{V1}/subscriptions").json["items"] == []

    # Two-factor, turned on elsewhere, turned off here: a wrong code first.
    secret, used = enable_2fa(info, user)
    b.driver.refresh()
    b.ready()
    b.wait_for("#twofa-disable-form")
    assert "is on" in b.find("#twofa-status").text
    b.fill("#twofa-disable-password", user.password)
    wrong = "000000" if fresh_totp(secret, set()) != "000000" else "111111"
    b.fill("#twofa-disable-code", wrong)
    b.click("#twofa-disable")
    b.wait_for_text("#twofa-disable-form .stoa-form-notice", "not valid")
    b.check("2fa-disable-wrong-code")
    b.fill("#twofa-disable-password", user.password)
    b.fill("#twofa-disable-code", fresh_totp(secret, used))
    b.click("#twofa-disable")
    b.wait_for_text("#account-notice", "is off")
    assert b.find("#twofa-disable-form").get_attribute("hidden") is not None
    assert b.find("#twofa-start").is_displayed()
    assert "is off" in b.find("#twofa-status").text
    assert api.get(f"{API}/me").json["user"]["totp_enabled"] is False
    b.check("2fa-off")

    # The picture removed again: the address no longer serves one.
    b.click("#picture-remove")
    b.wait_for_text("#picture-form .stoa-form-notice", "removed")
    assert b.find("#picture-preview").get_attribute("hidden") is not None
    assert image_info(b, f"{V1}/users/{user.username}/picture")["status"] == 404
    b.check("picture-removed")


def test_sign_in_with_a_code_without_javascript(info, browser):
    user = make_user(info)
    secret, used = enable_2fa(info, user)
    b = browser(javascript=False)
    target = f"/stoa/user.html?u={user.username}"
    b.open(f"/stoa/login.html?return_to={urllib.parse.quote(target, safe='')}")
    assert b.find("#totp-step").get_attribute("hidden") is not None, "no code field until it is asked for"

    # Password only: back on the form, which now asks for the code (and keeps return_to).
    b.fill("#login", user.username)
    b.fill("#password", user.password)
    b.click("#login-submit")
    b.wait_for_path("/stoa/login.html?error=totp_required")
    assert "authenticator app" in b.find("#server-error").text
    assert b.find("#totp_code").is_displayed()
    # (as nginx's SSI echoes the query argument: still encoded; the post decodes it once)
    assert urllib.parse.unquote(b.find("#return_to").get_attribute("value")) == target
    b.check("nojs-login-totp-step")

    # A wrong code: told so, the step stays.
    b.fill("#login", user.username)
    b.fill("#password", user.password)
    b.fill("#totp_code", "000000" if fresh_totp(secret, set()) != "000000" else "111111")
    b.click("#login-submit")
    b.wait_for_path("/stoa/login.html?error=invalid_totp")
    assert "not valid" in b.find("#server-error").text
    assert b.find("#totp_code").is_displayed()
    b.check("nojs-login-wrong-code")

    # The right code: signed in, back where the visitor came from.
    b.fill("#login", user.username)
    b.fill("#password", user.password)
    b.fill("#totp_code", fresh_totp(secret, used))
    b.click("#login-submit")
    b.wait_for_path(target)
    assert b.path() == target  # (the profile itself needs JavaScript)
    assert {"stoa_access", "stoa_csrf"} <= set(b.cookies())
    b.check("nojs-signed-in-with-code")
