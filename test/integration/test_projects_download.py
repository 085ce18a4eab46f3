"""GET /api/v1/projects/{id}/download through nginx: the ZIP is opened and
tested with Python's zipfile (an independent reader) and `unzip -t` when
installed; README.md has every section, bom.csv parses as RFC 4180 CSV,
files/ and images/ hold the uploads under safe unique names, and
download_count counts each download once."""
import csv
import io
import os
import shutil
import subprocess
import tempfile
import zipfile

import pytest

from communityhelpers import V1, anon, session
from projecthelpers import PROJECTS, new_project, published_project, upload
from stoaclient import assert_problem, psql
from test_pictures import png_bytes


@pytest.fixture
def owner(info):
    return session(info)


def build_project(owner):
    p = published_project(owner, title="Weather station", background="Rain happens.",
                          source_url="https://git.example/ws", tags=["esp32", "weather"])
    base = f"{PROJECTS}/{p['id']}"
    owner.post(f"{base}/steps", json={"title": "Solder the header", "body": "Heat, then *solder*."})
    owner.post(f"{base}/steps", json={"title": "Flash", "body": "Upload the sketch."})
    owner.post(f"{base}/bom", json={"name": "Resistor, 10k", "quantity": 4, "unit_price": "0.10", "currency": "EUR",
                                    "notes": 'say "hi"\nsecond line'})
    owner.post(f"{base}/bom", json={"name": "=HYPERLINK(\"http://evil\")", "quantity": 1})
    comp = owner.post(f"{V1}/components", json={"name": f"BME280 {owner.user.username}",
                                                 "datasheet_url": "https://ds.example/bme280.pdf"}).json
    owner.post(f"{base}/components", json={"component_id": comp["id"], "quantity": 1})
    owner.post(f"{base}/tools", json={"name": "Soldering iron", "kind": "tool"})
    owner.post(f"{base}/tools", json={"name": "PLA", "kind": "material"})
    owner.post(f"{base}/links", json={"kind": "video", "title": "Build video", "url": "https://video.example/1"})
    upload(owner, p["id"], "files", "sketch.ino", b"void setup() {}\n", extra={"description": "firmware"})
    upload(owner, p["id"], "files", "../../etc/passwd.txt", b"not really\n")
    upload(owner, p["id"], "files", "SKETCH.ino", b"// same name, other case\n")
    upload(owner, p["id"], "images", "front.png", png_bytes(64, 48), extra={"caption": "Front view"})
    return p, comp


def download(client, pid):
    r = client.get(f"{PROJECTS}/{pid}/download")
    assert r.status == 200, r
    assert r.header("content-type") == "application/zip"
    assert r.header("content-disposition").startswith("attachment;")
    assert r.header_all("x-content-type-options") == ["nosniff"], r.headers
    return r


def test_zip_holds_readme_csv_files_and_images(info, owner):
    p, comp = build_project(owner)
    r = download(anon(info), p["id"])
    z = zipfile.ZipFile(io.BytesIO(r.body))
    assert z.testzip() is None
    names = z.namelist()
    assert names[:2] == ["README.md", "bom.csv"]
    assert set(names[2:]) == {"files/sketch.ino", "files/passwd.txt", "files/SKETCH (2).ino", "images/front.webp"}
    for n in names:
        assert not n.startswith("/") and ".." not in n.split("/")
    assert z.read("files/sketch.ino") == b"void setup() {}\n"
    assert z.read("images/front.webp")[:4] == b"RIFF"

    readme = z.read("README.md").decode()
    order = ["# Weather station", "A test build.", f"Author: {owner.user.username}", "Created:", "Published:",
             "Tags: esp32, weather", "https://git.example/ws", "## Background", "Rain happens.", "## Steps",
             "Step 1: Solder the header", "Step 2: Flash", "## Bill of materials", "Resistor, 10k",
             "## Components", comp["name"], "https://ds.example/bme280.pdf", "## Tools and materials",
             "Soldering iron (tool)", "PLA (material)", "## Links", "[Build video](https://video.example/1)",
             "## Files", "files/sketch.ino", "firmware", "## Images", "images/front.webp", "Front view"]
    at = 0
    for part in order:
        found = readme.find(part, at)
        assert found >= 0, f"README lacks {part!r} (in order):\n{readme}"
        at = found

    rows = list(csv.reader(io.StringIO(z.read("bom.csv").decode(), newline="")))
    assert rows[0] == ["name", "quantity", "unit", "part_number", "supplier_url", "unit_price", "currency", "notes"]
    assert rows[1] == ["Resistor, 10k", "4", "", "", "", "0.1000", "EUR", 'say "hi"\nsecond line']
    assert rows[2][0] == "'=HYPERLINK(\"http://evil\")", "formulas are defused"
    assert z.read("bom.csv").count(b"\r\n") >= 3, "RFC 4180 line ends"

    if shutil.which("unzip"):
        with tempfile.NamedTemporaryFile(suffix=".zip") as f:
            f.write(r.body)
            f.flush()
            t = subprocess.run(["unzip", "-t", f.name], capture_output=True, text=True)
            assert t.returncode == 0, t.stdout + t.stderr


def test_download_count_increments_once_per_download(info, owner):
    p = published_project(owner)
    for _ in range(3):
        download(anon(info), p["id"])
    assert anon(info).get(f"{PROJECTS}/{p['id']}").json["download_count"] == 3


def test_empty_project_and_draft_visibility(info, owner):
    draft = new_project(owner, title="../../evil\u202e")
    assert_problem(anon(info).get(f"{PROJECTS}/{draft['id']}/download"), 404, "not_found")
    r = download(owner, draft["id"])
    z = zipfile.ZipFile(io.BytesIO(r.body))
    assert z.namelist() == ["README.md", "bom.csv"]
    assert "No steps." in z.read("README.md").decode()
    assert "/" not in r.header("content-disposition").split("filename=")[1].split(";")[0]


def test_a_blob_that_fails_mid_archive_leaves_no_valid_zip(info, owner):
    """The head is already out when a blob cannot be read, so the status
    stays 200 (nginx, with fastcgi_keep_conn off, takes the worker closing
    the connection for the end of the answer); the archive then lacks its
    central directory, and no ZIP reader accepts it as whole."""
    p = published_project(owner)
    # Big enough that the head and the first entry leave the worker before the failure.
    upload(owner, p["id"], "files", "first.stl", os.urandom(1024 * 1024))
    upload(owner, p["id"], "files", "second.txt", b"about to vanish\n")
    name = psql(info, "SELECT b.name FROM project_files f JOIN blobs b ON b.id = f.blob_id "
                      f"WHERE f.project_id = {int(p['id'])} AND f.filename = 'second.txt'")
    paths = [os.path.join(info["smb"]["dir"], "share", "blobs", name[:2], name),
             os.path.join(info["env"]["STORAGE_LOCAL_DIR"], name[:2], name)]
    removed = [path for path in paths if os.path.exists(path)]
    assert removed, f"blob {name} is in none of {paths}"
    for path in removed:
        os.unlink(path)
    try:
        r = anon(info).get(f"{PROJECTS}/{p['id']}/download")
        assert r.status == 200, r
        assert len(r.body) > 512 * 1024, "the first file was on its way before the failure"
        with pytest.raises(zipfile.BadZipFile):
            zipfile.ZipFile(io.BytesIO(r.body))
        assert anon(info).get("/health").status == 200, "the worker keeps serving"
    finally:
        # The project goes, and its rows with it: nothing names the lost blob afterwards.
        assert owner.call("DELETE", f"{PROJECTS}/{p['id']}").status == 204
