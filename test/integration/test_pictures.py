"""Profile pictures through nginx, stored on a real smbd share.

PUT /api/v1/account/picture (multipart `file`), DELETE it, GET
/api/v1/users/{username}/picture. What lands on the share is listed with
`smbclient`, an independent SMB client; what comes back is parsed here
(WebP's RIFF chunks) and by exiftool/vipsheader. The stack is the shared
one when it runs an smbd (stack.json "smb"), else a private stack with its
own smbd started for this module.
"""
import contextlib
import hashlib
import inspect
import os
import re
import secrets
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import pytest

from authhelpers import bearer, fresh_client, login, register_user
from stoaclient import assert_problem, psql, stack_info

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import smbd as smbd_tool  # noqa: E402
import stack as stack_tool  # noqa: E402

PICTURE = "/api/v1/account/picture"
MAX_BYTES = 5 * 1024 * 1024
BLOB_PATH = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}$")


# --- images, made here -------------------------------------------------------------

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(w, h, noise=False, text=None, level=6):
    """An RGB PNG: a gradient, or incompressible noise; `text` adds a tEXt chunk."""
    rows = bytearray()
    for y in range(h):
        if noise:
            row = os.urandom(3 * w)
        else:
            buf = bytearray(3 * w)
            buf[0::3] = bytes(x * 255 // max(1, w - 1) for x in range(w))
            buf[1::3] = bytes([y * 255 // max(1, h - 1)]) * w
            buf[2::3] = b"\x80" * w
            row = bytes(buf)
        rows += b"\x00" + row
    chunks = [png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))]
    if text:
        chunks.append(png_chunk(b"tEXt", b"Comment\x00" + text.encode()))
    chunks.append(png_chunk(b"IDAT", zlib.compress(bytes(rows), level)))
    chunks.append(png_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def png_claiming(w, h):
    """A tiny PNG whose header claims w x h pixels (a decompression bomb's shape)."""
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))


def convert(png, suffix, exif_args=()):
    """The PNG converted by libvips' command line (`vips copy`) to .jpg/.gif/.webp,
    with exiftool's `exif_args` applied afterwards."""
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "in.png"), os.path.join(d, "out" + suffix)
        with open(src, "wb") as f:
            f.write(png)
        subprocess.run(["vips", "copy", src, dst], check=True, capture_output=True)
        if exif_args:
            subprocess.run(["exiftool", "-q", "-overwrite_original", *exif_args, dst], check=True,
                           capture_output=True)
        with open(dst, "rb") as f:
            return f.read()


def exif_of(data):
    """exiftool's view of an image's metadata tags (group:name -> value)."""
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["exiftool", "-j", "-G", "-a", "-u", f.name], check=True,
                             capture_output=True, text=True).stdout
    import json
    return json.loads(out)[0]


def riff_chunks(data):
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", f"not a WebP: {data[:16]!r}"
    chunks, i = [], 12
    while i + 8 <= len(data):
        kind, size = data[i:i + 4], struct.unpack("<I", data[i + 4:i + 8])[0]
        chunks.append((kind, data[i + 8:i + 8 + size]))
        i += 8 + size + (size & 1)
    return chunks


def webp_size(data):
    """(width, height) from a WebP's first chunk (VP8X, VP8 or VP8L)."""
    kind, body = riff_chunks(data)[0]
    if kind == b"VP8X":
        return (int.from_bytes(body[4:7], "little") + 1, int.from_bytes(body[7:10], "little") + 1)
    if kind == b"VP8 ":
        assert body[3:6] == b"\x9d\x01\x2a", "VP8 start code"
        w, h = struct.unpack("<HH", body[6:10])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L":
        assert body[0] == 0x2F, "VP8L signature"
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    raise AssertionError(f"unknown first WebP chunk {kind!r}")


def vipsheader_size(data):
    with tempfile.NamedTemporaryFile(suffix=".webp") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["vipsheader", "-f", "width", f.name], check=True, capture_output=True, text=True)
        out2 = subprocess.run(["vipsheader", "-f", "height", f.name], check=True, capture_output=True, text=True)
    return int(out.stdout), int(out2.stdout)


# --- HTTP ----------------------------------------------------------------------------

def multipart(fields, boundary=None):
    """(body, content type) for fields: name -> bytes | (filename, content type, bytes)."""
    boundary = boundary or "----stoa" + secrets.token_hex(12)
    out = bytearray()
    for name, value in fields.items():
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, tuple):
            filename, ctype, data = value
            out += (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {ctype}\r\n\r\n").encode()
        else:
            data = value
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class Person:
    """A registered, logged-in user with a Bearer token and a client of its own."""

    def __init__(self, info):
        self.info = info
        self.user = register_user(info)
        self.client, r = login(info, self.user)
        self.token = r.json["access_token"]

    def put_picture(self, data, filename="me.png", ctype="image/png", field="file"):
        body, content_type = multipart({field: (filename, ctype, data)})
        return self.client.request("PUT", PICTURE, body=body, content_type=content_type,
                                   headers=bearer(self.token))

    def delete_picture(self):
        return self.client.request("DELETE", PICTURE, headers=bearer(self.token))

    def picture_blob(self):
        """(name, location, sha256, size) of the picture's blob row, or None."""
        row = psql(self.info, "SELECT b.name, b.location, b.sha256, b.size FROM users u "
                              f"JOIN blobs b ON b.id = u.picture_blob_id WHERE u.id = {int(self.user.id)}")
        if not row:
            return None
        name, location, sha, size = row.split("|")
        return name, location, sha, int(size)


def get(info, path, headers=None):
    return fresh_client(info).get(path, headers=headers)


def stoactl(info, *args):
    env = dict(os.environ)
    env.update(info["env"])
    return subprocess.run([os.path.join(info["bin_dir"], "stoactl"), *args], env=env,
                          capture_output=True, text=True, timeout=120)


# --- the stack ----------------------------------------------------------------------

@contextlib.contextmanager
def smb_stack(workers=2):
    """A private stack whose workers store on a private smbd: (stack info, Smbd)."""
    base = tempfile.mkdtemp(prefix="stoa-smb-")
    smb = smbd_tool.start(os.path.join(base, "smb"))
    saved = {k: os.environ.get(k) for k in smb.env()}
    try:
        os.environ.update(smb.env())
        kwargs = {"with_smbd": False} if "with_smbd" in inspect.signature(stack_tool.start_stack).parameters else {}
        st = stack_tool.start_stack(os.path.join(base, "stack"), os.environ["STOA_BIN_DIR"], workers=workers, **kwargs)
    except BaseException:
        smb.stop()
        shutil.rmtree(base, ignore_errors=True)
        raise
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        yield st.info, smb
    finally:
        try:
            st.stop()
        finally:
            smb.stop()
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def env():
    shared = stack_info()
    if shared.get("smb") and shared["env"].get("STORAGE_SMB_URL"):
        yield shared, smbd_tool.Smbd(shared["smb"]["dir"])
    else:
        with smb_stack() as pair:
            yield pair


@pytest.fixture(scope="module")
def info(env):
    return env[0]


@pytest.fixture(scope="module")
def share(env):
    return env[1]


# --- tests ---------------------------------------------------------------------------

def test_png_upload_lands_on_the_share_and_comes_back_processed(info, share):
    p = Person(info)
    original = png_bytes(1200, 800, text="secret comment")
    r = p.put_picture(original)
    assert r.status == 200, r
    url = r.json["picture_url"]
    assert re.fullmatch(rf"/api/v1/users/{re.escape(p.user.username)}/picture\?v=[0-9a-f]{{16}}", url), url

    name, location, sha, size = p.picture_blob()
    assert location == "share", f"the share is up: the blob belongs there, not in {location}"
    listed = share.list_files()
    assert f"{name[:2]}/{name}" in listed, f"smbclient does not list {name} on the share: {listed[:20]}"
    assert all(BLOB_PATH.match(f) for f in listed), f"unexpected names on the share: {listed}"

    g = get(info, url)
    assert g.status == 200, g
    assert g.header("content-type") == "image/webp"
    assert g.header("x-content-type-options") == "nosniff"
    assert hashlib.sha256(g.body).hexdigest() == sha and len(g.body) == size, "served bytes differ from the blob"
    assert webp_size(g.body) == (400, 267), f"1200x800 must fit 400x400 as 400x267, got {webp_size(g.body)}"
    assert vipsheader_size(g.body) == (400, 267)
    kinds = {k for k, _ in riff_chunks(g.body)}
    assert not kinds & {b"EXIF", b"XMP ", b"ICCP"}, f"metadata chunks kept: {kinds}"
    assert b"secret comment" not in g.body
    assert g.header("etag") == f'"{url.rsplit("=", 1)[1]}"'
    assert "immutable" in g.header("cache-control") and "public" in g.header("cache-control")


def test_jpeg_gps_exif_is_stripped_and_orientation_applied(info):
    p = Person(info)
    jpeg = convert(png_bytes(600, 300), ".jpg", ["-GPSLatitude=48.858370", "-GPSLatitudeRef=N",
                                                "-GPSLongitude=2.294481", "-GPSLongitudeRef=E",
                                                "-Make=StoaTestCam", "-Orientation#=6"])
    before = exif_of(jpeg)
    assert any("GPSLatitude" in k for k in before), f"arrange: the upload carries GPS EXIF: {before}"
    r = p.put_picture(jpeg, filename="holiday.jpg", ctype="image/jpeg")
    assert r.status == 200, r
    g = get(info, r.json["picture_url"])
    assert g.status == 200, g
    after = exif_of(g.body)
    leaked = [k for k in after if k.split(":")[0] in ("EXIF", "XMP", "IPTC", "ICC_Profile", "MakerNotes")
              or "GPS" in k or "Make" in k]
    assert not leaked, f"metadata survived: {leaked}"
    assert b"StoaTestCam" not in g.body
    # Orientation 6 is "rotate 90 CW to view": the 600x300 picture stands upright as 200x400.
    assert webp_size(g.body) == (200, 400), f"EXIF orientation not applied: {webp_size(g.body)}"


@pytest.mark.parametrize("suffix,size,want", [(".gif", (50, 40), (50, 40)), (".webp", (1000, 1000), (400, 400)),
                                              (".jpg", (399, 100), (399, 100))])
def test_gif_webp_and_small_images(info, suffix, size, want):
    p = Person(info)
    data = convert(png_bytes(*size), suffix)
    r = p.put_picture(data, filename="x" + suffix, ctype="application/octet-stream")
    assert r.status == 200, r
    g = get(info, r.json["picture_url"])
    assert g.status == 200 and webp_size(g.body) == want, f"{suffix} {size}: {webp_size(g.body)}, never enlarged"


def test_large_upload_under_the_cap_is_accepted(info):
    p = Person(info)
    data = png_bytes(1250, 1300, noise=True, level=0)  # ~4.9 MB of incompressible pixels
    assert 4_500_000 < len(data) <= MAX_BYTES, len(data)
    r = p.put_picture(data)
    assert r.status == 200, r
    assert webp_size(get(info, r.json["picture_url"]).body) == (385, 400)


def test_non_images_and_disguised_files_are_415(info):
    p = Person(info)
    jpeg = convert(png_bytes(300, 300), ".jpg")
    cases = {
        "text named .png": (b"hello, I am text\n" * 10, "evil.png", "image/png"),
        "html": (b"<!doctype html><script>alert(1)</script>", "x.jpg", "image/jpeg"),
        "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg", "image/svg+xml"),
        "elf": (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "x.gif", "image/gif"),
        "png magic then garbage": (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), "x.png", "image/png"),
        "truncated jpeg": (jpeg[: len(jpeg) // 2], "x.jpg", "image/jpeg"),
        "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "x.pdf", "image/png"),
        "empty": (b"", "x.png", "image/png"),
        "decompression bomb": (png_claiming(100_000, 100_000), "bomb.png", "image/png"),
    }
    for what, (data, filename, ctype) in cases.items():
        r = p.put_picture(data, filename=filename, ctype=ctype)
        body = assert_problem(r, 415, "unsupported_media_type")
        assert "file" in body.get("detail", ""), f"{what}: the detail should name the field: {body}"
    assert p.picture_blob() is None, "a refused upload must not set a picture"
    assert fresh_client(info).get(f"/api/v1/users/{p.user.username}").json["picture_url"] is None


def test_oversized_uploads_are_413(info):
    p = Person(info)
    # Over the 5 MiB cap but within nginx's 6m: the worker refuses while reading.
    body = assert_problem(p.put_picture(b"\x89PNG\r\n\x1a\n" + os.urandom(MAX_BYTES)), 413, "payload_too_large")
    assert "5 MiB" in body.get("detail", ""), body
    # Far over: nginx refuses before a worker sees it, with the same problem shape.
    assert_problem(p.put_picture(os.urandom(7 * 1024 * 1024)), 413, "payload_too_large")
    assert p.picture_blob() is None


def test_wrong_type_missing_field_and_malformed_multipart(info):
    p = Person(info)
    c = p.client
    assert_problem(c.request("PUT", PICTURE, json={"file": "x"}, headers=bearer(p.token)), 415,
                   "unsupported_media_type")
    body, ctype = multipart({"other": b"x"})
    problem = assert_problem(c.request("PUT", PICTURE, body=body, content_type=ctype, headers=bearer(p.token)),
                             422, "validation_failed")
    assert problem["errors"][0]["field"] == "file", problem
    for bad in (b"--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nno end",
                b"no boundary at all",
                b"--B\r\n\r\nheaderless\r\n--B--"):
        assert_problem(c.request("PUT", PICTURE, body=bad, content_type="multipart/form-data; boundary=B",
                                 headers=bearer(p.token)), 400, "bad_request")
    assert_problem(c.request("PUT", PICTURE, body=b"x", content_type="multipart/form-data",
                             headers=bearer(p.token)), 400, "bad_request")


def test_needs_authentication_and_csrf_with_cookies(info):
    body, ctype = multipart({"file": ("a.png", "image/png", png_bytes(10, 10))})
    assert_problem(fresh_client(info).request("PUT", PICTURE, body=body, content_type=ctype), 401, "unauthorized")
    p = Person(info)
    # Cookie-authenticated without X-CSRF-Token: refused.
    assert_problem(p.client.request("PUT", PICTURE, body=body, content_type=ctype), 403, "csrf_failed")
    ok = p.client.request("PUT", PICTURE, body=body, content_type=ctype,
                          headers={"X-CSRF-Token": p.client.cookies["stoa_csrf"]})
    assert ok.status == 200, ok


def test_etag_304_head_and_unversioned_caching(info):
    p = Person(info)
    url = p.put_picture(png_bytes(64, 64)).json["picture_url"]
    first = get(info, url)
    etag = first.header("etag")
    assert etag and first.status == 200
    again = get(info, url, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"", again
    assert again.header("etag") == etag and "immutable" in again.header("cache-control")
    assert get(info, url, headers={"If-None-Match": f'"other", W/{etag}'}).status == 304
    assert get(info, url, headers={"If-None-Match": '"other"'}).status == 200
    bare = get(info, f"/api/v1/users/{p.user.username}/picture")
    assert bare.status == 200 and bare.body == first.body
    assert bare.header("cache-control") == "public, no-cache", "a URL without the version must be revalidated"
    head = fresh_client(info).request("HEAD", url)
    assert head.status == 200 and head.body == b"" and head.header("content-length") == str(len(first.body))


def test_replacing_removes_the_old_blob(info, share):
    p = Person(info)
    first = p.put_picture(png_bytes(100, 100)).json["picture_url"]
    old_name = p.picture_blob()[0]
    second = p.put_picture(png_bytes(120, 80)).json["picture_url"]
    assert second != first, "a new picture must get a new URL"
    new_name = p.picture_blob()[0]
    listed = share.list_files()
    assert f"{new_name[:2]}/{new_name}" in listed
    assert f"{old_name[:2]}/{old_name}" not in listed, "the replaced picture is still on the share"
    assert psql(info, f"SELECT count(*) FROM blobs WHERE name = '{old_name}'") == "0", "the old row is still there"
    stale = get(info, first)
    assert stale.status == 200 and webp_size(stale.body) == (120, 80), "the old URL shows the current picture"
    assert stale.header("cache-control") == "public, no-cache", "...but is not cached for good"


def test_delete_removes_picture_and_blob(info, share):
    p = Person(info)
    assert p.put_picture(png_bytes(50, 50)).status == 200
    name = p.picture_blob()[0]
    r = p.delete_picture()
    assert r.status == 204, r
    assert f"{name[:2]}/{name}" not in share.list_files()
    assert psql(info, f"SELECT count(*) FROM blobs WHERE name = '{name}'") == "0"
    assert_problem(get(info, f"/api/v1/users/{p.user.username}/picture"), 404, "not_found")
    assert fresh_client(info).get(f"/api/v1/users/{p.user.username}").json["picture_url"] is None
    assert p.delete_picture().status == 204, "deleting again is fine"


def test_picture_url_in_profile_and_user_object(info):
    p = Person(info)
    url = p.put_picture(png_bytes(30, 30)).json["picture_url"]
    assert fresh_client(info).get(f"/api/v1/users/{p.user.username}").json["picture_url"] == url
    me = fresh_client(info).get("/api/v1/auth/me", headers=bearer(p.token))
    assert me.json["user"]["picture_url"] == url


def test_no_path_from_user_input(info, share):
    p = Person(info)
    marker = "stoa-traversal-" + secrets.token_hex(4)
    for filename in (f"../../../../../tmp/{marker}.png", f"..\\..\\{marker}.png", f"/tmp/{marker}.png",
                     f"%2e%2e%2f{marker}.png", f"....//....//{marker}.png"):
        r = p.put_picture(png_bytes(20, 20), filename=filename)
        assert r.status == 200, (filename, r)
    # A NUL or another control character in a part header is a malformed body.
    assert_problem(p.put_picture(png_bytes(20, 20), filename=f"{marker}\x00.png"), 400, "bad_request")
    assert not os.path.exists(f"/tmp/{marker}.png")
    for root in (share.share_dir, info["env"]["STORAGE_LOCAL_DIR"]):
        found = [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if marker in f or marker in d]
        assert not found, f"a client-chosen name reached the disk: {found}"
    assert all(BLOB_PATH.match(f) for f in share.list_files())
    for path in ("/api/v1/users/..%2f..%2fetc%2fpasswd/picture", "/api/v1/users/../../etc/passwd/picture",
                 "/api/v1/users/%00/picture"):
        assert fresh_client(info).get(path).status in (400, 404), path
    # The database refuses a blob name that is not generated-looking.
    bad = subprocess.run(["psql", "-X", "-q", "-h", info["pg_socket_dir"], "-p", str(info["pg_port"]), "-U",
                          "postgres", "-d", "stoa", "-v", "ON_ERROR_STOP=1", "-c",
                          f"UPDATE blobs SET name = '../../../etc/passwd' WHERE id = (SELECT picture_blob_id "
                          f"FROM users WHERE id = {int(p.user.id)})"], capture_output=True, text=True)
    assert bad.returncode != 0 and "blobs_name_check" in bad.stderr, bad.stderr


def test_account_deletion_releases_the_picture_for_sync(info, share):
    p = Person(info)
    assert p.put_picture(png_bytes(40, 40)).status == 200
    name = p.picture_blob()[0]
    r = p.client.request("DELETE", "/api/v1/account", json={"password": p.user.password},
                         headers=bearer(p.token))
    assert r.status == 204, r
    assert psql(info, f"SELECT deleted_at IS NOT NULL FROM blobs WHERE name = '{name}'") == "t", \
        "erasing the account must release its picture"
    s = stoactl(info, "storage", "sync", "--quiet")
    assert s.returncode == 0, s.stdout + s.stderr
    assert f"{name[:2]}/{name}" not in share.list_files(), "sync must remove the erased user's picture"
    assert psql(info, f"SELECT count(*) FROM blobs WHERE name = '{name}'") == "0"
