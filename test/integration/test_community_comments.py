"""Threaded comments (API.md "Likes and comments"; issue 8 "Comments"):
threads of any depth built from one query, top-level pagination and sorts,
plain-text bodies stored and answered byte for byte, edit within the
window, delete by author / moderator / admin with placeholders, hiding,
the per-account rate limit, the link limit of new accounts, and the
export."""
import json

from communityhelpers import (COMMENT_FIELDS, V1, XSS_CORPUS, Session, anon, ids, listing, make_user, page_url,
                              query, session)
from authhelpers import events_of
from stoaclient import assert_problem, psql


def field_codes(resp):
    return {(e["field"], e["code"]) for e in resp.json.get("errors", [])}


# --- posting and the thread ----------------------------------------------------------

def test_post_answers_the_comment(info):
    s = session(info)
    url = page_url(info)
    c = s.comment(url, "First!")
    assert set(c) == COMMENT_FIELDS, f"comment fields differ from API.md: {sorted(c)}"
    assert c["author"] == {"username": s.user.username, "picture_url": None}
    assert (c["body"], c["edited_at"], c["deleted"], c["replies"]) == ("First!", None, False, [])
    assert c["created_at"].endswith("Z")
    assert listing(info, url)["items"] == [c]


def test_threads_of_any_depth(info):
    url = page_url(info)
    a, b = session(info), session(info)
    root = a.comment(url, "root")
    chain = [root]
    for i in range(12):
        chain.append((b if i % 2 == 0 else a).comment(url, f"depth {i + 1}", parent_id=chain[-1]["id"]))
    sibling = b.comment(url, "second reply to root", parent_id=root["id"])
    other_root = b.comment(url, "another thread")
    body = listing(info, url)
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 20), body
    assert ids(body["items"]) == [root["id"], other_root["id"]]
    top = body["items"][0]
    assert ids(top["replies"]) == [chain[1]["id"], sibling["id"]], "replies oldest first"
    node, depth = top, 0
    while node["replies"]:
        node = node["replies"][0]
        depth += 1
        assert node["body"] == f"depth {depth}"
    assert depth == 12


def test_parent_must_be_on_the_same_target(info):
    s = session(info)
    url, other = page_url(info), page_url(info)
    parent = s.comment(url, "parent")
    r = s.post(f"{V1}/comments", json={"url": other, "body": "x", "parent_id": parent["id"]})
    assert_problem(r, 422, "validation_failed")
    assert ("parent_id", "other_target") in field_codes(r), r.json
    r = s.post(f"{V1}/comments", json={"url": url, "body": "x", "parent_id": 999999999})
    assert ("parent_id", "not_found") in field_codes(r), r.json
    r = s.post(f"{V1}/comments", json={"url": url, "body": "x", "parent_id": "nope"})
    assert ("parent_id", "invalid") in field_codes(r), r.json
    reply = s.comment(url, "ok", parent_id=str(parent["id"]))
    assert reply["id"] in ids(listing(info, url)["items"][0]["replies"])


def test_sort_and_top_level_pagination(info):
    url = page_url(info)
    s = session(info)
    roots = [s.comment(url, f"thread {i}") for i in range(5)]
    for r in roots:
        s.comment(url, "reply", parent_id=r["id"])
    likers = [session(info) for _ in range(3)]
    for liker in likers:
        liker.like(("comment", roots[3]["id"]))
    likers[0].like(("comment", roots[1]["id"]))
    assert ids(listing(info, url)["items"]) == ids(roots)
    assert ids(listing(info, url, sort="newest")["items"]) == ids(roots)[::-1]
    top = ids(listing(info, url, sort="top")["items"])
    assert top[:2] == [roots[3]["id"], roots[1]["id"]], top
    page2 = listing(info, url, page=2, per_page=2)
    assert (page2["total"], page2["page"], page2["per_page"]) == (5, 2, 2)
    assert ids(page2["items"]) == [roots[2]["id"], roots[3]["id"]]
    assert all(len(c["replies"]) == 1 for c in page2["items"]), "replies come with their thread"
    assert listing(info, url, page=4, per_page=2)["items"] == []
    assert_problem(anon(info).get(f"{V1}/comments?{query(url, sort='best')}"), 400, "bad_request")
    assert_problem(anon(info).get(f"{V1}/comments?{query(url, per_page=101)}"), 400, "bad_request")


def test_listing_a_page_without_comments(info):
    body = listing(info, page_url(info))
    assert body == {"items": [], "page": 1, "per_page": 20, "total": 0}


# --- bodies ------------------------------------------------------------------------------

def test_xss_corpus_comes_back_byte_for_byte(info):
    url = page_url(info)
    # Ten comments per account and ten minutes: two accounts share the corpus.
    writers = [session(info), session(info)]
    posted = [writers[i % 2].comment(url, body) for i, body in enumerate(XSS_CORPUS)]
    assert [c["body"] for c in posted] == XSS_CORPUS
    listed = listing(info, url)["items"]
    assert [c["body"] for c in listed] == XSS_CORPUS
    r = anon(info).get(f"{V1}/comments?{query(url)}")
    assert r.header("content-type").startswith("application/json"), r.headers
    # Raw JSON: what a browser gets is JSON text, never HTML.
    assert b"<script>" in r.body and r.header("x-content-type-options") == "nosniff"


def test_body_rules(info):
    s = session(info)
    url = page_url(info)
    cases = [
        ("", "too_short"), ("   \n\t  ", "too_short"), ("\u00a0\u3000", "too_short"),
        ("x" * 10001, "too_long"), ("a\rb", "invalid_character"), ("bell\x07", "invalid_character"),
        ("esc\x1b[31m", "invalid_character"), ("c1\x85", "invalid_character"),
        ("del\x7f", "invalid_character"),
    ]
    for body, code in cases:
        r = s.post(f"{V1}/comments", json={"url": url, "body": body})
        assert_problem(r, 422, "validation_failed")
        assert ("body", code) in field_codes(r), f"{body[:20]!r}: {r.json}"
    r = s.post(f"{V1}/comments", json={"url": url})
    assert ("body", "required") in field_codes(r)
    assert_problem(s.post(f"{V1}/comments", json={"url": url, "body": 42}), 400, "bad_request")
    # NUL and invalid UTF-8 are refused by the JSON parser: 400 before any rule.
    assert_problem(s.post(f"{V1}/comments", json={"url": url, "body": "nul\x00byte"}), 400, "bad_request")
    r = s.post(f"{V1}/comments", body=b'{"url": "%s", "body": "\xff"}' % url.encode(), content_type="application/json")
    assert_problem(r, 400, "bad_request")
    r = s.post(f"{V1}/comments", body=json.dumps({"url": url, "body": "\ud800"}), content_type="application/json")
    assert r.status in (400, 422), r
    # Limits count characters after trimming; the body is stored as given.
    long_body = "  " + "é" * 10000 + "\n"
    c = s.comment(url, long_body)
    assert c["body"] == long_body
    errors = s.post(f"{V1}/comments", json={"body": ""}).json["errors"]
    assert {e["field"] for e in errors} >= {"url", "body"}, "one 422 names every field"


def test_new_accounts_may_post_few_links(info):
    url = page_url(info)
    newbie = session(info)
    three = "see https://a.example, http://b.example and www.c.example"
    r = newbie.post(f"{V1}/comments", json={"url": url, "body": three})
    assert_problem(r, 422, "validation_failed")
    assert ("body", "too_many_links") in field_codes(r), r.json
    newbie.comment(url, "two are fine: https://a.example https://b.example")
    old = session(info, age_days=2)
    old.comment(url, three)
    mod = session(info, role="moderator")
    mod.comment(url, three)


# --- who may post --------------------------------------------------------------------------

def test_posting_needs_role_user(info):
    url = page_url(info)
    guest = session(info, role="guest", verified=False)
    assert_problem(guest.post(f"{V1}/comments", json={"url": url, "body": "hi"}), 403, "forbidden")
    assert_problem(anon(info).post(f"{V1}/comments", json={"url": url, "body": "hi"}), 401, "unauthorized")


def test_per_account_comment_limit(info):
    url = page_url(info)
    s = session(info)
    for i in range(10):
        s.comment(url, f"comment {i}")
    r = s.post(f"{V1}/comments", json={"url": url, "body": "eleventh"})
    assert_problem(r, 429, "rate_limited")
    assert int(r.header("retry-after")) > 0
    assert r.header("ratelimit-limit") == "10"
    # Per account, not per address: another account from the same address posts.
    other = session(info)
    other.client.client_ip = s.client.client_ip
    other.comment(url, "from the same address")


# --- editing -----------------------------------------------------------------------------------

def test_author_edits_within_the_window(info):
    url = page_url(info)
    s = session(info)
    c = s.comment(url, "typo")
    r = s.call("PATCH", f"{V1}/comments/{c['id']}", json={"body": "fixed"})
    assert r.status == 200, r
    assert set(r.json) == COMMENT_FIELDS
    assert r.json["body"] == "fixed" and r.json["edited_at"], r.json
    assert listing(info, url)["items"][0]["body"] == "fixed"
    other = session(info)
    assert_problem(other.call("PATCH", f"{V1}/comments/{c['id']}", json={"body": "mine now"}), 403, "forbidden")
    mod = session(info, role="moderator")
    assert_problem(mod.call("PATCH", f"{V1}/comments/{c['id']}", json={"body": "edited by mod"}), 403, "forbidden")
    r = s.call("PATCH", f"{V1}/comments/{c['id']}", json={"body": ""})
    assert_problem(r, 422, "validation_failed")
    psql(info, f"UPDATE comments SET created_at = now() - interval '16 minutes' WHERE id = {int(c['id'])}")
    assert_problem(s.call("PATCH", f"{V1}/comments/{c['id']}", json={"body": "late"}), 403, "forbidden")
    assert listing(info, url)["items"][0]["body"] == "fixed"
    assert_problem(s.call("PATCH", f"{V1}/comments/999999999", json={"body": "x"}), 404, "not_found")


# --- deleting and hiding ----------------------------------------------------------------------

def test_delete_keeps_a_placeholder_only_while_there_are_replies(info):
    url = page_url(info)
    a, b = session(info), session(info)
    lonely = a.comment(url, "nobody answers")
    parent = a.comment(url, "secret text")
    reply = b.comment(url, "answer", parent_id=parent["id"])
    assert a.call("DELETE", f"{V1}/comments/{lonely['id']}").status == 204
    assert a.call("DELETE", f"{V1}/comments/{parent['id']}").status == 204
    items = listing(info, url)["items"]
    assert ids(items) == [parent["id"]], "a deleted comment without replies is gone"
    placeholder = items[0]
    assert set(placeholder) == COMMENT_FIELDS, placeholder
    assert (placeholder["deleted"], placeholder["body"], placeholder["author"]) == (True, "", None)
    assert ids(placeholder["replies"]) == [reply["id"]]
    assert psql(info, f"SELECT body FROM comments WHERE id = {int(parent['id'])}") == "", "the text is erased"
    # Once the last reply goes, so does the placeholder.
    assert b.call("DELETE", f"{V1}/comments/{reply['id']}").status == 204
    assert listing(info, url)["items"] == []
    assert_problem(a.call("DELETE", f"{V1}/comments/{parent['id']}"), 404, "not_found")
    assert_problem(a.call("PATCH", f"{V1}/comments/{parent['id']}", json={"body": "back"}), 404, "not_found")


def test_delete_by_others_needs_moderator_or_admin_and_is_logged(info):
    url = page_url(info)
    author = session(info)
    victims = [author.comment(url, f"c{i}") for i in range(3)]
    assert_problem(session(info).call("DELETE", f"{V1}/comments/{victims[0]['id']}"), 403, "forbidden")
    assert_problem(anon(info).request("DELETE", f"{V1}/comments/{victims[0]['id']}"), 401, "unauthorized")
    mod, admin = session(info, role="moderator"), session(info, role="admin")
    assert mod.call("DELETE", f"{V1}/comments/{victims[0]['id']}").status == 204
    assert admin.call("DELETE", f"{V1}/comments/{victims[1]['id']}").status == 204
    assert ids(listing(info, url)["items"]) == [victims[2]["id"]]
    rows = psql(info, "SELECT actor_id || ':' || (detail->>'comment_id') FROM account_logs "
                      f"WHERE user_id = {int(author.user.id)} AND event = 'comment_deleted' ORDER BY id").splitlines()
    assert rows == [f"{mod.user.id}:{victims[0]['id']}", f"{admin.user.id}:{victims[1]['id']}"], rows


def test_author_who_lost_posting_rights_still_deletes(info):
    s = session(info)
    c = s.comment(page_url(info))
    psql(info, f"UPDATE users SET role = 'guest' WHERE id = {int(s.user.id)}")
    assert s.call("DELETE", f"{V1}/comments/{c['id']}").status == 204


def test_moderators_hide_comments(info):
    url = page_url(info)
    author, reader = session(info), session(info)
    hidden = author.comment(url, "rude")
    reply = reader.comment(url, "you are rude", parent_id=hidden["id"])
    quiet = author.comment(url, "rude again")
    mod = session(info, role="moderator")
    assert_problem(reader.post(f"{V1}/comments/{hidden['id']}/hide"), 403, "forbidden")
    for c in (hidden, quiet):
        assert mod.post(f"{V1}/comments/{c['id']}/hide").status == 204
    public = listing(info, url)["items"]
    assert ids(public) == [hidden["id"]], "hidden without replies is gone, with replies a placeholder"
    assert (public[0]["body"], public[0]["author"], public[0]["deleted"], public[0].get("hidden")) == \
        ("", None, True, True), public[0]
    assert ids(public[0]["replies"]) == [reply["id"]]
    seen_by_mod = listing(info, url, client=mod)["items"]
    assert [(c["body"], c.get("hidden")) for c in seen_by_mod] == [("rude", True), ("rude again", True)]
    assert listing(info, url, client=author)["items"][0]["body"] == "", "the author sees the placeholder too"
    assert_problem(author.call("PATCH", f"{V1}/comments/{hidden['id']}", json={"body": "sorry"}), 404, "not_found")
    assert "comment_hidden" in events_of(info, author.user.id)
    # Approving brings it back.
    assert mod.post(f"{V1}/comments/{quiet['id']}/approve").status == 204
    assert ids(listing(info, url)["items"]) == [hidden["id"], quiet["id"]]


def test_comments_on_comment_entities(info):
    s = session(info)
    url = page_url(info)
    c = s.comment(url, "an entity")
    on_entity = s.comment(("comment", c["id"]), "about that comment")
    assert ids(listing(info, ("comment", c["id"]))["items"]) == [on_entity["id"]]
    assert ids(listing(info, url)["items"]) == [c["id"]]
    assert_problem(anon(info).get(f"{V1}/comments?entity_type=comment&entity_id=999999999"), 404, "not_found")
    assert_problem(anon(info).get(f"{V1}/comments?entity_type=project&entity_id=999999999"), 404, "not_found")


# --- accounts -----------------------------------------------------------------------------------

def test_export_holds_likes_comments_and_subscriptions(info):
    url = page_url(info)
    s = session(info)
    c = s.comment(url, "exported text")
    gone = s.comment(url, "deleted text")
    s.call("DELETE", f"{V1}/comments/{gone['id']}")
    like = s.like(url)
    sub = s.post(f"{V1}/subscriptions", json={"url": url}).json
    session(info).comment(url, "someone else's")
    r = s.get(f"{V1}/account/export")
    assert r.status == 200, r
    body = r.json
    assert [(l["id"], l["target"]) for l in body["likes"]] == [(like["id"], {"url": url})]
    comments = {x["id"]: x for x in body["comments"]}
    assert set(comments) == {c["id"], gone["id"]}, "the caller's comments, and only theirs"
    assert comments[c["id"]]["body"] == "exported text" and comments[c["id"]]["target"] == {"url": url}
    assert comments[gone["id"]]["body"] == "" and comments[gone["id"]]["deleted_at"]
    assert [x["id"] for x in body["comment_subscriptions"]] == [sub["id"]]


def test_comments_of_a_deleted_account_stay_without_author(info):
    url = page_url(info)
    user = make_user(info)
    s = Session(info, user)
    c = s.comment(url, "I will leave")
    reply = session(info).comment(url, "bye", parent_id=c["id"])
    s.like(url)
    r = s.call("DELETE", f"{V1}/account", json={"password": user.password})
    assert r.status == 204, r
    items = listing(info, url)["items"]
    assert items[0]["id"] == c["id"] and items[0]["author"] is None and items[0]["body"] == "I will leave"
    assert ids(items[0]["replies"]) == [reply["id"]]
    assert anon(info).get(f"{V1}/likes/count?{query(url)}").json["count"] == 0, "likes go with the account"
