"""The widget with moderation `first`, and embedded from another origin.

Moderation: the shared stack runs COMMENT_MODERATION=off, so this test
starts a private stack (communityhelpers.private_stack, as the community
integration tests do) whose workers run with COMMENT_MODERATION=first: a new
author's comment shows "waiting for approval" to them alone until a
moderator approves it.

Another origin: the stack serves the demo site a second time on
other_site_url (nginx/dev.conf.in), with the /stoa/ addresses pointed at
Stoa's origin and that origin in ALLOWED_ORIGINS and SITE_ORIGINS; the
widget loads, signs in, likes and comments through CORS with credentials."""
from browserhelpers import Browser
from communityhelpers import Session, make_user, private_stack
from widgethelpers import (V1, comment_id, comment_items, counts, sign_in_inline, wait_widget)

POST = "/2024/05/12/hello-stoa.html"


def test_first_comment_waits_for_approval_until_a_moderator_approves(artifacts):
    with private_stack({"COMMENT_MODERATION": "first"}) as stack:
        info = stack.info
        author = make_user(info)
        b = Browser(info, artifacts / "moderation-author")
        visitor = Browser(info, artifacts / "moderation-visitor")
        try:
            b.open(POST)
            wait_widget(b)
            sign_in_inline(b, author)
            b.fill(".stoa-w-account textarea", "My first comment here")
            b.click(".stoa-w-account button[type=submit]")
            cid = comment_id(b, "My first comment here")
            item = comment_items(b, "My first comment here")[0]
            assert "Waiting for approval" in item.text, item.text
            b.wait_until(lambda: "waits for a moderator" in b.find(".stoa-w-sr").get_attribute("textContent"),
                         "the live region says it waits")
            b.check("pending-own")

            # Reloaded: still marked for the author, invisible to a visitor.
            b.open(POST)
            wait_widget(b)
            assert "Waiting for approval" in comment_items(b, "My first comment here")[0].text
            visitor.open(POST)
            wait_widget(visitor)
            assert not comment_items(visitor, "My first comment here"), "visitors do not see waiting comments"
            visitor.check("pending-visitor")

            moderator = Session(info, make_user(info, role="moderator"))
            r = moderator.post(f"{V1}/comments/{cid}/approve", json={})
            assert r.status in (200, 204), r

            b.open(POST)
            wait_widget(b)
            assert "Waiting for approval" not in comment_items(b, "My first comment here")[0].text
            visitor.open(POST)
            wait_widget(visitor)
            assert comment_items(visitor, "My first comment here"), "approved: visible to all"
            # `first`: once one is approved, the author's next comment is published at once.
            b.fill(".stoa-w-account textarea", "My second comment")
            b.click(".stoa-w-account button[type=submit]")
            comment_id(b, "My second comment")
            assert "Waiting for approval" not in comment_items(b, "My second comment")[0].text
            b.check("approved")
        finally:
            b.quit()
            visitor.quit()


def test_widget_embedded_from_another_origin(info, artifacts):
    other = info["other_site_url"]
    assert other != info["https_url"]
    user = make_user(info)
    site = dict(info, https_url=other)  # the browser's base: the other origin
    b = Browser(site, artifacts / "other-origin")
    # No X-Forwarded-For here: an extra header makes every cross-origin
    # request a preflighted one, which no real visitor's browser sends.
    b.driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
    try:
        b.open(POST)
        wait_widget(b)
        assert b.driver.execute_script("return location.origin") == other
        scripts = b.driver.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
        assert any(s.startswith(info["https_url"] + "/stoa/embed.js") for s in scripts), scripts
        b.check("other-origin-signed-out")
        sign_in_inline(b, user)
        b.click(".stoa-w-like")
        b.wait_until(lambda: b.find(".stoa-w-like").get_attribute("aria-pressed") == "true", "liked")
        b.fill(".stoa-w-account textarea", "Hello from the other origin")
        b.click(".stoa-w-account button[type=submit]")
        comment_id(b, "Hello from the other origin")
        b.check("other-origin-commented")
        page = other + POST
        now = counts(info, [page])[page]
        assert now["comments"] >= 1 and now["likes"] >= 1, now
        r = Session(info, user).get(f"{V1}/comments?url={page}")
        assert any(c["body"] == "Hello from the other origin" for c in r.json["items"]), "stored for the other origin's page"
        b.open("/")
        b.wait_for(f"[data-stoa-count][data-url='{POST}'][data-stoa-state='ready']")
        b.check("other-origin-index")
    finally:
        b.quit()
