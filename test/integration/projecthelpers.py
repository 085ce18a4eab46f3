"""Helpers for the projects tests (test_projects_*.py): signed-in sessions
(communityhelpers.Session), projects made through the API, multipart
uploads, and the quotas the test stack runs with (tools/stack.py sets small
PROJECT_MAX_* values for stacks started in the test environment)."""
import secrets
import struct
import urllib.parse
import uuid
import zlib

from communityhelpers import V1, anon, session  # noqa: F401  (re-exported)
from stoaclient import assert_problem, stack_info  # noqa: F401

PROJECTS = f"{V1}/projects"


def quota(info, name, default):
    """A PROJECT_MAX_* setting of the stack's workers."""
    return int(info.get("env", {}).get(name, default))


def new_project(owner, expect=201, **fields):
    body = {"title": f"Project {secrets.token_hex(4)}", "description": "A test build.", **fields}
    r = owner.post(PROJECTS, json=body)
    assert r.status == expect, f"POST /projects: expected {expect}, got {r}"
    return r.json


def published_project(owner, **fields):
    p = new_project(owner, **fields)
    r = owner.post(f"{PROJECTS}/{p['id']}/publish")
    assert r.status == 200, r
    return r.json


def tiny_png():
    """An 8x8 RGB PNG, made here: a valid picture or project image."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"".join(bytes([x * 30, y * 30, 128]) for x in range(8)) for y in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def multipart(field, filename, data, content_type="application/octet-stream", extra=None):
    """(body, content type) of a multipart/form-data body with one file part
    and optional plain fields. `filename` may be bytes (sent as they are)."""
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in (extra or {}).items():
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode())
    name = filename if isinstance(filename, bytes) else filename.encode()
    if any(b < 0x20 or b == 0x7F or b in b'"\\' for b in name):
        # What cannot go in a quoted string goes percent-encoded (RFC 5987 filename*).
        disposition = b"; filename*=UTF-8''" + urllib.parse.quote_from_bytes(name, safe="").encode()
    else:
        disposition = b'; filename="' + name + b'"'
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"".encode() + disposition
                 + f"\r\nContent-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(owner, project_id, kind, filename, data, expect=201, content_type="application/octet-stream", extra=None):
    body, ctype = multipart("file", filename, data, content_type, extra)
    r = owner.call("POST", f"{PROJECTS}/{project_id}/{kind}", body=body, content_type=ctype)
    assert r.status == expect, f"upload {filename!r} to {kind}: expected {expect}, got {r}"
    return r
