"""Notification mail (issue 8 "Notifications"): reply mails to the parent's
author (verified, notify_replies on, never for their own replies, never
twice for one reply), subscriptions to a target's new comments, and the
signed one-click unsubscribe links (List-Unsubscribe, List-Unsubscribe-Post)
followed like a user and like a mail client would, without signing in."""
import html.parser
import urllib.parse

import mailbox
from communityhelpers import V1, anon, page_url, session
from stoaclient import assert_problem, psql

UNSUBSCRIBE_PATH = "/auth/unsubscribe"


def reply_mails(info, user):
    return mailbox.wait_for_mail(info, user.email, mailbox.subject_matches("replied to your comment"))


def count_mail(info, user, subject_like):
    return mailbox.outbox_count(info, user.email, f"subject LIKE '%{subject_like}%'")


def unsubscribe_path(msg):
    found = mailbox.links(msg, UNSUBSCRIBE_PATH)
    assert len(found) == 1, f"one unsubscribe link expected in {msg['Subject']!r}: {found}"
    url = urllib.parse.urlsplit(found[0])
    return f"{url.path}?{url.query}"


class FormFinder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.forms.append(dict(attrs))


def settings(s):
    r = s.get(f"{V1}/account/notifications")
    assert r.status == 200, r
    return r.json


def test_reply_mail_with_one_click_unsubscribe(info):
    url = page_url(info)
    alice, bob = session(info), session(info)
    parent = alice.comment(url, "What do you think?")
    reply = bob.comment(url, "I think <b>so</b>.\nSecond line.", parent_id=parent["id"])
    [msg] = reply_mails(info, alice.user)
    assert bob.user.username in msg["Subject"]
    text = mailbox.text_body(msg)
    assert "  > I think <b>so</b>.\n  > Second line." in text, text
    assert f"{url}#comment-{reply['id']}" in text, text
    path = unsubscribe_path(msg)
    assert msg["List-Unsubscribe"] == f"<{info['https_url']}{path}>", msg["List-Unsubscribe"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The user clicks the link: a page with a button, nothing changed yet
    # (link scanners open links too).
    browser = anon(info)
    page = browser.get(path)
    assert page.status == 200 and page.header("content-type").startswith("text/html"), page
    assert settings(alice)["notify_replies"] is True
    finder = FormFinder()
    finder.feed(page.body.decode())
    [form] = finder.forms
    assert form["method"].lower() == "post"
    done = browser.post(form["action"], body="List-Unsubscribe=One-Click",
                        content_type="application/x-www-form-urlencoded")
    assert done.status == 200 and b"no more" in done.body, done
    assert settings(alice)["notify_replies"] is False
    assert "unsubscribed" in psql(info, f"SELECT string_agg(event, ',') FROM account_logs WHERE user_id = {alice.user.id}")
    # A second click is harmless; and no reply mail any more.
    assert browser.post(form["action"], body="List-Unsubscribe=One-Click",
                        content_type="application/x-www-form-urlencoded").status == 200
    bob.comment(url, "still there?", parent_id=parent["id"])
    assert count_mail(info, alice.user, "replied") == 1


def test_no_mail_for_own_replies_unverified_addresses_or_opted_out(info):
    url = page_url(info)
    alice, bob = session(info), session(info)
    own = alice.comment(url, "mine")
    alice.comment(url, "talking to myself", parent_id=own["id"])
    assert count_mail(info, alice.user, "replied") == 0

    unverified = session(info)
    psql(info, f"UPDATE users SET email_verified_at = NULL WHERE id = {unverified.user.id}")
    c = unverified.comment(url, "my address is not verified")
    bob.comment(url, "reply", parent_id=c["id"])
    assert count_mail(info, unverified.user, "replied") == 0

    quiet = session(info)
    r = quiet.call("PATCH", f"{V1}/account/notifications", json={"notify_replies": False})
    assert r.status == 200 and r.json["notify_replies"] is False, r
    c = quiet.comment(url, "do not mail me")
    bob.comment(url, "reply", parent_id=c["id"])
    assert count_mail(info, quiet.user, "replied") == 0
    r = quiet.call("PATCH", f"{V1}/account/notifications", json={"notify_replies": True})
    assert r.json["notify_replies"] is True


def test_never_twice_for_the_same_reply(info):
    url = page_url(info)
    alice, bob = session(info), session(info)
    parent = alice.comment(url, "parent")
    reply = bob.comment(url, "reply", parent_id=parent["id"])
    mod = session(info, role="moderator")
    assert mod.post(f"{V1}/comments/{reply['id']}/hide").status == 204
    assert mod.post(f"{V1}/comments/{reply['id']}/approve").status == 204
    bob.call("PATCH", f"{V1}/comments/{reply['id']}", json={"body": "edited reply"})
    assert count_mail(info, alice.user, "replied") == 1
    bob.comment(url, "a second reply", parent_id=parent["id"])
    assert count_mail(info, alice.user, "replied") == 2, "one mail per reply"


def test_subscriptions_and_their_unsubscribe_link(info):
    url = page_url(info)
    reader, writer = session(info), session(info)
    r = reader.post(f"{V1}/subscriptions", json={"url": url + "#comments"})
    assert r.status == 201, r
    sub = r.json
    assert set(sub) == {"id", "target", "created_at"} and sub["target"] == {"url": url}, sub
    assert_problem(reader.post(f"{V1}/subscriptions", json={"url": url}), 409, "conflict")
    listed = reader.get(f"{V1}/subscriptions").json
    assert [s["id"] for s in listed["items"]] == [sub["id"]] and listed["total"] == 1, listed

    reader.comment(url, "my own comment: no mail to myself")
    writer.comment(url, "news for subscribers")
    [msg] = mailbox.wait_for_mail(info, reader.user.email, mailbox.subject_matches("New comment by"))
    assert "news for subscribers" in mailbox.text_body(msg)
    assert count_mail(info, reader.user, "New comment") == 1

    # A mail client's one-click unsubscribe (RFC 8058): a POST to the
    # List-Unsubscribe URL, no cookies, no token but the link's.
    target = msg["List-Unsubscribe"].strip("<>")
    assert target == info["https_url"] + unsubscribe_path(msg)
    one_click = anon(info).post(urllib.parse.urlsplit(target).path + "?" + urllib.parse.urlsplit(target).query,
                                body="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert one_click.status == 200, one_click
    assert reader.get(f"{V1}/subscriptions").json["items"] == []
    writer.comment(url, "nobody is subscribed now")
    assert count_mail(info, reader.user, "New comment") == 1


def test_parent_author_who_also_subscribed_gets_one_mail(info):
    url = page_url(info)
    alice, bob = session(info), session(info)
    assert alice.post(f"{V1}/subscriptions", json={"url": url}).status == 201
    parent = alice.comment(url, "parent")
    bob.comment(url, "reply", parent_id=parent["id"])
    assert count_mail(info, alice.user, "replied") == 1
    assert count_mail(info, alice.user, "New comment") == 0


def test_subscriptions_are_private(info):
    url = page_url(info)
    owner, other = session(info), session(info)
    sub = owner.post(f"{V1}/subscriptions", json={"url": url}).json
    assert_problem(other.call("DELETE", f"{V1}/subscriptions/{sub['id']}"), 404, "not_found")
    assert other.get(f"{V1}/subscriptions").json["items"] == []
    assert owner.call("DELETE", f"{V1}/subscriptions/{sub['id']}").status == 204
    guest = session(info, role="guest", verified=False)
    assert_problem(guest.post(f"{V1}/subscriptions", json={"url": url}), 403, "forbidden")
    assert_problem(owner.post(f"{V1}/subscriptions", json={"url": "https://evil.example/"}), 422, "validation_failed")


def test_forged_or_damaged_links_do_nothing(info):
    url = page_url(info)
    alice, bob = session(info), session(info)
    parent = alice.comment(url, "parent")
    bob.comment(url, "reply", parent_id=parent["id"])
    [msg] = reply_mails(info, alice.user)
    path = unsubscribe_path(msg)
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)["token"][0]
    purpose, user_id, mac = token.split(".")
    forged = [
        f"{purpose}.{bob.user.id}.{mac}",          # someone else's account with this MAC
        f"m.{user_id}.{mac}",                      # another purpose
        f"{purpose}.{user_id}.{mac[:-2]}AA",
        f"{purpose}.{user_id}",
        "",
    ]
    for t in forged:
        for method in ("GET", "POST"):
            r = anon(info).request(method, f"{UNSUBSCRIBE_PATH}?token={urllib.parse.quote(t)}")
            assert_problem(r, 400, "token_invalid")
    assert settings(alice)["notify_replies"] is True and settings(bob)["notify_replies"] is True
