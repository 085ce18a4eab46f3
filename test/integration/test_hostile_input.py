"""Every route against hostile input: bodies of the wrong shape, type, size
and encoding, ids that are not ids, query strings that are not what the
route reads. Each answer must be a 2xx or a 4xx in the problem format of
API.md ("Bad input gets a clear answer"), never a 5xx, and no worker may die.

The routes are read from the handlers' sources, so a route added later is
swept too. Requests go as an admin (so the role guards let them reach the
handlers) and, for the routes that end the caller's session, anonymously."""
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from authhelpers import bearer, fresh_client, worker_pids
from communityhelpers import Session, make_user, page_url
from projecthelpers import PROJECTS, new_project, tiny_png, upload
from stoaclient import psql

V1 = "/api/v1"
HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
ROUTE = re.compile(r'\br\.(get|post|put|patch|del)\(\s*"([^"]+)"')
NAMED_PATHS = {"kSetupPath": "/api/v1/auth/2fa/setup", "kEnablePath": "/api/v1/auth/2fa/enable",
               "kDisablePath": "/api/v1/auth/2fa/disable"}
# Routes that end the caller's session: swept without credentials.
ENDS_SESSION = {("POST", "/api/v1/auth/logout"), ("POST", "/auth/logout")}
CODES = {"bad_request", "validation_failed", "unauthorized", "invalid_credentials", "totp_required", "invalid_totp",
         "email_not_verified", "account_locked", "password_change_required", "token_expired", "token_invalid",
         "token_reused", "csrf_failed", "forbidden", "not_found", "conflict", "email_taken", "username_taken",
         "payload_too_large", "unsupported_media_type", "rate_limited", "method_not_allowed"}

# Every field name API.md gives a request body.
FIELDS = ["username", "email", "password", "first_name", "last_name", "login", "totp_code", "backup_code",
          "refresh_token", "token", "new_password", "current_password", "code", "bio", "website", "role",
          "email_verified", "url", "entity_type", "entity_id", "body", "parent_id", "title", "description",
          "background", "source_url", "tags", "status", "position", "name", "quantity", "unit", "part_number",
          "supplier_url", "unit_price", "currency", "notes", "manufacturer", "datasheet_url", "component_id",
          "kind", "order", "caption", "notify_replies", "notify_subscriptions"]
# Each value goes into every field at once: the first field a handler reads
# with it must already be refused cleanly.
VALUES = [None, True, 0, -1, 1.5, 1e308, 2 ** 63, -(2 ** 63) - 1, [], {}, [None], {"a": [1, {"b": None}]}, "",
          "\u0000", "\ud800", "\u202e\u200b", "x" * 20000, "9" * 40, "<script>alert(1)</script>",
          "../../etc/passwd", "javascript:alert(1)", "' OR '1'='1", "%00%ff", "\U0001F600" * 300]
RAW_BODIES = [b"", b"null", b"[]", b'"text"', b"1e999", b"{", b'{"a":1,}', b"{\"a\":1}{\"b\":2}",
              b"[" * 10000 + b"]" * 10000, b'{"a":"\xff\xfe"}', b'{"a":"\\ud800"}', b"\xef\xbb\xbf{}",
              b'{"' + b"k" * 60000 + b'":1}', b'{"title":"a\\u0000b","body":"\\u0000"}', b"\x00" * 100]
BAD_IDS = ["0", "-1", "9223372036854775808", "99999999999999999999", "abc", "%00", "1%2F2", "1.5", "%20", "1e3",
           "%EF%BC%91", "1;DROP%20TABLE%20users", ".."]
BAD_QUERIES = ["page=-1&per_page=100000", "page=abc&per_page=0", "page=99999999999999999999",
               "url=%FF%FE&entity_type=project&entity_id=-5", "url=javascript:alert(1)&url=" + "a" * 3000,
               "q=%00&tag=%0A&author=..%2F..&sort=sideways&status=x", "token=%00&email=%FF",
               "user_id=x&event=%00&since=yesterday&role=root&locked=maybe", "v=%00&format=../../x",
               "entity_type=comment&entity_id=1&entity_id=2&url=" + "%25" * 500]


def routes():
    found = set()
    for source in sorted(HANDLERS.glob("*.cpp")):
        text = source.read_text()
        for method, path in ROUTE.findall(text):
            if path.startswith("/api/v1/_test/"):
                continue  # the test build's own routes (one answers 500 on purpose)
            found.add(("DELETE" if method == "del" else method.upper(), path))
        for name, path in NAMED_PATHS.items():
            if re.search(r"\br\.post\(\s*" + name + r"\b", text):
                found.add(("POST", path))
    return sorted(found)


class World:
    """Real things for the path parameters to name."""

    def __init__(self, info):
        admin_user = make_user(info, role="admin")
        self.admin = Session(info, admin_user)
        self.victim = make_user(info)
        project = new_project(self.admin)
        pid = project["id"]
        part = {}
        for kind, body in (("steps", {"title": "Step", "body": "Do it."}), ("bom", {"name": "Nut", "quantity": 2}),
                           ("links", {"kind": "article", "title": "Doc", "url": "https://example.org/"}),
                           ("tools", {"name": "Saw", "kind": "tool"})):
            r = self.admin.post(f"{PROJECTS}/{pid}/{kind}", json=body)
            assert r.status == 201, (kind, r)
            part[kind] = r.json["id"]
        r = self.admin.post(f"{V1}/components", json={"name": f"Part {pid}-hostile"})
        assert r.status == 201, r
        r = self.admin.post(f"{PROJECTS}/{pid}/components", json={"component_id": r.json["id"], "quantity": 1})
        assert r.status == 201, r
        part["components"] = r.json["id"]
        part["files"] = upload(self.admin, pid, "files", "notes.txt", b"hello\n").json["id"]
        part["images"] = upload(self.admin, pid, "images", "pic.png", tiny_png()).json["id"]
        url = page_url(info)
        r = self.admin.post(f"{V1}/comments", json={"url": url, "body": "first"})
        assert r.status == 201, r
        self.comment = r.json["id"]
        r = self.admin.post(f"{V1}/likes", json={"url": url})
        assert r.status == 201, r
        self.like = r.json["id"]
        self.project = pid
        self.part = part

    def fill(self, path):
        """The path with each parameter naming something that exists."""
        def value(match):
            name = match.group(1).split(":")[0]
            if name == "id":
                if path.startswith(f"{V1}/admin/users"):
                    return str(self.victim.id)
                if path.startswith(f"{V1}/comments"):
                    return str(self.comment)
                if path.startswith(f"{V1}/likes"):
                    return str(self.like)
                if path.startswith(f"{V1}/auth/sessions"):
                    return "00000000-0000-0000-0000-000000000000"
                if path.startswith(f"{V1}/subscriptions"):
                    return "1"
                return str(self.project)
            if name == "username":
                return self.victim.username
            kind = {"step_id": "steps", "item_id": "bom", "link_id": "links", "tool_id": "tools",
                    "pc_id": "components", "file_id": "files", "image_id": "images"}.get(name)
            return str(self.part[kind]) if kind else "1"
        return re.sub(r"\{([^}]+)\}", value, path)


def check(resp, what):
    assert resp.status < 500, f"{what}: {resp.status} {resp.body[:200]!r}"
    if resp.status >= 400:
        ctype = resp.header("content-type") or ""
        assert ctype.startswith("application/problem+json"), f"{what}: {resp.status} as {ctype!r}: {resp}"
        body = resp.json
        assert body.get("status") == resp.status and body.get("code") in CODES, f"{what}: {body}"


@pytest.fixture(scope="module")
def world(info):
    return World(info)


def sweep(info, world, requests):
    """Sends (method, path, body, content type, signed in) requests, 4 at a time;
    the admin's per-user counter is reset as it goes, so that the sweep reaches
    the handlers rather than the rate limit."""
    def send(item):
        method, path, body, ctype, signed_in = item
        headers = bearer(world.admin.access) if signed_in else {}
        return fresh_client(info, v4=True).request(method, path, body=body, content_type=ctype, headers=headers)

    failures = []
    with ThreadPoolExecutor(4) as pool:
        for start in range(0, len(requests), 200):
            psql(info, f"DELETE FROM rate_limits WHERE key = 'default_user:user:{int(world.admin.user.id)}'")
            batch = requests[start:start + 200]
            for item, resp in zip(batch, pool.map(send, batch)):
                try:
                    what = f"{item[0]} {item[1][:160]}" + (f" {item[2][:80]!r}" if item[2] else "")
                    check(resp, what)
                except AssertionError as e:
                    failures.append(str(e))
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:20])


def body_routes():
    """The routes that read a body. A DELETE of a real thing would delete it
    whatever the body (the id sweep sends DELETEs to ids that name nothing);
    deleting the account needs the password, which no hostile body holds."""
    return [(m, p) for m, p in routes()
            if m in ("POST", "PUT", "PATCH") or (m, p) == ("DELETE", "/api/v1/account")]


def test_the_sweep_finds_the_routes():
    found = routes()
    assert len(found) >= 90, found
    assert ("POST", "/api/v1/auth/2fa/setup") in found and ("GET", "/api/v1/projects/{id:int}/download") in found


def test_hostile_json_bodies_get_4xx_problems(info, world):
    requests = []
    for method, path in body_routes():
        signed_in = (method, path) not in ENDS_SESSION
        target = world.fill(path)
        for raw in RAW_BODIES:
            requests.append((method, target, raw, "application/json", signed_in))
        for value in VALUES:
            body = json.dumps({name: value for name in FIELDS}).encode()
            requests.append((method, target, body, "application/json", signed_in))
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                      "application/json; charset=latin1", "image/png"):
            requests.append((method, target, b"title=a&body=%00&file=", ctype, signed_in))
    sweep(info, world, requests)


def test_ids_that_are_not_ids_get_4xx_problems(info, world):
    requests = []
    for method, path in routes():
        if "{" not in path:
            continue
        signed_in = (method, path) not in ENDS_SESSION
        for bad in BAD_IDS:
            target = re.sub(r"\{[^}]+\}", bad, path)
            requests.append((method, target, b"{}" if method != "GET" else None,
                             "application/json" if method != "GET" else None, signed_in))
            # One parameter bad, the others real.
            first = re.sub(r"\{[^}]+\}", bad, path, count=1)
            requests.append((method, world.fill(first), b"{}" if method != "GET" else None,
                             "application/json" if method != "GET" else None, signed_in))
    sweep(info, world, requests)


def test_hostile_query_strings_get_2xx_or_4xx_problems(info, world):
    requests = []
    for method, path in routes():
        if method != "GET":
            continue
        for query in BAD_QUERIES:
            for signed_in in (True, False):
                requests.append((method, f"{world.fill(path)}?{query}", None, None, signed_in))
    sweep(info, world, requests)


MULTIPART_ROUTES = [("PUT", "/api/v1/account/picture"), ("POST", "/api/v1/projects/{id:int}/files"),
                    ("POST", "/api/v1/projects/{id:int}/images")]
FORM_ROUTES = [("POST", "/auth/login"), ("POST", "/auth/register"), ("POST", "/auth/unsubscribe")]


def hostile_multiparts():
    b = "hostileboundary"
    ctype = f"multipart/form-data; boundary={b}"
    part = f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'
    yield b"", ctype
    yield b"no boundary at all", ctype
    yield f"--{b}--\r\n".encode(), ctype
    yield part.encode() + b"\x89PNG\r\n\x1a\n truncated", ctype  # no closing boundary
    yield part.encode() + b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + f"\r\n--{b}--\r\n".encode(), ctype
    yield part.encode().replace(b"a.png", b"../../../etc/passwd\x00.png") + b"GIF89a" + f"\r\n--{b}--\r\n".encode(), ctype
    yield part.encode().replace(b'name="file"', b'name="file"; name="other"') + f"x\r\n--{b}--\r\n".encode(), ctype
    yield (f'--{b}\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8\'\'%FF%00%2F..\r\n\r\n'
           f"<svg onload=alert(1)/>\r\n--{b}--\r\n").encode(), ctype
    yield (f"--{b}\r\n" + "X-Long: " + "h" * 30000 + f"\r\n\r\nx\r\n--{b}--\r\n").encode(), ctype
    yield (part * 300).encode() + f"--{b}--\r\n".encode(), ctype
    yield part.encode() + b"x", "multipart/form-data"  # no boundary parameter
    yield part.encode() + b"x", 'multipart/form-data; boundary=""'
    yield part.encode() + b"x", "multipart/form-data; boundary=" + "z" * 200
    yield part.encode() + b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>" + \
        f"\r\n--{b}--\r\n".encode(), ctype


FORM_BODIES = [b"", b"%", b"a=%zz&b=%", b"=&=&&==", b"login=%00&password=%00", b"login=" + b"%FF" * 2000,
               b"&".join(b"f%d=1" % i for i in range(5000)), b"username[]=a&username[]=b&email[x]=y",
               b"login=a&login=b&password=c&password=d", b"token=" + b"A" * 60000, b"next=//evil.example/&login=x"]

BAD_AUTH = ["Bearer", "Bearer ", "Bearer a.b.c", "Bearer " + "A" * 10000, "Basic YTpi", "bearer \x00",
            "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwic2lkIjoieCJ9.",
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.e30", "Bearer ..", "Bearer \u00e9\u00e9"]
BAD_COOKIES = ["stoa_access=", "stoa_access=a.b.c; stoa_csrf=x", "stoa_access=" + "A" * 3000,
               "stoa_access=%00; stoa_refresh=%FF", ";;;=;=a", "stoa_csrf=\"quoted\"; stoa_access=\"x\""]


def test_hostile_uploads_and_form_posts_get_clear_answers(info, world):
    requests = []
    for method, path in MULTIPART_ROUTES:
        for body, ctype in hostile_multiparts():
            requests.append((method, world.fill(path), body, ctype, True))
    for method, path in FORM_ROUTES:
        for body in FORM_BODIES:
            requests.append((method, path, body, "application/x-www-form-urlencoded", False))
    sweep(info, world, requests)


def test_hostile_credentials_get_401_problems(info):
    c = fresh_client(info, v4=True)
    for value in BAD_AUTH:
        r = c.request("GET", f"{V1}/auth/me", headers={"Authorization": value.encode("utf-8", "replace").decode("latin-1")})
        check(r, f"Authorization {value[:40]!r}")
        assert r.status in (400, 401), (value[:40], r)
    for value in BAD_COOKIES:
        r = c.request("GET", f"{V1}/auth/me", headers={"Cookie": value})
        check(r, f"Cookie {value[:40]!r}")
        assert r.status in (400, 401), (value[:40], r)
        r = c.request("POST", f"{V1}/comments", json={"url": "x", "body": "x"}, headers={"Cookie": value})
        check(r, f"POST with Cookie {value[:40]!r}")
        assert r.status in (400, 401, 403), (value[:40], r)


def test_after_the_sweeps_every_worker_still_serves(info, world):
    alive = worker_pids(info)
    assert len(alive) == len(info["pids"]["workers"]) + len(info["pids"].get("hash_workers") or []), \
        f"workers died during the sweep: {alive} of {info['pids']}"
    assert fresh_client(info).get("/health").status == 200
    r = world.admin.get(f"{PROJECTS}/{world.project}")
    assert r.status == 200 and r.json["id"] == world.project, r
