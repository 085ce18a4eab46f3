"""Moderation (issue 8 "Moderation"): COMMENT_MODERATION=first and =all on
stacks of their own; a waiting comment is visible only to its author
("pending": true) and to moderators; the queue; approve and reject, audit
logged; moderators mailed at most once per interval; replies notify only
once approved. Also the URL rules that need a site origin with a default
port (SITE_ORIGINS=https://Site.Example:443)."""
import pytest

import mailbox
from communityhelpers import V1, anon, ids, listing, make_user, page_url, private_stack, query, session
from authhelpers import events_of
from stoaclient import assert_problem, psql

SITE = "https://Site.Example:443"


def with_site_origin(mode):
    def env(info):
        return {"COMMENT_MODERATION": mode, "SITE_ORIGINS": f"{info['https_url']},{SITE}",
                "COMMENT_MODERATION_MAIL_INTERVAL_SECONDS": "600"}
    return env


@pytest.fixture(scope="module")
def first():
    with private_stack(with_site_origin("first")) as s:
        yield s.info


@pytest.fixture(scope="module")
def every():
    with private_stack(with_site_origin("all")) as s:
        yield s.info


def queue(s, status="pending"):
    r = s.get(f"{V1}/moderation/comments?status={status}&per_page=100")
    assert r.status == 200, r
    return r.json


def test_first_comment_waits_until_one_is_approved(first):
    info = first
    url = page_url(info)
    author, mod = session(info), session(info, role="moderator")
    waiting = author.comment(url, "my first comment")
    assert waiting.get("pending") is True, waiting
    assert listing(info, url)["items"] == [], "others do not see a waiting comment"
    assert listing(info, url, client=session(info))["items"] == []
    own = listing(info, url, client=author)["items"]
    assert ids(own) == [waiting["id"]] and own[0]["pending"] is True
    seen = listing(info, url, client=mod)["items"]
    assert ids(seen) == [waiting["id"]] and seen[0]["pending"] is True
    r = anon(info).get(f"{V1}/counts?{query(url)}")
    assert r.json["items"][0]["comments"] == 0
    second = author.comment(url, "still waiting")
    assert second.get("pending") is True

    items = queue(mod)["items"]
    mine = [c for c in items if c["author"] and c["author"]["username"] == author.user.username]
    assert ids(mine) == [waiting["id"], second["id"]], "oldest first"
    assert mine[0]["target"] == {"url": url} and mine[0]["status"] == "pending" and mine[0]["body"] == "my first comment"

    assert mod.post(f"{V1}/comments/{waiting['id']}/approve").status == 204
    assert ids(listing(info, url)["items"]) == [waiting["id"]]
    assert "pending" not in listing(info, url)["items"][0]
    logged = psql(info, "SELECT actor_id || ':' || (detail->>'comment_id') FROM account_logs "
                        f"WHERE user_id = {author.user.id} AND event = 'comment_approved'")
    assert logged == f"{mod.user.id}:{waiting['id']}", logged
    # One approved: from now on this author's comments appear at once.
    third = author.comment(url, "no waiting any more")
    assert "pending" not in third
    assert ids(listing(info, url)["items"]) == [waiting["id"], third["id"]]
    # The one posted before the approval still waits.
    assert second["id"] in ids(queue(mod)["items"])


def test_reject_removes_a_waiting_comment(first):
    info = first
    url = page_url(info)
    author, mod = session(info), session(info, role="admin")
    c = author.comment(url, "spam spam")
    assert mod.post(f"{V1}/comments/{c['id']}/reject").status == 204
    assert listing(info, url, client=author)["items"] == []
    assert c["id"] not in ids(queue(mod)["items"])
    assert "comment_rejected" in events_of(info, author.user.id)
    assert_problem(author.call("PATCH", f"{V1}/comments/{c['id']}", json={"body": "x"}), 404, "not_found")
    # A rejected comment does not count as approved for "first".
    assert author.comment(url, "try again").get("pending") is True


def test_moderation_routes_need_a_moderator(first):
    info = first
    author = session(info)
    c = author.comment(page_url(info), "waiting")
    for path in (f"{V1}/comments/{c['id']}/approve", f"{V1}/comments/{c['id']}/reject",
                 f"{V1}/comments/{c['id']}/hide"):
        assert_problem(author.post(path), 403, "forbidden")
        assert_problem(anon(info).post(path), 401, "unauthorized")
    assert_problem(author.get(f"{V1}/moderation/comments"), 403, "forbidden")
    mod = session(info, role="moderator")
    assert_problem(mod.get(f"{V1}/moderation/comments?status=approved"), 400, "bad_request")
    assert_problem(mod.post(f"{V1}/comments/999999999/approve"), 404, "not_found")


def test_hidden_queue(first):
    info = first
    mod = session(info, role="moderator")
    author = session(info, age_days=5)
    approved = author.comment(page_url(info), "first")
    assert mod.post(f"{V1}/comments/{approved['id']}/approve").status == 204
    assert mod.post(f"{V1}/comments/{approved['id']}/hide").status == 204
    hidden = queue(mod, "hidden")
    assert approved["id"] in ids(hidden["items"]) and hidden["total"] >= 1
    assert approved["id"] not in ids(queue(mod)["items"])


def test_moderators_get_one_mail_per_interval(first):
    info = first
    mods = [make_user(info, role="moderator"), make_user(info, role="admin")]
    unverified_mod = make_user(info, role="moderator", verified=False)
    author = session(info)
    url = page_url(info)
    psql(info, "UPDATE moderation_notices SET last_sent_at = now() - interval '1 hour'")
    author.comment(url, "waiting one")
    author.comment(url, "waiting two")
    for m in mods:
        assert mailbox.outbox_count(info, m.email, "subject LIKE '%for approval'") == 1, m
    assert mailbox.outbox_count(info, unverified_mod.email) == 1, "only the verification mail"
    [msg] = mailbox.wait_for_mail(info, mods[0].email, mailbox.subject_matches("for approval"))
    text = mailbox.text_body(msg)
    assert "waiting one" in text and url in text, text
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # After the interval, the next waiting comment mails again.
    psql(info, f"UPDATE moderation_notices SET last_sent_at = now() - interval '11 minutes' "
               f"WHERE user_id = {mods[0].id}")
    author.comment(url, "waiting three")
    assert mailbox.outbox_count(info, mods[0].email, "subject LIKE '%for approval'") == 2
    assert mailbox.outbox_count(info, mods[1].email, "subject LIKE '%for approval'") == 1


def test_everything_waits_in_mode_all(every):
    info = every
    url = page_url(info)
    veteran = session(info, age_days=100)
    mod = session(info, role="moderator")
    first_one = veteran.comment(url, "one")
    assert first_one.get("pending") is True
    assert mod.post(f"{V1}/comments/{first_one['id']}/approve").status == 204
    assert veteran.comment(url, "two").get("pending") is True, "with all, approval never exempts"
    assert "pending" not in mod.comment(url, "moderators are not moderated")
    assert "pending" not in session(info, role="admin").comment(url, "nor admins")


def test_reply_notifies_only_once_approved(every):
    info = every
    url = page_url(info)
    mod = session(info, role="moderator")
    alice, bob = session(info), session(info)
    parent = alice.comment(url, "parent")
    assert mod.post(f"{V1}/comments/{parent['id']}/approve").status == 204
    reply = bob.comment(url, "reply", parent_id=parent["id"])
    assert mailbox.outbox_count(info, alice.user.email, "subject LIKE '%replied%'") == 0
    assert mod.post(f"{V1}/comments/{reply['id']}/approve").status == 204
    assert mailbox.outbox_count(info, alice.user.email, "subject LIKE '%replied%'") == 1
    assert mod.post(f"{V1}/comments/{reply['id']}/hide").status == 204
    assert mod.post(f"{V1}/comments/{reply['id']}/approve").status == 204
    assert mailbox.outbox_count(info, alice.user.email, "subject LIKE '%replied%'") == 1, "never twice"


def test_replies_to_a_waiting_comment(every):
    info = every
    url = page_url(info)
    alice, bob = session(info), session(info)
    waiting = alice.comment(url, "waiting parent")
    r = bob.post(f"{V1}/comments", json={"url": url, "body": "x", "parent_id": waiting["id"]})
    assert_problem(r, 422, "validation_failed")  # bob cannot see it: nothing to reply to
    own_reply = alice.comment(url, "adding to my own", parent_id=waiting["id"])
    mine = listing(info, url, client=alice)["items"]
    assert ids(mine) == [waiting["id"]] and ids(mine[0]["replies"]) == [own_reply["id"]]


def test_default_port_and_host_case(first):
    """SITE_ORIGINS lists https://Site.Example:443: every spelling of a page
    there is one page; http:// and other ports are other origins."""
    info = first
    spellings = ["https://site.example/a", "HTTPS://SITE.EXAMPLE:443/a#x", "https://Site.Example:443/a",
                 "https://site.example:0443/a#"]
    for url in spellings:
        session(info).like(url)
    for url in spellings:
        r = anon(info).get(f"{V1}/likes/count?{query(url)}")
        assert r.json["count"] == len(spellings), (url, r.json)
    assert psql(info, "SELECT url FROM community_targets WHERE url LIKE '%site.example%'") == "https://site.example/a"
    s = session(info)
    for url in ("http://site.example/a", "https://site.example:8443/a", "https://www.site.example/a"):
        r = s.post(f"{V1}/likes", json={"url": url})
        assert_problem(r, 422, "validation_failed")
        assert r.json["errors"][0]["code"] == "foreign_origin", (url, r.json)
