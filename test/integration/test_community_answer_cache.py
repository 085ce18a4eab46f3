"""Community answers kept by the workers (db/answer_cache.h): comment threads
for anonymous readers (thread_version, migrations/009) and /counts
(counts_version, migrations/011). Every change a reader could see is seen by
the very next read, on whichever worker serves it. Each test first reads
many times, so that every worker of the stack keeps the answer, then
changes something one way and reads many times again."""
from communityhelpers import V1, anon, ids, listing, make_user, page_url, query, session, Session
from projecthelpers import multipart, tiny_png
from stoaclient import psql

READS = 16  # the test stack has 4 workers; each read may go to any of them


def reads(info, target, **params):
    """The anonymous answers of READS reads, which must all be alike."""
    answers = [listing(info, target, **params) for _ in range(READS)]
    assert all(a == answers[0] for a in answers), "workers answered differently"
    return answers[0]


def bodies(items):
    return [c["body"] for c in items]


def test_new_edited_and_deleted_comments_are_seen_at_once(info):
    url = page_url(info)
    author = session(info)
    first = author.comment(url, "first")
    assert bodies(reads(info, url)["items"]) == ["first"]

    reply = session(info).comment(url, "a reply", parent_id=first["id"])
    items = reads(info, url)["items"]
    assert ids(items[0]["replies"]) == [reply["id"]]

    r = author.call("PATCH", f"{V1}/comments/{first['id']}", json={"body": "first, edited"})
    assert r.status == 200, r
    items = reads(info, url)["items"]
    assert items[0]["body"] == "first, edited" and items[0]["edited_at"]

    r = author.call("DELETE", f"{V1}/comments/{first['id']}")
    assert r.status == 204, r
    items = reads(info, url)["items"]
    assert items[0]["deleted"] is True and items[0]["body"] == "", "kept as a placeholder for its reply"
    assert ids(items[0]["replies"]) == [reply["id"]]


def test_a_page_nobody_commented_on_gets_its_first_comment(info):
    url = page_url(info)
    assert reads(info, url) == {"items": [], "page": 1, "per_page": 20, "total": 0}
    c = session(info).comment(url, "the first word")
    assert ids(reads(info, url)["items"]) == [c["id"]]
    counts = anon(info).get(f"{V1}/counts?{query(url)}").json["items"]
    assert counts[0]["comments"] == 1


def test_moderation_is_seen_at_once(info):
    url = page_url(info)
    c = session(info).comment(url, "borderline")
    mod = session(info, role="moderator")
    assert ids(reads(info, url)["items"]) == [c["id"]]
    r = mod.call("POST", f"{V1}/comments/{c['id']}/hide")
    assert r.status == 204, r
    assert reads(info, url)["items"] == []
    assert anon(info).get(f"{V1}/counts?{query(url)}").json["items"][0]["comments"] == 0


def test_each_sort_and_page_is_kept_apart_and_likes_reorder_top(info):
    url = page_url(info)
    s = session(info)
    older = s.comment(url, "older")
    newer = s.comment(url, "newer")
    assert ids(reads(info, url, sort="oldest")["items"]) == [older["id"], newer["id"]]
    assert ids(reads(info, url, sort="newest")["items"]) == [newer["id"], older["id"]]
    assert ids(reads(info, url, per_page=1, page=2)["items"]) == [newer["id"]]
    assert ids(reads(info, url, per_page=1, page=2, sort="newest")["items"]) == [older["id"]]
    assert ids(reads(info, url, sort="top")["items"]) == [older["id"], newer["id"]]
    session(info).like(("comment", newer["id"]))
    assert ids(reads(info, url, sort="top")["items"]) == [newer["id"], older["id"]]
    assert ids(reads(info, url, sort="oldest")["items"]) == [older["id"], newer["id"]]


def test_an_authors_new_picture_name_and_erasure_are_seen_at_once(info):
    url = page_url(info)
    user = make_user(info)
    s = Session(info, user)
    s.comment(url, "mine")
    assert reads(info, url)["items"][0]["author"] == {"username": user.username, "picture_url": None}

    body, content_type = multipart("file", "me.png", tiny_png(), "image/png")
    r = s.call("PUT", f"{V1}/account/picture", body=body, content_type=content_type)
    assert r.status == 200, r
    author = reads(info, url)["items"][0]["author"]
    assert author["username"] == user.username and author["picture_url"], author

    renamed = f"r{user.username[1:]}"
    psql(info, f"UPDATE users SET username = '{renamed}' WHERE id = {int(user.id)}")
    assert reads(info, url)["items"][0]["author"]["username"] == renamed

    r = s.call("DELETE", f"{V1}/account", json={"password": user.password})
    assert r.status == 204, r
    items = reads(info, url)["items"]
    assert items[0]["author"] is None and items[0]["body"] == "mine"


def test_signed_in_readers_still_see_their_own_waiting_comments(info):
    """The kept answer is for anonymous readers only: one signed in sees
    the thread as it is for them (here: their own comment, hidden for others)."""
    url = page_url(info)
    s = session(info)
    c = s.comment(url, "mine")
    reads(info, url)
    psql(info, f"UPDATE comments SET status = 'pending', approved_at = NULL WHERE id = {int(c['id'])}")
    assert reads(info, url)["items"] == []
    own = listing(info, url, client=s)["items"]
    assert ids(own) == [c["id"]] and own[0]["pending"] is True


def test_stored_counts_follow_every_change(info):
    """comment_count (kept by a trigger) is the count of approved, undeleted
    comments through every kind of change."""
    url = page_url(info)
    s = session(info)
    a = s.comment(url, "a")
    b = s.comment(url, "b")
    s.comment(url, "c", parent_id=a["id"])
    s.call("DELETE", f"{V1}/comments/{b['id']}")
    psql(info, f"UPDATE comments SET status = 'hidden' WHERE id = {int(a['id'])}")
    stored = psql(info, "SELECT t.comment_count, (SELECT count(*) FROM comments c WHERE c.target_id = t.id "
                        "AND c.status = 'approved' AND c.deleted_at IS NULL) FROM community_targets t "
                        f"WHERE t.url = '{url}'")
    assert stored.split("|") == ["1", "1"], stored
    psql(info, f"DELETE FROM comments WHERE id = {int(a['id'])}")  # its reply goes with it
    assert anon(info).get(f"{V1}/counts?{query(url)}").json["items"][0]["comments"] == 0


def counts(info, *urls):
    """The anonymous counts of READS reads of /counts, which must all be alike."""
    path = f"{V1}/counts?" + "&".join(query(u) for u in urls)
    answers = []
    for _ in range(READS):
        r = anon(info).get(path)
        assert r.status == 200, f"GET {path}: {r}"
        answers.append([(i["likes"], i["comments"]) for i in r.json["items"]])
    assert all(a == answers[0] for a in answers), "workers answered differently"
    return answers[0]


def test_counts_follow_likes_comments_and_moderation_at_once(info):
    """/counts is kept per query string while counts_version is unchanged:
    every like, comment, deletion and moderation is counted by the next read."""
    a, b = page_url(info), page_url(info)
    assert counts(info, a, b) == [(0, 0), (0, 0)]
    s = session(info)
    like = s.like(a)
    assert counts(info, a, b) == [(1, 0), (0, 0)]
    c = s.comment(b, "counted")
    assert counts(info, a, b) == [(1, 0), (0, 1)]
    mod = session(info, role="moderator")
    assert mod.call("POST", f"{V1}/comments/{c['id']}/hide").status == 204
    assert counts(info, a, b) == [(1, 0), (0, 0)]
    assert s.call("DELETE", f"{V1}/likes/{like['id']}").status == 204
    assert counts(info, a, b) == [(0, 0), (0, 0)]
    # The same pages asked in another order are another query, as right.
    assert counts(info, b, a) == [(0, 0), (0, 0)]


def test_counts_still_refuse_bad_queries_after_good_ones(info):
    a = page_url(info)
    assert counts(info, a) == [(0, 0)]
    r = anon(info).get(f"{V1}/counts?{query(a)}&url=https%3A%2F%2Fevil.example%2F")
    assert r.status == 422, r
    r = anon(info).get(f"{V1}/counts?{query(a)}&url=not%20a%20url")
    assert r.status == 422, r
