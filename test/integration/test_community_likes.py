"""Likes and counts (API.md "Likes and comments"; issue 8 "Targets",
"Likes"): one like per user and target, counts with liked_by_me and
my_like_id, counts of many pages at once, and the target rules: exactly one
of url / entity, only this site's origins, one spelling per page."""
import concurrent.futures
import urllib.parse

from communityhelpers import V1, anon, page_url, query, session
from stoaclient import assert_problem, psql


def count(info, target, s=None):
    path = f"{V1}/likes/count?{query(target)}"
    r = s.get(path) if s else anon(info).get(path)
    assert r.status == 200, f"GET {path}: {r}"
    assert set(r.json) == {"count", "liked_by_me", "my_like_id"}, r.json
    return r.json


def field_codes(resp):
    return {(e["field"], e["code"]) for e in resp.json.get("errors", [])}


# --- likes -----------------------------------------------------------------------

def test_like_count_and_unlike(info):
    url = page_url(info)
    alice, bob = session(info), session(info)
    assert count(info, url) == {"count": 0, "liked_by_me": False, "my_like_id": None}
    like = alice.like(url)
    assert set(like) == {"id"}, like
    bob.like(url)
    assert count(info, url) == {"count": 2, "liked_by_me": False, "my_like_id": None}, "anonymous view"
    assert count(info, url, alice) == {"count": 2, "liked_by_me": True, "my_like_id": like["id"]}
    r = alice.call("DELETE", f"{V1}/likes/{like['id']}")
    assert r.status == 204, r
    assert count(info, url, alice) == {"count": 1, "liked_by_me": False, "my_like_id": None}


def test_second_like_is_409(info):
    url = page_url(info)
    s = session(info)
    s.like(url)
    r = s.post(f"{V1}/likes", json={"url": url + "#another-fragment"})
    assert_problem(r, 409, "conflict")
    assert count(info, url)["count"] == 1


def test_concurrent_likes_of_one_user_count_once(info):
    url = page_url(info)
    s = session(info)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: s.post(f"{V1}/likes", json={"url": url}).status, range(8)))
    assert statuses.count(201) == 1 and statuses.count(409) == 7, statuses
    assert count(info, url)["count"] == 1
    assert psql(info, "SELECT count(*) FROM likes l JOIN community_targets t ON t.id = l.target_id "
                      f"WHERE t.url = '{url}'") == "1"


def test_only_the_owner_deletes_a_like(info):
    url = page_url(info)
    owner, other = session(info), session(info)
    like = owner.like(url)
    assert_problem(other.call("DELETE", f"{V1}/likes/{like['id']}"), 404, "not_found")
    assert_problem(anon(info).request("DELETE", f"{V1}/likes/{like['id']}"), 401, "unauthorized")
    assert count(info, url)["count"] == 1
    assert owner.call("DELETE", f"{V1}/likes/{like['id']}").status == 204
    assert_problem(owner.call("DELETE", f"{V1}/likes/{like['id']}"), 404, "not_found")


def test_liking_needs_role_user(info):
    url = page_url(info)
    guest = session(info, role="guest", verified=False)
    assert_problem(guest.post(f"{V1}/likes", json={"url": url}), 403, "forbidden")
    assert_problem(anon(info).post(f"{V1}/likes", json={"url": url}), 401, "unauthorized")


def test_likes_on_comments_and_projects(info):
    url = page_url(info)
    s = session(info)
    c = s.comment(url, "like me")
    s.like(("comment", c["id"]))
    other = session(info)
    other.like(("comment", str(c["id"])))  # ids may come back as strings
    assert count(info, ("comment", c["id"]))["count"] == 2
    assert count(info, url)["count"] == 0, "a comment's likes are not its page's"
    assert_problem(s.post(f"{V1}/likes", json={"entity_type": "comment", "entity_id": 999999999}), 404, "not_found")
    # An unknown project id is 404 (test_projects_crud.py covers drafts).
    assert_problem(s.post(f"{V1}/likes", json={"entity_type": "project", "entity_id": 999999999}), 404, "not_found")
    assert_problem(anon(info).get(f"{V1}/likes/count?entity_type=project&entity_id=999999999"), 404, "not_found")


def test_deleted_comment_cannot_be_liked(info):
    s = session(info)
    c = s.comment(page_url(info))
    assert s.call("DELETE", f"{V1}/comments/{c['id']}").status == 204
    assert_problem(s.post(f"{V1}/likes", json={"entity_type": "comment", "entity_id": c["id"]}), 404, "not_found")


# --- targets -----------------------------------------------------------------------

def test_exactly_one_target(info):
    s = session(info)
    url = page_url(info)
    cases = [
        ({}, ("url", "required")),
        ({"url": url, "entity_type": "comment", "entity_id": 1}, ("url", "exclusive")),
        ({"entity_type": "comment"}, ("entity_id", "required")),
        ({"entity_id": 1}, ("entity_type", "required")),
        ({"entity_type": "user", "entity_id": 1}, ("entity_type", "invalid")),
        ({"entity_type": "comment", "entity_id": 0}, ("entity_id", "invalid")),
        ({"entity_type": "comment", "entity_id": "abc"}, ("entity_id", "invalid")),
    ]
    for body, expected in cases:
        r = s.post(f"{V1}/likes", json=body)
        assert_problem(r, 422, "validation_failed")
        assert expected in field_codes(r), f"{body}: {r.json}"
    r = anon(info).get(f"{V1}/likes/count?url={urllib.parse.quote(url)}&entity_type=comment&entity_id=1")
    assert_problem(r, 422, "validation_failed")
    assert_problem(anon(info).get(f"{V1}/likes/count"), 422, "validation_failed")


def test_foreign_origins_refused(info):
    s = session(info)
    base = urllib.parse.urlsplit(info["https_url"])
    foreign = [
        "https://evil.example/post",
        f"http://{base.hostname}:{base.port}/post",          # another scheme is another origin
        f"https://{base.hostname}:{base.port + 1}/post",      # another port too
        f"https://{base.hostname}/post",                      # and the default port
        f"https://{base.hostname}.evil.example:{base.port}/post",
    ]
    for url in foreign:
        r = s.post(f"{V1}/likes", json={"url": url})
        assert_problem(r, 422, "validation_failed")
        assert ("url", "foreign_origin") in field_codes(r), f"{url}: {r.json}"
    malformed = ["/relative/path", "javascript:alert(1)", "ftp://x/", f"https://user:pw@{base.netloc}/x",
                 info["https_url"] + "/a b", info["https_url"] + "/" + "a" * 2100, "https://exämple.org/"]
    for url in malformed:
        r = s.post(f"{V1}/likes", json={"url": url})
        assert_problem(r, 422, "validation_failed")
        assert ("url", "invalid") in field_codes(r), f"{url}: {r.json}"


def test_one_page_one_spelling(info):
    """Scheme and host lower-cased, fragment dropped, query kept as given:
    every spelling below is the same page. (A dropped default port is tested
    in test_community_moderation.py on a stack whose site origin has one.)"""
    base = urllib.parse.urlsplit(info["https_url"])
    path = page_url(info).split(base.netloc, 1)[1]
    spellings = [
        f"https://{base.netloc}{path}",
        f"HTTPS://{base.netloc}{path}#comments",
        f"hTtPs://{base.netloc.upper()}{path}#",
        f"https://{base.netloc}{path}#x?y",
    ]
    likers = [session(info) for _ in spellings]
    for s, url in zip(likers, spellings):
        s.like(url)
    for url in spellings:
        assert count(info, url)["count"] == len(spellings), url
    stored = psql(info, f"SELECT url FROM community_targets WHERE url LIKE '%{path}%'").splitlines()
    assert stored == [f"https://{base.netloc}{path}"], stored
    # The query is part of the page, kept as given; the path's case too.
    assert count(info, f"https://{base.netloc}{path}?b=2&a=1")["count"] == 0
    assert count(info, f"https://{base.netloc}{path.upper()}")["count"] == 0


# --- counts of many pages ---------------------------------------------------------------

def test_counts_for_many_pages_in_one_call(info):
    urls = [page_url(info) for _ in range(5)]
    a, b = session(info), session(info)
    a.like(urls[0])
    b.like(urls[0])
    a.like(urls[2])
    a.comment(urls[2], "one")
    c = b.comment(urls[2], "two")
    b.comment(urls[3], "reply?", expect=201)
    b.call("DELETE", f"{V1}/comments/{c['id']}")  # deleted: not counted
    asked = urls + [urls[0] + "#frag"]
    qs = "&".join("url=" + urllib.parse.quote(u, safe="") for u in asked)
    r = anon(info).get(f"{V1}/counts?{qs}")
    assert r.status == 200, r
    items = r.json["items"]
    assert [i["url"] for i in items] == asked, "answers come in the order asked, with the URL as given"
    assert [(i["likes"], i["comments"]) for i in items] == [(2, 0), (0, 0), (1, 1), (0, 1), (0, 0), (2, 0)], items
    assert "public" in r.header("cache-control"), r.header("cache-control")


def test_counts_limits_and_errors(info):
    url = page_url(info)
    fifty = "&".join(f"url={urllib.parse.quote(url + str(i), safe='')}" for i in range(50))
    assert anon(info).get(f"{V1}/counts?{fifty}").status == 200
    r = anon(info).get(f"{V1}/counts?{fifty}&url={urllib.parse.quote(url, safe='')}")
    assert_problem(r, 422, "validation_failed")
    assert_problem(anon(info).get(f"{V1}/counts"), 422, "validation_failed")
    r = anon(info).get(f"{V1}/counts?url={urllib.parse.quote(url, safe='')}&url=https%3A%2F%2Fevil.example%2F")
    body = assert_problem(r, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["url[1]"], body
