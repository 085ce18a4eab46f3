"""Projects through nginx: create/read/update/delete, publish and
unpublish, visibility of drafts, ownership of writes, every text part
(steps with reorder, BOM items, links, tools, project components), shared
components with search, quotas, likes and comments on projects, the
profile's project_count and the account export."""
import pytest

from communityhelpers import V1, anon, session
from projecthelpers import PROJECTS, new_project, published_project, quota
from stoaclient import assert_problem, psql

PROJECT_FIELDS = {"id", "title", "description", "background", "source_url", "tags", "status", "author",
                  "created_at", "updated_at", "published_at", "download_count", "like_count", "primary_image_url"}


@pytest.fixture
def owner(info):
    return session(info)


@pytest.fixture
def other(info):
    return session(info)


def test_create_answers_every_field_of_a_draft(owner):
    p = new_project(owner, tags=["ESP32", " sensors ", "esp32"], background="Why.", source_url="https://example.org/x")
    assert PROJECT_FIELDS <= set(p), p
    assert p["status"] == "draft" and p["published_at"] is None
    assert p["tags"] == ["esp32", "sensors"], "tags are trimmed, lower-cased and deduplicated"
    assert p["author"]["username"] == owner.user.username
    assert p["download_count"] == 0 and p["like_count"] == 0 and p["primary_image_url"] is None
    assert p["created_at"].endswith("Z")


def test_create_validation_lists_every_broken_rule(owner):
    r = owner.post(PROJECTS, json={"title": "", "source_url": "javascript:alert(1)", "tags": ["x" * 33] + ["a"] * 3,
                                   "status": "secret"})
    body = assert_problem(r, 422, "validation_failed")
    fields = {e["field"] for e in body["errors"]}
    assert {"title", "source_url", "tags", "status"} <= fields, body
    r = owner.post(PROJECTS, json={"title": "t", "tags": [f"t{i}" for i in range(11)]})
    assert_problem(r, 422, "validation_failed")
    r = owner.post(PROJECTS, json={"title": 5})
    assert_problem(r, 400, "bad_request")


def test_writes_need_authentication_and_posting_role(info, owner):
    assert_problem(anon(info).post(PROJECTS, json={"title": "x"}), 401, "unauthorized")
    guest = session(info, role="guest")
    assert_problem(guest.post(PROJECTS, json={"title": "x"}), 403, "forbidden")


def test_draft_is_hidden_from_others_and_anonymous(info, owner, other):
    p = new_project(owner)
    path = f"{PROJECTS}/{p['id']}"
    assert owner.get(path).status == 200
    assert_problem(other.get(path), 404, "not_found")
    assert_problem(anon(info).get(path), 404, "not_found")
    for sub in ("steps", "bom", "links", "tools", "components", "files", "images", "download"):
        assert_problem(other.get(f"{path}/{sub}"), 404, "not_found")
    # Writing to a draft one cannot see: 404 as well (existence is not revealed).
    assert_problem(other.call("PUT", path, json={"title": "mine"}), 404, "not_found")
    admin = session(info, role="admin")
    assert admin.get(path).status == 200


def test_published_project_is_public_but_only_author_or_admin_writes(info, owner, other):
    p = published_project(owner)
    path = f"{PROJECTS}/{p['id']}"
    assert anon(info).get(path).status == 200
    assert_problem(other.call("PUT", path, json={"title": "taken"}), 403, "forbidden")
    assert_problem(other.call("DELETE", path), 403, "forbidden")
    assert_problem(other.post(f"{path}/steps", json={"title": "s"}), 403, "forbidden")
    assert_problem(other.post(f"{path}/unpublish"), 403, "forbidden")
    assert_problem(anon(info).request("PUT", path, json={"title": "x"}), 401, "unauthorized")
    admin = session(info, role="admin")
    r = admin.call("PUT", path, json={"title": "Edited by admin"})
    assert r.status == 200 and r.json["title"] == "Edited by admin", r


def test_publish_sets_published_at_and_unpublish_keeps_it(owner):
    p = new_project(owner)
    r = owner.post(f"{PROJECTS}/{p['id']}/publish")
    assert r.status == 200 and r.json["status"] == "published" and r.json["published_at"], r
    first = r.json["published_at"]
    r = owner.post(f"{PROJECTS}/{p['id']}/unpublish")
    assert r.status == 200 and r.json["status"] == "draft" and r.json["published_at"] == first, r
    r = owner.post(f"{PROJECTS}/{p['id']}/publish")
    assert r.json["published_at"] == first, "republishing keeps the first publication time"


def test_update_changes_given_fields_only_and_clears_with_empty_string(owner):
    p = new_project(owner, background="keep me", source_url="https://example.org/a", tags=["a"])
    r = owner.call("PUT", f"{PROJECTS}/{p['id']}", json={"title": "New title", "source_url": ""})
    assert r.status == 200, r
    assert r.json["title"] == "New title" and r.json["background"] == "keep me" and r.json["tags"] == ["a"]
    assert r.json["source_url"] is None


def test_delete_removes_the_project_and_its_parts(info, owner):
    p = new_project(owner)
    path = f"{PROJECTS}/{p['id']}"
    owner.post(f"{path}/steps", json={"title": "s"})
    owner.post(f"{path}/bom", json={"name": "r", "quantity": 1})
    assert owner.call("DELETE", path).status == 204
    assert_problem(owner.get(path), 404, "not_found")
    left = psql(info, f"SELECT (SELECT count(*) FROM project_steps WHERE project_id = {int(p['id'])}) + "
                      f"(SELECT count(*) FROM bom_items WHERE project_id = {int(p['id'])})")
    assert left == "0"


def test_steps_crud_positions_and_reorder(owner):
    p = new_project(owner)
    base = f"{PROJECTS}/{p['id']}/steps"
    ids = []
    for i in range(4):
        r = owner.post(base, json={"title": f"Step {i}", "body": f"**do** {i}"})
        assert r.status == 201 and r.json["position"] == i + 1, r
        ids.append(r.json["id"])
    r = owner.call("PUT", f"{base}/{ids[1]}", json={"body": "changed"})
    assert r.status == 200 and r.json["body"] == "changed" and r.json["title"] == "Step 1", r
    order = [ids[3], ids[0], ids[2], ids[1]]
    r = owner.call("PUT", f"{base}/reorder", json={"order": order})
    assert r.status == 200, r
    assert [s["id"] for s in r.json["items"]] == order
    assert [s["id"] for s in owner.get(base).json["items"]] == order
    for bad in ([ids[0], ids[1], ids[2]], order + [ids[0]], [ids[0], ids[0], ids[1], ids[2]], [1, 2, 3, 4]):
        assert_problem(owner.call("PUT", f"{base}/reorder", json={"order": bad}), 422, "validation_failed")
    assert_problem(owner.call("PUT", f"{base}/reorder", json={"order": "x"}), 400, "bad_request")
    assert owner.call("DELETE", f"{base}/{ids[0]}").status == 204
    items = owner.get(base).json["items"]
    assert [s["position"] for s in items] == [1, 2, 3] and [s["id"] for s in items] == [ids[3], ids[2], ids[1]]


def test_parts_of_another_project_answer_404(owner):
    a, b = new_project(owner), new_project(owner)
    step = owner.post(f"{PROJECTS}/{a['id']}/steps", json={"title": "s"}).json
    item = owner.post(f"{PROJECTS}/{a['id']}/bom", json={"name": "n", "quantity": 2}).json
    link = owner.post(f"{PROJECTS}/{a['id']}/links", json={"kind": "video", "title": "t", "url": "https://v.example/x"}).json
    tool = owner.post(f"{PROJECTS}/{a['id']}/tools", json={"name": "Soldering iron", "kind": "tool"}).json
    wrong = f"{PROJECTS}/{b['id']}"
    for path, body in ((f"steps/{step['id']}", {"title": "x"}), (f"bom/{item['id']}", {"name": "x"}),
                       (f"links/{link['id']}", {"title": "x"}), (f"tools/{tool['id']}", {"name": "x"})):
        assert_problem(owner.call("PUT", f"{wrong}/{path}", json=body), 404, "not_found")
        assert_problem(owner.call("DELETE", f"{wrong}/{path}"), 404, "not_found")
    assert_problem(owner.call("DELETE", f"{PROJECTS}/999999999/steps/{step['id']}"), 404, "not_found")


def test_bom_items_validate_and_round_trip(owner):
    p = new_project(owner)
    base = f"{PROJECTS}/{p['id']}/bom"
    r = owner.post(base, json={"name": "Resistor 10k", "quantity": 20, "unit": "pcs", "part_number": "RC0603",
                               "supplier_url": "https://shop.example/r", "unit_price": "0.0125", "currency": "eur",
                               "notes": "1%"})
    assert r.status == 201, r
    item = r.json
    assert item["unit_price"] == "0.0125" and item["currency"] == "EUR" and item["quantity"] == 20
    r = owner.post(base, json={"name": "", "quantity": 0, "supplier_url": "ftp://x", "unit_price": "1,5",
                               "currency": "EURO"})
    body = assert_problem(r, 422, "validation_failed")
    assert {"name", "quantity", "supplier_url", "unit_price", "currency"} <= {e["field"] for e in body["errors"]}
    assert_problem(owner.post(base, json={"name": "x", "quantity": 100001}), 422, "validation_failed")
    r = owner.call("PUT", f"{base}/{item['id']}", json={"quantity": 5, "notes": ""})
    assert r.status == 200 and r.json["quantity"] == 5 and r.json["notes"] is None and r.json["unit"] == "pcs", r
    assert owner.call("DELETE", f"{base}/{item['id']}").status == 204
    assert owner.get(base).json["items"] == []


def test_links_and_tools(owner):
    p = new_project(owner)
    links = f"{PROJECTS}/{p['id']}/links"
    for kind in ("video", "course", "article", "code", "documentation", "other"):
        assert owner.post(links, json={"kind": kind, "title": kind, "url": f"https://e.example/{kind}"}).status == 201
    assert [x["kind"] for x in owner.get(links).json["items"]][:2] == ["video", "course"]
    for bad in ({"kind": "podcast", "title": "t", "url": "https://e.example"},
                {"kind": "video", "title": "t", "url": "javascript:alert(1)"},
                {"kind": "video", "title": "t", "url": "data:text/html,x"},
                {"kind": "video", "title": "", "url": "https://e.example"}):
        assert_problem(owner.post(links, json=bad), 422, "validation_failed")
    tools = f"{PROJECTS}/{p['id']}/tools"
    t = owner.post(tools, json={"name": "PLA filament", "kind": "material", "notes": "1 kg"}).json
    assert t["kind"] == "material" and t["notes"] == "1 kg"
    assert_problem(owner.post(tools, json={"name": "x", "kind": "weapon"}), 422, "validation_failed")
    r = owner.call("PUT", f"{tools}/{t['id']}", json={"kind": "tool"})
    assert r.status == 200 and r.json["kind"] == "tool" and r.json["name"] == "PLA filament"


def test_components_create_conflict_and_search(info, owner):
    stem = f"Zq{owner.user.username[:6]}"
    made = {}
    for name in (f"{stem} Sensor", f"{stem}X Board", f"Board {stem.lower()} mini"):
        r = owner.post(f"{V1}/components", json={"name": name, "manufacturer": "ACME",
                                                  "datasheet_url": "https://ds.example/a.pdf"})
        assert r.status == 201, r
        made[name] = r.json["id"]
    r = owner.post(f"{V1}/components", json={"name": f"{stem.upper()} SENSOR"})
    body = assert_problem(r, 409, "conflict")
    assert body["existing_id"] == made[f"{stem} Sensor"], body
    assert_problem(owner.post(f"{V1}/components", json={"name": "x"}), 422, "validation_failed")
    assert_problem(anon(info).post(f"{V1}/components", json={"name": "anon part"}), 401, "unauthorized")

    r = anon(info).get(f"{V1}/components/search?q={stem.lower()}")
    assert r.status == 200, r
    names = [c["name"] for c in r.json["items"]]
    assert set(names) == set(made), names
    assert names[-1] == f"Board {stem.lower()} mini", "prefix matches come before substring matches"
    assert_problem(anon(info).get(f"{V1}/components/search?q=a"), 422, "validation_failed")
    assert_problem(anon(info).get(f"{V1}/components/search"), 422, "validation_failed")
    # LIKE wildcards are literal.
    assert anon(info).get(f"{V1}/components/search?q=%25%25").json["items"] == []


def test_component_search_answers_at_most_20(info, owner):
    stem = f"Cap{owner.user.username[:8]}"
    for i in range(23):
        assert owner.post(f"{V1}/components", json={"name": f"{stem} {i:02d}"}).status == 201
    r = anon(info).get(f"{V1}/components/search?q={stem.lower()}")
    assert len(r.json["items"]) == 20


def test_project_components_embed_the_component(info, owner, other):
    comp = owner.post(f"{V1}/components", json={"name": f"MCU {owner.user.username}", "part_number": "X1"}).json
    p = new_project(owner)
    base = f"{PROJECTS}/{p['id']}/components"
    r = owner.post(base, json={"component_id": comp["id"], "quantity": 2, "notes": "main"})
    assert r.status == 201, r
    pc = r.json
    assert pc["component"]["name"] == comp["name"] and pc["quantity"] == 2
    assert owner.get(base).json["items"][0]["component"]["part_number"] == "X1"
    assert_problem(owner.post(base, json={"component_id": 99999999}), 422, "validation_failed")
    assert_problem(owner.post(base, json={"component_id": comp["id"], "quantity": 0}), 422, "validation_failed")
    q = new_project(owner)
    assert_problem(owner.call("DELETE", f"{PROJECTS}/{q['id']}/components/{pc['id']}"), 404, "not_found")
    assert owner.call("DELETE", f"{base}/{pc['id']}").status == 204


def test_quotas_on_steps_and_bom(info, owner):
    p = new_project(owner)
    max_steps = quota(info, "PROJECT_MAX_STEPS", 200)
    max_bom = quota(info, "PROJECT_MAX_BOM_ITEMS", 500)
    if max_steps > 50 or max_bom > 50:
        pytest.skip("the stack runs with the default quotas; too many requests to reach them here")
    for i in range(max_steps):
        assert owner.post(f"{PROJECTS}/{p['id']}/steps", json={"title": f"s{i}"}).status == 201
    body = assert_problem(owner.post(f"{PROJECTS}/{p['id']}/steps", json={"title": "one more"}), 422,
                          "validation_failed")
    assert body["errors"][0]["code"] == "quota_exceeded" and str(max_steps) in body["errors"][0]["message"]
    for i in range(max_bom):
        assert owner.post(f"{PROJECTS}/{p['id']}/bom", json={"name": f"b{i}", "quantity": 1}).status == 201
    body = assert_problem(owner.post(f"{PROJECTS}/{p['id']}/bom", json={"name": "x", "quantity": 1}), 422,
                          "validation_failed")
    assert str(max_bom) in body["errors"][0]["message"]


def test_likes_and_comments_on_projects(info, owner, other):
    draft = new_project(owner)
    r = other.post(f"{V1}/likes", json={"entity_type": "project", "entity_id": draft["id"]})
    assert_problem(r, 404, "not_found")
    r = other.post(f"{V1}/comments", json={"entity_type": "project", "entity_id": draft["id"], "body": "hi"})
    assert_problem(r, 404, "not_found")
    assert_problem(other.post(f"{V1}/likes", json={"entity_type": "project", "entity_id": 987654321}), 404,
                   "not_found")
    p = published_project(owner)
    assert other.post(f"{V1}/likes", json={"entity_type": "project", "entity_id": p["id"]}).status == 201
    assert owner.post(f"{V1}/likes", json={"entity_type": "project", "entity_id": p["id"]}).status == 201
    assert anon(info).get(f"{PROJECTS}/{p['id']}").json["like_count"] == 2
    r = other.post(f"{V1}/comments", json={"entity_type": "project", "entity_id": p["id"], "body": "Nice build"})
    assert r.status == 201, r
    r = anon(info).get(f"{V1}/comments?entity_type=project&entity_id={p['id']}")
    assert r.status == 200 and r.json["items"][0]["body"] == "Nice build"
    # Deleting the project takes its likes and comments along.
    assert owner.call("DELETE", f"{PROJECTS}/{p['id']}").status == 204
    assert psql(info, f"SELECT count(*) FROM community_targets WHERE project_id = {int(p['id'])}") == "0"


def test_profile_counts_published_projects(info, owner):
    new_project(owner)
    published_project(owner)
    published_project(owner)
    r = anon(info).get(f"{V1}/users/{owner.user.username}")
    assert r.status == 200 and r.json["project_count"] == 2, r


def test_account_export_lists_projects(owner):
    p = new_project(owner, title="Exported build")
    r = owner.get(f"{V1}/account/export")
    assert r.status == 200, r
    assert [x["title"] for x in r.json["projects"]] == ["Exported build"]
    assert r.json["projects"][0]["id"] == p["id"]
    assert r.json["files"] == []
