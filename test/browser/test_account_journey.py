"""A visitor's whole life with the pages: register (rules live, a 422 next
to its field), verify through the mailed link, sign in, set up two-factor
with a code from oathtool, sign out and in again with a code, revoke another
session, change the password, export the data and delete the account."""
import json
import time

import mailbox
from authhelpers import API, fresh_client, new_identity
from browserhelpers import fresh_totp
from stoaclient import psql


def test_register_verify_2fa_sessions_password_export_delete(info, browser):
    b = browser()
    username, email, password = new_identity()

    # Register: the rules follow the typing; the server's 422 lands next to the field.
    b.open("/stoa/register.html")
    b.ready()
    b.check("register")
    b.fill("#username", username)
    b.fill("#email", email)
    b.fill("#password", "abc")
    assert len(b.find_all("#password-rules li.is-met")) < 7
    b.click("#register-submit")
    b.wait_for("[data-error-for=password]")
    assert b.focused_id() == "password", "focus moves to the first error"
    b.fill("#password", "1Qaz@wsx")  # meets every rule the page knows, but is too common
    b.click("#register-submit")
    b.wait_for_text("[data-error-for=password]", "too common")
    assert b.find("#password").get_attribute("aria-invalid") == "true"
    b.check("register-422")
    b.fill("#password", password)
    assert len(b.find_all("#password-rules li.is-met")) == 7
    b.click("#register-submit")
    b.wait_for_path("/stoa/login.html?registered=1")
    b.ready()
    b.check("registered")

    # The mailed link verifies and lands on verified.html.
    msgs = mailbox.wait_for_mail(info, email, mailbox.has_link(mailbox.VERIFY_PATH))
    b.open(mailbox.link_path(msgs[-1], mailbox.VERIFY_PATH))
    b.wait_for_path("/stoa/verified.html")
    b.ready()
    b.check("verified")

    # Sign in.
    b.open("/stoa/login.html")
    b.ready()
    b.fill("#login", username)
    b.fill("#password", password)
    b.click("#login-submit")
    b.wait_for_path("/stoa/account.html")
    b.wait_for("#sessions-body tr")
    assert b.find("#profile-username").text == username
    assert b.find("#verify-section").get_attribute("hidden") is not None
    b.check("account")

    # Profile fields.
    b.fill("#bio", "Builds <b>things</b> & more")
    b.fill("#website", "https://example.org/me")
    b.click("#profile-submit")
    b.wait_for_text("#profile-form .stoa-form-notice", "Saved")

    # Two-factor: QR code and key, a code from oathtool, backup codes shown once.
    b.click("#twofa-start")
    b.wait_for("#twofa-secret")
    b.wait_until(lambda: b.find("#twofa-secret").text.strip(), "the TOTP key")
    secret = b.find("#twofa-secret").text.strip()
    assert b.find("#twofa-qr").get_attribute("src").startswith("data:image/svg+xml;base64,")
    b.check("2fa-setup")
    used = set()
    b.fill("#twofa-code", fresh_totp(secret, used))
    b.click("#twofa-enable")
    b.wait_for("#twofa-code-list li")
    codes = [li.text for li in b.find_all("#twofa-code-list li")]
    assert len(codes) == 10, codes
    b.check("2fa-backup-codes")
    b.click("#twofa-codes-done")
    assert not b.find_all("#twofa-code-list li"), "backup codes are shown once"

    # Sign out (the nav's form post), then in again: the code step appears.
    b.click("#stoa-nav .stoa-logout button")
    b.wait_for_path("/stoa/login.html?logged_out=1")
    b.ready()
    assert "stoa_access" not in b.cookies()
    b.fill("#login", username)
    b.fill("#password", password)
    b.click("#login-submit")
    b.wait_for("#totp_code")
    assert b.focused_id() == "totp_code"
    b.check("login-totp-step")
    b.fill("#totp_code", fresh_totp(secret, used))
    b.click("#login-submit")
    b.wait_for_path("/stoa/account.html")
    b.wait_for("#sessions-body tr")

    # Another session (signed in elsewhere with a backup code), revoked from the page.
    other = fresh_client(info)
    r = other.post(f"{API}/login", json={"login": username, "password": password, "backup_code": codes[0]})
    assert r.status == 200, r
    b.driver.refresh()
    b.wait_until(lambda: len(b.find_all("#sessions-body tr")) == 2, "two sessions listed")
    b.check("sessions")
    b.click("#sessions-body button[data-session]")
    b.wait_until(lambda: len(b.find_all("#sessions-body tr")) == 1, "the other session gone")
    assert other.get(f"{API}/me").status == 401, "the revoked session no longer works"

    # Change the password.
    new_password = password + "-2"
    b.fill("#current_password", password)
    b.fill("#new_password", new_password)
    b.click("#password-submit")
    b.wait_for_text("#password-form .stoa-form-notice", "changed")
    b.check("password-changed")

    # Export: a JSON download with the profile.
    b.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(b.artifacts)})
    b.click("#export-submit")
    export = b.artifacts / f"stoa-export-{username}.json"
    b.wait_until(export.exists, "the export download")
    time.sleep(0.2)
    data = json.loads(export.read_text())
    assert username in json.dumps(data), "the export names the account"
    export.unlink()

    # Delete, with the (new) password.
    b.fill("#delete-password", new_password)
    b.click("#delete-confirm")
    b.click("#delete-submit")
    b.wait_for_path("/stoa/login.html?deleted=1")
    b.ready()
    b.check("deleted")
    left = psql(info, f"SELECT count(*) FROM users WHERE lower(username) = lower('{username}')")
    assert left == "0", "the account is gone"
