"""The gallery's "My drafts": a signed-in author switches the gallery to
their drafts (status=draft in the address, kept with search and sort and
across a reload), sees only their own, with a link to the editor; an admin's
"All drafts" lists everybody's; a visitor is asked to sign in."""
import random
import string

from selenium.webdriver.support.ui import Select

from browserhelpers import sign_in
from communityhelpers import Session, make_user

V1 = "/api/v1"


def gallery_ids(b):
    return b.driver.execute_script(
        "return [...document.querySelectorAll('#gallery > li[data-project]')].map((li) => li.dataset.project)")


def test_my_drafts_in_the_gallery(info, browser):
    word = "".join(random.choice(string.ascii_lowercase) for _ in range(10))
    author, other, admin = make_user(info), make_user(info), make_user(info, role="admin")
    mine = Session(info, author)
    ids = {}
    for key, who in (("draft", mine), ("draft2", mine), ("published", mine), ("others", Session(info, other))):
        r = who.post(f"{V1}/projects", json={"title": f"{key} project {word}", "tags": [word]})
        assert r.status == 201, r
        ids[key] = str(r.json["id"])
    r = mine.post(f"{V1}/projects/{ids['published']}/publish")
    assert r.status == 200, r

    # A visitor: no status choice; a drafts address asks to sign in.
    b = browser()
    b.open(f"/stoa/projects.html?tag={word}")
    b.ready()
    b.wait_for_text("#gallery-status", "1 projects")
    assert gallery_ids(b) == [ids["published"]]
    assert b.find("#status-field").get_attribute("hidden") is not None
    b.open(f"/stoa/projects.html?status=draft&tag={word}")
    b.ready()
    b.wait_for_text("#gallery-status", "Sign in to see your drafts")
    assert gallery_ids(b) == []
    b.check("gallery-drafts-visitor")

    # The author: published by default, then "My drafts" (only their own, newest change first).
    sign_in(b, author.username, author.password, then=f"/stoa/projects.html?tag={word}")
    b.wait_for_text("#gallery-status", "1 projects")
    assert gallery_ids(b) == [ids["published"]]
    Select(b.find("#status")).select_by_visible_text("My drafts")
    b.click("#gallery-search")
    b.wait_for_text("#gallery-status", "2 drafts")
    assert "status=draft" in b.path() and f"tag={word}" in b.path(), b.path()
    assert gallery_ids(b) == [ids["draft2"], ids["draft"]]
    card = f"#gallery li[data-project='{ids['draft']}']"
    assert "Draft" in b.find(f"{card} .stoa-badge").text
    assert b.find(f"{card} .stoa-draft-edit").get_attribute("href").endswith(f"/stoa/project-edit.html?id={ids['draft']}")
    b.check("gallery-my-drafts")

    # Search and sort combine with it; a reload keeps the view (it is in the address).
    b.fill("#q", "draft2")
    Select(b.find("#sort")).select_by_value("popular")
    b.click("#gallery-search")
    b.wait_for_text("#gallery-status", "1 drafts")
    assert gallery_ids(b) == [ids["draft2"]]
    assert "sort=popular" in b.path() and "status=draft" in b.path(), b.path()
    b.driver.refresh()
    b.ready()
    b.wait_for_text("#gallery-status", "1 drafts")
    assert b.find("#status").get_attribute("value") == "draft"
    assert b.find("#q").get_attribute("value") == "draft2"
    # Back in history: the published view again.
    b.driver.back()
    b.wait_for_text("#gallery-status", "2 drafts")
    b.driver.back()
    b.wait_for_text("#gallery-status", "1 projects")
    assert b.find("#status").get_attribute("value") == ""

    # The editor link opens the draft.
    b.open(f"/stoa/projects.html?status=draft&tag={word}")
    b.ready()
    b.wait_for(f"{card} .stoa-draft-edit")
    b.click(f"{card} .stoa-draft-edit")
    b.wait_for_path(f"/stoa/project-edit.html?id={ids['draft']}")
    b.wait_for_text("#project-status-text", "Draft")

    # An admin: "All drafts" lists every author's.
    a = browser()
    sign_in(a, admin.username, admin.password, then=f"/stoa/projects.html?tag={word}")
    assert a.find("#status-draft").get_attribute("textContent") == "All drafts"
    Select(a.find("#status")).select_by_value("draft")
    a.click("#gallery-search")
    a.wait_for_text("#gallery-status", "3 drafts")
    assert sorted(gallery_ids(a)) == sorted([ids["draft"], ids["draft2"], ids["others"]])
    a.check("gallery-all-drafts")
