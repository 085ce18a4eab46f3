"""Gallery pages kept by the workers (db/answer_cache.h, migrations/
010_gallery_version): every committed change a page of published projects
shows is seen by the very next read, on whichever worker serves it. Each
test reads a page many times (so that every worker of the stack keeps it),
changes something one way, and reads it many times again."""
import secrets
import urllib.parse

from communityhelpers import Session, V1, anon, make_user, session
from projecthelpers import PROJECTS, new_project, published_project, tiny_png, upload
from stoaclient import psql

READS = 16  # the test stack has 4 workers; each read may go to any of them


def reads(info, client=None, **params):
    """The answers of READS reads of the gallery, which must all be alike."""
    path = f"{PROJECTS}?{urllib.parse.urlencode(params)}"
    answers = []
    for _ in range(READS):
        r = (client or anon(info)).get(path)
        assert r.status == 200, f"GET {path}: {r}"
        answers.append(r.json)
    assert all(a == answers[0] for a in answers), "workers answered differently"
    return answers[0]


def only(info, tag, **params):
    """The one project of the page filtered by `tag`."""
    page = reads(info, tag=tag, **params)
    assert page["total"] == 1 and len(page["items"]) == 1, page
    return page["items"][0]


def new_tag():
    return f"g{secrets.token_hex(5)}"


def test_publish_edit_unpublish_and_delete_are_seen_at_once(info):
    owner = session(info)
    tag = new_tag()
    p = new_project(owner, tags=[tag])
    assert reads(info, tag=tag)["total"] == 0
    assert owner.post(f"{PROJECTS}/{p['id']}/publish").status == 200
    assert only(info, tag)["id"] == p["id"]

    r = owner.call("PUT", f"{PROJECTS}/{p['id']}", json={"title": "Renamed build"})
    assert r.status == 200, r
    assert only(info, tag)["title"] == "Renamed build"

    assert owner.post(f"{PROJECTS}/{p['id']}/unpublish").status == 200
    assert reads(info, tag=tag)["total"] == 0
    assert owner.post(f"{PROJECTS}/{p['id']}/publish").status == 200
    assert only(info, tag)["id"] == p["id"]
    assert owner.call("DELETE", f"{PROJECTS}/{p['id']}").status == 204
    assert reads(info, tag=tag)["total"] == 0


def test_likes_downloads_and_the_primary_image_are_seen_at_once(info):
    owner = session(info)
    tag = new_tag()
    p = published_project(owner, tags=[tag])
    seen = only(info, tag)
    assert (seen["like_count"], seen["download_count"], seen["primary_image_url"]) == (0, 0, None)
    only(info, tag, sort="popular")

    session(info).like(("project", p["id"]))
    assert only(info, tag)["like_count"] == 1
    assert only(info, tag, sort="popular")["like_count"] == 1

    assert anon(info).get(f"{PROJECTS}/{p['id']}/download").status == 200
    assert only(info, tag)["download_count"] == 1

    image = upload(owner, p["id"], "images", "cover.png", tiny_png(), content_type="image/png").json
    assert image["primary"] is True, "a project's first image is its primary one"
    assert only(info, tag)["primary_image_url"] == f"{PROJECTS}/{p['id']}/images/{image['id']}"
    assert owner.call("DELETE", f"{PROJECTS}/{p['id']}/images/{image['id']}").status == 204
    assert only(info, tag)["primary_image_url"] is None


def test_an_authors_new_name_and_erasure_are_seen_at_once(info):
    user = make_user(info)
    owner = Session(info, user)
    tag = new_tag()
    published_project(owner, tags=[tag])
    assert only(info, tag)["author"]["username"] == user.username
    assert reads(info, author=user.username)["total"] == 1
    renamed = f"r{user.username[1:]}"
    psql(info, f"UPDATE users SET username = '{renamed}' WHERE id = {int(user.id)}")
    assert only(info, tag)["author"]["username"] == renamed
    assert reads(info, author=user.username)["total"] == 0, "the old name is nobody's now"
    assert reads(info, author=renamed.upper())["total"] == 1
    r = owner.call("DELETE", f"{V1}/account", json={"password": user.password})
    assert r.status == 204, r
    assert reads(info, tag=tag)["total"] == 0, "an erased account's projects go with it"


def test_signed_in_readers_get_the_same_pages_and_drafts_stay_their_own(info):
    owner = session(info)
    tag = new_tag()
    published = published_project(owner, tags=[tag])
    draft = new_project(owner, tags=[tag])
    assert reads(info, client=owner, tag=tag) == reads(info, tag=tag)
    mine = reads(info, client=owner, tag=tag, status="draft")
    assert [p["id"] for p in mine["items"]] == [draft["id"]]
    assert reads(info, client=session(info), tag=tag, status="draft")["items"] == []
    assert only(info, tag)["id"] == published["id"]


def test_no_filter_text_can_pass_for_another_requests_page(info):
    """Filters of different requests never share a kept page, however their
    texts are made (each goes into the key with its length)."""
    owner = session(info)
    word = f"w{secrets.token_hex(4)}"
    tag = new_tag()
    p = published_project(owner, tags=[tag], title=f"Findable {word} 0 {word}")
    # Joined with newlines and nothing else, these two would make one key.
    finds = {"tag": tag, "q": f"{word}\n0\n{word}"}
    finds_nothing = {"tag": f"{tag}\n0\n{word}", "q": word}
    assert [x["id"] for x in reads(info, **finds)["items"]] == [p["id"]]
    assert reads(info, **finds_nothing)["total"] == 0
    assert [x["id"] for x in reads(info, **finds)["items"]] == [p["id"]]
