"""Helpers for the community tests (test_community_*.py): users who may post,
signed-in sessions talking with a Bearer token from their own address, page
URLs of the stack's site, and private stacks for settings the shared stack
does not have (COMMENT_MODERATION, extra SITE_ORIGINS).

Every test makes its own users and pages (random paths), so tests run in any
order and next to the other test files on the same stack."""
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from authhelpers import bearer, fresh_client, login, register_user
from stoaclient import psql

V1 = "/api/v1"
COMMENT_FIELDS = {"id", "author", "body", "created_at", "edited_at", "deleted", "replies"}

# Bodies that must come back byte for byte (JSON) and escaped (Atom).
XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "';alert(String.fromCharCode(88,83,83))//",
    "<a href=\"javascript:alert('x')\">click</a>",
    "&lt;script&gt; already escaped &amp; &#x3C; &#60;",
    "]]><![CDATA[<x>]]>",
    "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>",
    "{{constructor.constructor('alert(1)')()}}",
    "line one\nline two\n\ttabbed <b>bold</b>",
    "Unicode: \u00e9\u00e8 \u4e2d\u6587 \U0001F600 \u202eRTL override\u202c \u200bzero width",
    "  surrounded by spaces  ",
    "\\u003cscript\\u003e backslashes \\ and \"quotes\"",
    "</content></entry><entry><title>forged</title>",
]


def rand(n=10):
    return secrets.token_hex(n)[:n]


def ids(items):
    """The ids of a list of comments (or of anything with an id), in order."""
    return [c["id"] for c in items]


def page_url(info, path=None):
    """A fresh page of the stack's site (its origin is in SITE_ORIGINS)."""
    return f"{info['https_url']}/c-{rand()}/{path or 'post'}"


def make_user(info, role="user", verified=True, age_days=None):
    """A registered user with `role` and (by default) a verified address;
    `age_days` backdates the account (new accounts may post few links)."""
    user = register_user(info)
    sets = [f"role = '{role}'"]
    if verified:
        sets.append("email_verified_at = now()")
    if age_days is not None:
        sets.append(f"created_at = now() - interval '{int(age_days)} days'")
    psql(info, f"UPDATE users SET {', '.join(sets)} WHERE id = {int(user.id)}")
    return user


class Session:
    """A signed-in user talking with a Bearer token from its own address."""

    def __init__(self, info, user):
        self.info = info
        self.user = user
        self.client, r = login(info, user)
        self.access = r.json["access_token"]

    def call(self, method, path, **kw):
        headers = dict(kw.pop("headers", None) or {})
        headers.update(bearer(self.access))
        return fresh_client(self.info, ip=self.client.client_ip).request(method, path, headers=headers, **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def comment(self, target, body="a comment", parent_id=None, expect=201):
        payload = {"body": body, **target_fields(target)}
        if parent_id is not None:
            payload["parent_id"] = parent_id
        r = self.post(f"{V1}/comments", json=payload)
        assert r.status == expect, f"POST /comments as {self.user.username}: expected {expect}, got {r}"
        return r.json

    def like(self, target, expect=201):
        r = self.post(f"{V1}/likes", json=target_fields(target))
        assert r.status == expect, f"POST /likes: expected {expect}, got {r}"
        return r.json


def session(info, role="user", **kw):
    return Session(info, make_user(info, role, **kw))


def target_fields(target):
    """A page URL (str) or an (entity_type, entity_id) pair as request fields."""
    if isinstance(target, str):
        return {"url": target}
    return {"entity_type": target[0], "entity_id": target[1]}


def query(target, **extra):
    from urllib.parse import urlencode
    return urlencode({**target_fields(target), **extra})


def anon(info):
    return fresh_client(info)


def listing(info, target, client=None, **params):
    path = f"{V1}/comments?{query(target, **params)}"
    r = (client or anon(info)).get(path)
    assert r.status == 200, f"GET {path}: {r}"
    return r.json


# --- private stacks ------------------------------------------------------------

STACK_PY = Path(__file__).resolve().parents[2] / "tools" / "stack.py"


@contextlib.contextmanager
def private_stack(env):
    """A stack of its own (PostgreSQL, 2 workers, nginx) whose workers get
    `env` (a dict, or a function of the new stack's info returning one) on
    top of the usual test settings; stopped (by PID) at the end."""
    sys.path.insert(0, str(STACK_PY.parent))
    import stack as stacklib  # tools/stack.py
    directory = tempfile.mkdtemp(prefix="stoa-community-")
    bin_dir = os.environ["STOA_BIN_DIR"]
    started = subprocess.run([sys.executable, str(STACK_PY), "start", "--dir", directory, "--bin-dir", bin_dir,
                              "--workers", "2"], capture_output=True, text=True, timeout=180)
    try:
        assert started.returncode == 0, f"private stack did not start:\n{started.stderr[-3000:]}"
        s = stacklib.Stack(directory)
        settings = env(s.info) if callable(env) else env
        if settings:
            s.restart_workers(env=settings)
            s.reload()
        yield s
    finally:
        stopped = subprocess.run([sys.executable, str(STACK_PY), "stop", "--dir", directory], capture_output=True,
                                 timeout=120)
        if stopped.returncode == 0:
            shutil.rmtree(directory, ignore_errors=True)


def restart_with(stack, env):
    """Restarts the private stack's workers with changed settings; returns the new info."""
    stack.restart_workers(env=env)
    stack.reload()
    return stack.info
