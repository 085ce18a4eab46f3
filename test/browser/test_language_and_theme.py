"""The browser's language picks the catalog; dark mode follows
prefers-color-scheme and keeps AA contrast (the audit checks it)."""
from browserhelpers import sign_in
from communityhelpers import make_user


def test_german_browser_gets_german_pages(info, browser):
    b = browser(language="de-DE")
    b.open("/stoa/login.html")
    b.ready()
    assert b.driver.execute_script("return document.documentElement.lang") == "de"
    assert b.find("h1").text == "Anmelden"
    assert b.driver.title.startswith("Anmelden")
    b.check("login-de")


def test_dark_mode_pages_pass_the_audit(info, browser):
    user = make_user(info)
    b = browser()
    b.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    b.open("/stoa/register.html")
    b.ready()
    bg = b.driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert bg != "rgb(246, 247, 249)", "dark mode changes the colours"
    b.check("register-dark")
    sign_in(b, user.username, user.password)
    b.wait_for("#sessions-body tr")
    b.check("account-dark")
    b.open(f"/stoa/user.html?u={user.username}")
    b.ready()
    b.wait_for("#profile-name")
    b.check("profile-dark")
