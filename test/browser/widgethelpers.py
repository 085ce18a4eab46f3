"""Helpers of the widget journeys (test_widget_*.py): waiting for the widget,
its comments by text, and the budget measurements (size, render time)."""
import gzip
import urllib.parse
from pathlib import Path

from authhelpers import fresh_client
from communityhelpers import Session, make_user
from browserhelpers import fresh_totp

WEB = Path(__file__).resolve().parents[2] / "web"
V1 = "/api/v1"
SIZE_BUDGET = 15 * 1024   # embed.js and everything it loads, gzipped
RENDER_BUDGET_MS = 100    # first render of a 50-comment thread after the API's answer


def wait_widget(b):
    b.wait_for("[data-stoa-comments][data-stoa-state='ready']")


def comment_items(b, text):
    """The comments (li) whose own article shows `text` (one script call: no stale elements)."""
    return b.driver.execute_script(
        "return [...document.querySelectorAll('.stoa-w-item')].filter((li) => {"
        "  const a = li.querySelector(':scope > article'); return a && a.innerText.includes(arguments[0]); });", text)


def comment_id(b, text):
    b.wait_until(lambda: comment_items(b, text), f"comment {text!r}")
    return comment_items(b, text)[0].get_attribute("data-comment")


def action(b, cid, name):
    b.click(f".stoa-w-item[data-comment='{cid}'] > article [data-action='{name}']")


def focused_comment(b):
    return b.driver.execute_script(
        "const a = document.activeElement; const li = a && a.closest('.stoa-w-item');"
        "return a && a.tagName === 'ARTICLE' && li ? li.dataset.comment : null;")


def live_text(b):
    return b.find(".stoa-w-sr").get_attribute("textContent")


def user_with_totp(info):
    """A user who may post, with two-factor on; returns (user, secret, used codes)."""
    user = make_user(info)
    s = Session(info, user)
    r = s.post(f"{V1}/auth/2fa/setup", json={})
    assert r.status == 200, r
    secret = r.json["secret"]
    used = set()
    r = s.post(f"{V1}/auth/2fa/enable", json={"code": fresh_totp(secret, used)})
    assert r.status == 200, r
    return user, secret, used


def sign_in_inline(b, user, secret=None, used=None):
    """Signs in through the widget's own form (opening it from the prompt)."""
    b.click(".stoa-w-signin-open")
    b.fill("[id$='-login-name']", user.username)
    b.fill("[id$='-login-password']", user.password)
    b.click(".stoa-w-login button[type=submit]")
    if secret:
        b.wait_for("[id$='-login-totp']")
        b.fill("[id$='-login-totp']", fresh_totp(secret, used))
        b.click(".stoa-w-login button[type=submit]")
    b.wait_for_text(".stoa-w-who", user.username)


def widget_bytes(b):
    """Every file of Stoa's /stoa/ that this page loaded (embed.js and what it
    loads), gzipped from the source tree: {path: gzipped size}."""
    urls = b.driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)"
        ".concat(performance.getEntriesByType('navigation').map((e) => e.name));")
    stoa = urllib.parse.urlsplit(b.info["https_url"]).netloc
    sizes = {}
    for url in urls:
        u = urllib.parse.urlsplit(url)
        if u.netloc != stoa or not u.path.startswith("/stoa/"):
            continue
        sizes[u.path] = len(gzip.compress((WEB / u.path.lstrip("/")).read_bytes(), 9))
    assert "/stoa/embed.js" in sizes, f"embed.js not loaded: {urls}"
    return sizes


def render_ms(b, widget="stoa-w0"):
    entries = b.driver.execute_script(f"return performance.getEntriesByName('{widget}:render').map((e) => e.duration)")
    assert entries, "the widget recorded no render measure"
    return entries[0]


def counts(info, urls):
    """The API's counts of `urls`, by URL."""
    q = "&".join(f"url={urllib.parse.quote(u, safe='')}" for u in urls)
    r = fresh_client(info).get(f"{V1}/counts?{q}")
    assert r.status == 200, r
    return {item["url"]: item for item in r.json["items"]}
