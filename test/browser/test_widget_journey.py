"""The comment widget on the demo blog (web/demo, served at / by the stack):
a visitor likes a post, signs in inline with the TOTP step, comments,
replies, edits, deletes and subscribes; another visitor sees the thread and
the counts on the index. Checks the widget's budgets: embed.js and all it
loads at most 15 KB gzipped, a 50-comment thread rendered within 100 ms of
the API's answer (performance marks of the widget)."""
import secrets

from communityhelpers import Session, make_user
from widgethelpers import (RENDER_BUDGET_MS, SIZE_BUDGET, action, comment_id, comment_items, counts,
                           focused_comment, live_text, render_ms, sign_in_inline, user_with_totp,
                           wait_widget, widget_bytes)

POST = "/2024/06/03/weather-station.html"


def test_visitor_likes_signs_in_inline_comments_replies_edits_deletes(info, browser):
    user, secret, used = user_with_totp(info)
    page = info["https_url"] + POST
    before = counts(info, [page])[page]
    tag = secrets.token_hex(4)

    b = browser()
    b.open(POST)
    wait_widget(b)
    b.check("post-signed-out")

    # Liking while signed out opens the sign-in form; sign in there, with the TOTP step.
    b.click(".stoa-w-like")
    b.wait_for("[id$='-login-name']")
    assert b.driver.execute_script("return document.activeElement.id").endswith("-login-name"), "focus in the form"
    b.fill("[id$='-login-name']", user.username)
    b.fill("[id$='-login-password']", user.password)
    b.click(".stoa-w-login button[type=submit]")
    b.wait_for("[id$='-login-totp']")
    b.check("totp-step")
    b.fill("[id$='-login-totp']", fresh_code(secret, used))
    b.click(".stoa-w-login button[type=submit]")
    b.wait_for_text(".stoa-w-who", user.username)
    assert b.driver.execute_script("return document.activeElement.tagName") == "TEXTAREA", "focus in the comment form"

    b.click(".stoa-w-like")
    b.wait_until(lambda: b.find(".stoa-w-like").get_attribute("aria-pressed") == "true", "liked")
    assert b.find(".stoa-w-like-count").text == str(before["likes"] + 1)

    # A comment, shown as text (markup in it stays text), focused and announced.
    body = f"Which solar panel? <img src=x onerror=alert(1)> {tag}"
    b.fill(".stoa-w-account textarea", body)
    b.click(".stoa-w-account button[type=submit]")
    cid = comment_id(b, tag)
    assert body in comment_items(b, tag)[0].text
    assert not b.find_all(".stoa-w img"), "no element made of the comment's text"
    assert focused_comment(b) == cid, "focus moves to the new comment"
    b.wait_until(lambda: "posted" in live_text(b), "the live region announces the comment")

    # A reply, nested under the comment.
    action(b, cid, "reply")
    b.fill(f"#stoa-w0-r{cid}", f"A 5 V one, reply {tag}")
    b.click(f".stoa-w-item[data-comment='{cid}'] > form button[type=submit]")
    rid = comment_id(b, f"reply {tag}")
    assert b.find_all(f".stoa-w-item[data-comment='{cid}'] > ol > .stoa-w-item[data-comment='{rid}']"), "nested reply"
    assert focused_comment(b) == rid
    b.check("comment-and-reply")

    # Edit the reply (within the window).
    action(b, rid, "edit")
    b.fill(f"#stoa-w0-e{rid}", f"A 6 V one, edited reply {tag}")
    b.click(".stoa-w-edit button[type=submit]")
    b.wait_until(lambda: comment_items(b, f"edited reply {tag}"), "the edited reply")
    assert "edited" in comment_items(b, f"edited reply {tag}")[0].find_element("css selector", ".stoa-w-meta").text
    assert focused_comment(b) == rid

    # Subscribe.
    b.click(".stoa-w-subscribe")
    b.wait_until(lambda: b.find(".stoa-w-subscribe").get_attribute("aria-pressed") == "true", "subscribed")

    # Another visitor sees the thread and, on the index, the counts.
    other = browser()
    other.open(POST)
    wait_widget(other)
    assert comment_items(other, tag) and comment_items(other, f"edited reply {tag}"), "the thread for visitors"
    assert not other.find_all(".stoa-w-item [data-action]"), "no actions for visitors"
    other.check("post-visitor")
    now = counts(info, [page])[page]
    assert now["comments"] == before["comments"] + 2 and now["likes"] == before["likes"] + 1, now
    other.open("/")
    badge = f"[data-stoa-count][data-url='{POST}'][data-stoa-state='ready']"
    other.wait_for(badge)
    text = other.find(badge).text
    assert f"{now['comments']} comments" in text and f"{now['likes']} like" in text, text
    assert len([u for u in other.driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)") if "/api/v1/counts" in u]) == 1, \
        "one counts call for the whole index"
    other.check("index-counts")

    # Delete: the comment with a reply stays as a placeholder, the reply goes.
    action(b, cid, "delete")
    b.driver.switch_to.alert.accept()
    b.wait_until(lambda: not comment_items(b, "Which solar panel"), "the comment's text gone")
    assert b.find_all(f".stoa-w-item[data-comment='{cid}'] > article.is-deleted"), "placeholder"
    action(b, rid, "delete")
    b.driver.switch_to.alert.accept()
    b.wait_until(lambda: not b.find_all(f".stoa-w-item[data-comment='{rid}']"), "the reply removed")
    b.wait_until(lambda: "deleted" in live_text(b), "the deletion announced")
    b.check("deleted")
    assert counts(info, [page])[page]["comments"] == before["comments"]


def fresh_code(secret, used):
    from browserhelpers import fresh_totp
    return fresh_totp(secret, used)


def test_budget_size_and_render_time_of_a_50_comment_thread(info, browser):
    # The dark-mode post under an address of its own (the query is part of the page URL).
    path = f"/2024/07/20/dark-mode.html?budget={secrets.token_hex(4)}"
    page = info["https_url"] + path
    authors = [Session(info, make_user(info)) for _ in range(10)]
    first = None
    for i in range(50):
        s = authors[i % 10]
        c = s.comment(page, body=f"Comment {i}: " + "words " * 20, parent_id=first if i % 5 == 4 else None)
        first = first or c["id"]

    b = browser()
    b.open(path)
    wait_widget(b)
    assert len(b.find_all(".stoa-w-item")) == 50
    ms = render_ms(b)
    sizes = widget_bytes(b)
    total = sum(sizes.values())
    print(f"\nwidget size (gzip -9, every /stoa/ file the page loaded): {total} bytes "
          f"({total / 1024:.1f} KiB of {SIZE_BUDGET // 1024} KiB): "
          + ", ".join(f"{p} {n}" for p, n in sorted(sizes.items())))
    print(f"first render of a 50-comment thread: {ms:.1f} ms after the API's answer (budget {RENDER_BUDGET_MS} ms)")
    b.check("fifty-comments")
    assert total <= SIZE_BUDGET, f"widget is {total} bytes gzipped, budget {SIZE_BUDGET}"
    assert ms <= RENDER_BUDGET_MS, f"render took {ms:.1f} ms, budget {RENDER_BUDGET_MS} ms"
