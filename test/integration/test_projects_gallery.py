"""GET /api/v1/projects: filters (tag, author, status, q), sorts (newest,
popular, downloads), pagination, and others' drafts never listed."""
import secrets

import pytest

from communityhelpers import V1, anon, session
from projecthelpers import PROJECTS, new_project, published_project
from stoaclient import assert_problem, psql


@pytest.fixture
def owner(info):
    return session(info)


def listing(client, **params):
    from urllib.parse import urlencode
    r = client.get(f"{PROJECTS}?{urlencode(params)}")
    assert r.status == 200, r
    assert set(r.json) == {"items", "page", "per_page", "total"}
    return r.json


def test_tag_author_and_pagination(info, owner):
    tag = f"t{secrets.token_hex(5)}"
    ids = [published_project(owner, tags=[tag])["id"] for _ in range(3)]
    new_project(owner, tags=[tag])  # a draft: never in the public gallery
    page = listing(anon(info), tag=tag, per_page=2)
    assert page["total"] == 3 and [p["id"] for p in page["items"]] == ids[::-1][:2]
    page2 = listing(anon(info), tag=tag.upper(), per_page=2, page=2)
    assert [p["id"] for p in page2["items"]] == [ids[0]]
    by_author = listing(anon(info), author=owner.user.username)
    assert {p["id"] for p in by_author["items"]} == set(ids)
    assert listing(anon(info), author="no-such-user-" + tag)["total"] == 0
    assert_problem(anon(info).get(f"{PROJECTS}?per_page=101"), 400, "bad_request")


def test_the_first_page_at_the_default_size_is_the_first_of_any_paging(info, owner):
    """The first page at the default size has a statement of its own (LIMIT
    written out): it must list what paging at other sizes lists."""
    tag = f"f{secrets.token_hex(5)}"
    for _ in range(22):
        published_project(owner, tags=[tag])
    for sort in ("newest", "popular", "downloads"):
        first = listing(anon(info), tag=tag, sort=sort)
        assert first["per_page"] == 20 and first["total"] == 22 and len(first["items"]) == 20
        assert listing(anon(info), tag=tag, sort=sort, per_page=20, page=1) == first
        paged = []
        for page in (1, 2, 3, 4):
            paged += [p["id"] for p in listing(anon(info), tag=tag, sort=sort, per_page=7, page=page)["items"]]
        assert len(paged) == 22 and len(set(paged)) == 22
        assert [p["id"] for p in first["items"]] == paged[:20], sort


def test_drafts_only_for_their_author_or_admin(info, owner):
    tag = f"d{secrets.token_hex(5)}"
    d = new_project(owner, tags=[tag])
    assert [p["id"] for p in listing(owner, status="draft", tag=tag)["items"]] == [d["id"]]
    other = session(info)
    assert listing(other, status="draft", tag=tag)["total"] == 0
    assert listing(anon(info), status="draft", tag=tag)["total"] == 0
    admin = session(info, role="admin")
    assert listing(admin, status="draft", tag=tag)["total"] == 1
    assert_problem(anon(info).get(f"{PROJECTS}?status=deleted"), 422, "validation_failed")
    assert_problem(anon(info).get(f"{PROJECTS}?sort=oldest"), 422, "validation_failed")


def test_full_text_search_over_title_description_and_tags(info, owner):
    word = f"zyx{secrets.token_hex(4)}"
    a = published_project(owner, title=f"Robot {word}", description="wheels")
    b = published_project(owner, title="Lamp", description=f"uses the {word} driver")
    c = published_project(owner, title="Clock", tags=[word])
    found = listing(anon(info), q=word)
    assert [p["id"] for p in found["items"]][0] == a["id"], "a title match ranks first"
    assert {p["id"] for p in found["items"]} == {a["id"], b["id"], c["id"]}
    assert listing(anon(info), q=f"{word} -robot")["total"] == 2


def test_popular_and_downloads_sorts(info, owner):
    tag = f"s{secrets.token_hex(5)}"
    p1, p2 = published_project(owner, tags=[tag]), published_project(owner, tags=[tag])
    fan = session(info)
    assert fan.post(f"{V1}/likes", json={"entity_type": "project", "entity_id": p1["id"]}).status == 201
    assert [p["id"] for p in listing(anon(info), tag=tag, sort="popular")["items"]] == [p1["id"], p2["id"]]
    assert anon(info).get(f"{PROJECTS}/{p2['id']}/download").status == 200
    assert [p["id"] for p in listing(anon(info), tag=tag, sort="downloads")["items"]] == [p2["id"], p1["id"]]
    assert [p["id"] for p in listing(anon(info), tag=tag, sort="newest")["items"]] == [p2["id"], p1["id"]]


def test_the_unfiltered_total_follows_every_change_of_status(info):
    """The unfiltered gallery's total is a counter kept by triggers; it must
    equal a real count after creating, publishing, unpublishing and deleting
    (compared in one statement, so other tests' writes cannot interleave)."""
    def consistent():
        return psql(info, "SELECT (SELECT n FROM project_counts WHERE status = 'published') = "
                          "(SELECT count(*) FROM projects WHERE status = 'published') AND "
                          "(SELECT n FROM project_counts WHERE status = 'draft') = "
                          "(SELECT count(*) FROM projects WHERE status = 'draft')")

    owner = session(info)
    a, b = new_project(owner), published_project(owner)
    assert consistent() == "t"
    assert owner.post(f"{PROJECTS}/{a['id']}/publish").status == 200
    assert owner.post(f"{PROJECTS}/{b['id']}/unpublish").status == 200
    assert consistent() == "t"
    assert owner.call("DELETE", f"{PROJECTS}/{a['id']}").status == 204
    assert owner.call("DELETE", f"{PROJECTS}/{b['id']}").status == 204
    assert consistent() == "t"


def test_projects_are_written_as_compact_json_with_every_text_escaped(info, owner):
    """The project object is written as text straight from its row: the same
    compact JSON a JSON library writes, whatever the text holds."""
    import json
    tricky = 'quote " backslash \\ slash / tab \t newline \n \u00e9\u4e2d\U0001F600 </script>'
    tag = f"t{secrets.token_hex(4)}"
    p = published_project(owner, title="Tricky \" \\ title", description=tricky, background=tricky,
                          source_url="https://example.org/a?b=\"c\"&d=\\",
                          tags=[tag, 'q"uote', "back\\slash", "\u00e9t\u00e9"])
    for client, path in ((anon(info), f"{PROJECTS}/{p['id']}"), (anon(info), f"{PROJECTS}?tag={tag}")):
        r = client.get(path)
        assert r.status == 200, r
        answer = json.loads(r.body)
        project = answer if "items" not in answer else answer["items"][0]
        assert project["description"] == tricky and project["background"] == tricky
        assert project["title"] == "Tricky \" \\ title"
        assert project["source_url"] == "https://example.org/a?b=\"c\"&d=\\"
        assert project["tags"] == [tag, 'q"uote', "back\\slash", "\u00e9t\u00e9"]
        assert r.body == json.dumps(answer, separators=(",", ":"), ensure_ascii=False).encode(), \
            "compact, keys in order, only what must be escaped escaped"
