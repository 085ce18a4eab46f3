"""Project files and images through nginx, stored in the stack's file store:
each accepted extension and what is refused, hostile original names, safe
downloads (Content-Disposition with RFC 5987 filename*, nosniff, CSP
sandbox), the images' processing (re-encoded WebP, longest side <= 2048,
400-pixel thumbnail, metadata gone), SVG served sandboxed as an attachment,
the primary image, quotas, and deletion leaving no orphaned blob."""
import os
import re
import secrets
import urllib.parse

import pytest

from communityhelpers import anon, session
from projecthelpers import PROJECTS, new_project, published_project, quota, upload
from stoaclient import assert_problem, psql
from test_pictures import convert, png_bytes, stoactl, webp_size

FILE_SAMPLES = {
    ".py": b"print('hello')\n",
    ".cpp": b"int main() { return 0; }\n",
    ".h": b"#pragma once\n",
    ".ino": b"void setup() {}\nvoid loop() {}\n",
    ".md": b"# Notes\n",
    ".txt": b"plain text\n",
    ".pdf": b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
    ".stl": b"\x00" * 80 + b"\x00\x00\x00\x00",
    ".obj": b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
    ".gcode": b"G28\nG1 X10 Y10\n",
    ".json": b"{\"a\": 1}\n",
    ".xml": b"<?xml version=\"1.0\"?><a/>\n",
    ".yaml": b"a: 1\n",
    ".yml": b"b: 2\n",
}

SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(document.domain)</script><rect width="10" height="10"/></svg>\n')


@pytest.fixture
def owner(info):
    return session(info)


def filename_star(disposition):
    m = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    assert m, disposition
    return urllib.parse.unquote(m.group(1))


def fallback_name(disposition):
    m = re.search(r'filename="([^"]*)"', disposition)
    assert m, disposition
    return m.group(1)


def test_every_accepted_extension_round_trips_as_an_attachment(info, owner):
    p = published_project(owner)
    exts = list(FILE_SAMPLES)
    max_files = quota(info, "PROJECT_MAX_FILES", 50)
    for i, ext in enumerate(exts):
        if i and i % max_files == 0:
            p = published_project(owner)
        data = FILE_SAMPLES[ext]
        r = upload(owner, p["id"], "files", f"sample{ext}", data, extra={"description": f"the {ext} file"})
        f = r.json
        assert f["filename"] == f"sample{ext}" and f["size"] == len(data) and f["description"] == f"the {ext} file"
        d = anon(info).get(f["url"])
        assert d.status == 200, d
        assert d.body == data, ext
        assert d.header("content-disposition").startswith("attachment;"), d.headers
        assert filename_star(d.header("content-disposition")) == f"sample{ext}"
        assert d.header_all("x-content-type-options") == ["nosniff"], d.headers
        assert "sandbox" in ",".join(d.header_all("content-security-policy"))
        assert d.header("content-type").split(";")[0] == f["content_type"]


@pytest.mark.parametrize("name,data", [
    ("run.exe", b"MZ\x90\x00"),
    ("page.html", b"<html><script>alert(1)</script></html>"),
    ("drawing.svg", SVG),
    ("noextension", b"text"),
    ("fake.pdf", b"not a pdf at all"),
    ("binary.txt", b"text\x00with a NUL"),
    ("archive.zip", b"PK\x03\x04"),
])
def test_other_types_and_disguised_content_are_refused(owner, name, data):
    p = new_project(owner)
    r = upload(owner, p["id"], "files", name, data, expect=415)
    assert_problem(r, 415, "unsupported_media_type")


@pytest.mark.parametrize("name,want", [
    (b"../../etc/passwd.txt", "passwd.txt"),
    (b"..\\..\\boot.ini.txt", "boot.ini.txt"),
    (b"/etc/shadow.md", "shadow.md"),
    (b"nul\x00\x01byte.txt", "nul__byte.txt"),
    (b"new\nline.txt", "new_line.txt"),
    ("caf\u00e9 \u4e2d\u6587 \U0001F600.md".encode(), "caf\u00e9 \u4e2d\u6587 \U0001F600.md"),
    ("invoice\u202egpj.txt".encode(), "invoice_gpj.txt"),
    (b"quote\"semi;colon.txt", "quote_semi;colon.txt"),
    (b"a" * 600 + b".txt", None),
])
def test_hostile_original_names_end_up_safe(info, owner, name, want):
    p = published_project(owner)
    f = upload(owner, p["id"], "files", name, b"content\n").json
    if want is None:
        assert len(f["filename"].encode()) <= 200 and f["filename"].endswith(".txt"), f["filename"]
    else:
        assert f["filename"] == want
    for bad in ("/", "\\", "\x00", "\x01", ".."):
        assert bad not in f["filename"]
    d = anon(info).get(f["url"])
    disp = d.header("content-disposition")
    assert filename_star(disp) == f["filename"]
    assert all(32 <= ord(c) < 127 and c not in '"\\' for c in fallback_name(disp)), disp


def test_files_of_another_project_or_draft_are_404(info, owner):
    a, b = published_project(owner), published_project(owner)
    f = upload(owner, a["id"], "files", "x.txt", b"x").json
    assert_problem(anon(info).get(f"{PROJECTS}/{b['id']}/files/{f['id']}"), 404, "not_found")
    assert_problem(owner.call("DELETE", f"{PROJECTS}/{b['id']}/files/{f['id']}"), 404, "not_found")
    draft = new_project(owner)
    g = upload(owner, draft["id"], "files", "y.txt", b"y").json
    assert_problem(anon(info).get(g["url"]), 404, "not_found")
    assert owner.get(g["url"]).status == 200
    other = session(info)
    r = upload(other, a["id"], "files", "z.txt", b"z", expect=403)
    assert_problem(r, 403, "forbidden")


def test_file_count_and_byte_quotas(info, owner):
    max_files = quota(info, "PROJECT_MAX_FILES", 50)
    max_bytes = quota(info, "PROJECT_MAX_BYTES", 500 * 1024 * 1024)
    if max_files > 10 or max_bytes > 8 * 1024 * 1024:
        pytest.skip("the stack runs with the default quotas")
    p = new_project(owner)
    for i in range(max_files):
        upload(owner, p["id"], "files", f"f{i}.txt", b"x")
    body = assert_problem(upload(owner, p["id"], "files", "more.txt", b"x", expect=422), 422, "validation_failed")
    assert str(max_files) in body["errors"][0]["message"]
    q = new_project(owner)
    chunk = max_bytes // 2 + 1
    upload(owner, q["id"], "files", "big1.stl", os.urandom(chunk))
    body = assert_problem(upload(owner, q["id"], "files", "big2.stl", os.urandom(chunk), expect=413), 413,
                          "payload_too_large")
    assert "at most" in body["detail"]


def test_file_over_25_mb_is_413(owner):
    p = new_project(owner)
    r = upload(owner, p["id"], "files", "huge.stl", b"\x00" * (25 * 1024 * 1024 + 1), expect=413)
    assert_problem(r, 413, "payload_too_large")


def test_a_body_refused_halfway_is_still_answered(owner):
    """The worker stops reading an image at its 10 MB cap, with 10 MB of the
    body still on the way from nginx: the rest is read before the connection
    closes, so nginx gets the 413 (not a reset and a 502), every time."""
    p = published_project(owner)
    for _ in range(3):
        r = upload(owner, p["id"], "images", "huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (20 * 1024 * 1024),
                   expect=413)
        assert_problem(r, 413, "payload_too_large")
    assert owner.get(f"{PROJECTS}/{p['id']}").status == 200


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".gif", ".webp"])
def test_raster_images_are_reencoded_with_a_thumbnail(info, owner, suffix):
    p = published_project(owner)
    png = png_bytes(3000, 1000, text="secret-metadata")
    data = png if suffix == ".png" else convert(png, suffix)
    img = upload(owner, p["id"], "images", f"photo{suffix}", data, extra={"caption": "Front"}).json
    assert img["filename"] == "photo.webp" and img["caption"] == "Front" and img["primary"] is True
    assert (img["width"], img["height"]) == (2048, 683), img
    big = anon(info).get(img["url"])
    assert big.status == 200 and big.header("content-type") == "image/webp"
    assert webp_size(big.body) == (2048, 683)
    assert b"secret-metadata" not in big.body
    assert big.header_all("x-content-type-options") == ["nosniff"], big.headers
    thumb = anon(info).get(img["thumbnail_url"])
    assert thumb.status == 200 and max(webp_size(thumb.body)) == 400
    got = anon(info).get(f"{PROJECTS}/{p['id']}").json
    assert got["primary_image_url"] == img["url"]


def test_images_are_checked_by_content(owner):
    p = new_project(owner)
    for name, data in (("evil.png", b"<html><script>alert(1)</script>"), ("text.jpg", b"hello"),
                       ("doc.pdf", b"%PDF-1.4"), ("bomb.png", png_bytes(1, 1)[:30])):
        assert_problem(upload(owner, p["id"], "images", name, data, expect=415), 415, "unsupported_media_type")
    # A real PNG named .svg is taken for what it is.
    assert upload(owner, p["id"], "images", "actually.svg", png_bytes(10, 10)).json["content_type"] == "image/webp"
    # An SVG named .png is refused (the content is not a raster image).
    assert_problem(upload(owner, p["id"], "images", "vector.png", SVG, expect=415), 415, "unsupported_media_type")
    doctype = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>'
    assert_problem(upload(owner, p["id"], "images", "dtd.svg", doctype, expect=415), 415, "unsupported_media_type")


def test_svg_is_served_sandboxed_as_an_attachment(info, owner):
    p = published_project(owner)
    img = upload(owner, p["id"], "images", "logo.svg", SVG).json
    assert img["content_type"] == "image/svg+xml" and img["width"] is None
    r = anon(info).get(img["url"])
    assert r.status == 200 and r.body == SVG
    assert r.header("content-disposition").startswith("attachment;"), r.headers
    assert "sandbox" in [v.strip() for v in ",".join(r.header_all("content-security-policy")).split(",")] or \
        any(v.strip() == "sandbox" for v in r.header_all("content-security-policy"))
    assert r.header_all("x-content-type-options") == ["nosniff"], r.headers


def test_primary_image_moves_and_deleting_it_promotes_the_next(info, owner):
    p = published_project(owner)
    ids = [upload(owner, p["id"], "images", f"i{i}.png", png_bytes(20 + i, 20)).json["id"] for i in range(3)]
    listed = owner.get(f"{PROJECTS}/{p['id']}/images").json["items"]
    assert [i["primary"] for i in listed] == [True, False, False]
    r = owner.call("PUT", f"{PROJECTS}/{p['id']}/images/{ids[2]}/primary")
    assert r.status == 200 and r.json["primary"] is True, r
    listed = owner.get(f"{PROJECTS}/{p['id']}/images").json["items"]
    assert [i["primary"] for i in listed] == [False, False, True]
    assert owner.call("DELETE", f"{PROJECTS}/{p['id']}/images/{ids[2]}").status == 204
    listed = owner.get(f"{PROJECTS}/{p['id']}/images").json["items"]
    assert [(i["id"], i["primary"]) for i in listed] == [(ids[0], True), (ids[1], False)]
    q = new_project(owner)
    assert_problem(owner.call("PUT", f"{PROJECTS}/{q['id']}/images/{ids[0]}/primary"), 404, "not_found")
    assert_problem(session(info).call("PUT", f"{PROJECTS}/{p['id']}/images/{ids[0]}/primary"), 403, "forbidden")


def test_image_count_quota(info, owner):
    max_images = quota(info, "PROJECT_MAX_IMAGES", 50)
    if max_images > 10:
        pytest.skip("the stack runs with the default quotas")
    p = new_project(owner)
    for i in range(max_images):
        upload(owner, p["id"], "images", f"i{i}.png", png_bytes(8, 8))
    assert_problem(upload(owner, p["id"], "images", "more.png", png_bytes(8, 8), expect=422), 422,
                   "validation_failed")


def test_deleting_a_project_leaves_no_orphaned_blob(info, owner):
    p = new_project(owner)
    upload(owner, p["id"], "files", "a.txt", b"a" * 100)
    upload(owner, p["id"], "images", "b.png", png_bytes(30, 30))
    pid = int(p["id"])
    blob_ids = psql(info, f"SELECT string_agg(id::text, ',') FROM blobs WHERE id IN ("
                          f"SELECT blob_id FROM project_files WHERE project_id = {pid} UNION ALL "
                          f"SELECT blob_id FROM project_images WHERE project_id = {pid} UNION ALL "
                          f"SELECT thumb_blob_id FROM project_images WHERE project_id = {pid})")
    assert len(blob_ids.split(",")) == 3, blob_ids
    assert owner.call("DELETE", f"{PROJECTS}/{pid}").status == 204
    left = psql(info, f"SELECT count(*) FROM blobs WHERE id IN ({blob_ids}) AND deleted_at IS NULL")
    assert left == "0", "every blob of the project is released"
    gone = psql(info, f"SELECT count(*) FROM blobs WHERE id IN ({blob_ids})")
    assert gone == "0", "the released blobs' files and rows are removed at once"
    check = stoactl(info, "storage", "check")
    assert "rows nothing refers to" in check.stdout, check.stdout
    assert all(f"blob {b} " not in check.stderr for b in blob_ids.split(",")), check.stderr


def test_storage_check_reports_a_row_nothing_refers_to(info):
    name = secrets.token_hex(16)
    sha = "0" * 64
    psql(info, f"INSERT INTO blobs (name, location, local_host, size, sha256, content_type) "
               f"VALUES ('{name}', 'local', 'nowhere-{name[:6]}', 1, '{sha}', 'text/plain')")
    try:
        check = stoactl(info, "storage", "check")
        assert f"({name}): live, but no picture, project file or image refers to it" in check.stderr, check.stderr
    finally:
        psql(info, f"DELETE FROM blobs WHERE name = '{name}'")
