"""Self-service (API.md "Account and profiles"; issue 5 "Flows"): PATCH
/account with validation, the public profile, the export (the caller's data
and nobody else's), the paginated account log, and DELETE /account, which
must leave no personal data in the tables."""
import json
import secrets

import mailbox

from authhelpers import (API, RFC3339_UTC, USER_FIELDS, bearer, decode_jwt, fresh_client, login, me,
                         refresh_body, register_user, sql_text)
from stoaclient import assert_problem, psql

assert hasattr(mailbox, "wait_for_mail"), f"`import mailbox` found {mailbox.__file__}, not test/integration/mailbox.py"

ACCOUNT = "/api/v1/account"
PUBLIC_FIELDS = {"username", "first_name", "bio", "website", "picture_url", "created_at", "project_count"}


class Session:
    """A logged-in user talking with a Bearer token from its own address."""

    def __init__(self, info, user):
        self.info = info
        self.user = user
        self.client, r = login(info, user)
        self.access = r.json["access_token"]
        self.refresh = r.json["refresh_token"]
        self.sid = decode_jwt(self.access)[1]["sid"]

    def call(self, method, path, **kw):
        return fresh_client(self.info, ip=self.client.client_ip).request(
            method, path, headers=bearer(self.access), **kw)


def profile(info, username):
    r = fresh_client(info).get(f"/api/v1/users/{username}")
    assert r.status == 200, f"GET /api/v1/users/{username}: {r}"
    return r.json


def field_errors(body):
    return {e.get("field") for e in body.get("errors", [])}


# --- PATCH /account ------------------------------------------------------------------

def test_patch_updates_the_profile_fields(info):
    s = Session(info, register_user(info))
    changes = {"first_name": "Zoë", "last_name": "Ng", "bio": "Builds clocks.\nLikes tea.",
               "website": "https://example.org/zoe"}
    r = s.call("PATCH", ACCOUNT, json=changes)
    assert r.status == 200, f"PATCH /account: expected 200, got {r}"
    assert set(r.json) == {"user"}, f"PATCH /account answers {{\"user\"}}: {r.json}"
    user = r.json["user"]
    assert set(user) == USER_FIELDS, f"User fields differ from API.md: {sorted(user)}"
    assert (user["first_name"], user["last_name"]) == ("Zoë", "Ng"), user
    public = profile(info, s.user.username)
    assert (public["bio"], public["website"]) == (changes["bio"], changes["website"]), public

    r = s.call("PATCH", ACCOUNT, json={"website": "http://example.org/"})
    assert r.status == 200, f"an http:// website: {r}"
    assert r.json["user"]["first_name"] == "Zoë", "a PATCH of one field cleared another"
    public = profile(info, s.user.username)
    assert public["website"] == "http://example.org/" and public["bio"] == changes["bio"], public


def test_bio_may_have_2000_characters(info):
    s = Session(info, register_user(info))
    bio = "é" * 2000  # characters, not bytes
    r = s.call("PATCH", ACCOUNT, json={"bio": bio})
    assert r.status == 200, f"a bio of 2000 characters (4000 bytes): {r}"
    assert profile(info, s.user.username)["bio"] == bio


def test_patch_refuses_invalid_values_naming_each_field(info):
    s = Session(info, register_user(info))
    assert s.call("PATCH", ACCOUNT, json={"bio": "before", "website": "https://example.org/"}).status == 200
    cases = [
        ({"bio": "x" * 2001}, "bio"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "ftp://example.org/"}, "website"),
        ({"website": "example.org"}, "website"),
        ({"website": "https://exa mple.org/"}, "website"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": "bell\x07"}, "last_name"),
    ]
    for body, field in cases:
        r = s.call("PATCH", ACCOUNT, json=body)
        problem = assert_problem(r, 422, "validation_failed")
        assert field in field_errors(problem), f"PATCH {body!r:.80}: the 422 does not name {field!r}: {problem}"
    r = s.call("PATCH", ACCOUNT, json={"bio": "y" * 2001, "website": "javascript:x", "first_name": "ok"})
    problem = assert_problem(r, 422, "validation_failed")
    assert {"bio", "website"} <= field_errors(problem), f"one 422 names every bad field: {problem}"
    public = profile(info, s.user.username)
    assert (public["bio"], public["website"], public["first_name"]) == ("before", "https://example.org/", ""), \
        f"a refused PATCH changed the profile: {public}"
    assert_problem(s.call("PATCH", ACCOUNT, json={"bio": 5}), 400, "bad_request")


def test_patch_needs_credentials(info):
    assert_problem(fresh_client(info).request("PATCH", ACCOUNT, json={"bio": "x"}), 401, "unauthorized")


# --- public profile -------------------------------------------------------------------

def test_public_profile_has_exactly_the_public_fields(info):
    s = Session(info, register_user(info, first_name="Ada", last_name="Secretlastname"))
    assert s.call("PATCH", ACCOUNT, json={"bio": "hello", "website": "https://ada.example.org/"}).status == 200
    r = fresh_client(info).get(f"/api/v1/users/{s.user.username}")
    assert r.status == 200, r
    body = r.json
    assert set(body) == PUBLIC_FIELDS, f"public profile fields differ from API.md: {sorted(body)}"
    assert (body["username"], body["first_name"], body["bio"], body["website"]) == \
        (s.user.username, "Ada", "hello", "https://ada.example.org/"), body
    assert RFC3339_UTC.match(body["created_at"]), body
    assert body["project_count"] == 0 and body["picture_url"] is None, body
    text = r.body.decode()
    for private in (s.user.email, s.user.email.split("@")[0], "Secretlastname", str(s.client.client_ip)):
        assert private not in text, f"the public profile shows {private!r}: {text}"
    assert_problem(fresh_client(info).get(f"/api/v1/users/nobody_{secrets.token_hex(5)}"), 404, "not_found")


# --- export ---------------------------------------------------------------------------

def walk(value, key=None):
    """(key, value) of every scalar in a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)
    else:
        yield key, value


def test_export_holds_the_callers_data_and_nobody_elses(info):
    me_user, other_user = register_user(info), register_user(info)
    mine = [Session(info, me_user), Session(info, me_user)]
    theirs = Session(info, other_user)
    assert mine[0].call("PATCH", ACCOUNT, json={"bio": "my bio"}).status == 200
    assert theirs.call("PATCH", ACCOUNT, json={"bio": "their bio"}).status == 200
    # The other user acts on the caller's account: must not leak into the export either.
    assert_problem(theirs.call("DELETE", f"{API}/sessions/{mine[1].sid}"), 404, "not_found")

    r = mine[0].call("GET", f"{ACCOUNT}/export")
    assert r.status == 200, f"GET /account/export: {r}"
    assert r.header("content-type").startswith("application/json"), r.headers
    export = r.json
    text = r.body.decode()

    assert isinstance(export.get("profile"), dict), f"no profile object in the export: {sorted(export)}"
    prof = export["profile"]
    assert (prof.get("id"), prof.get("username"), prof.get("email")) == (me_user.id, me_user.username, me_user.email), prof
    assert prof.get("bio") == "my bio", f"the export lacks the bio: {prof}"
    session_ids = {str(item.get("id")) for item in export.get("sessions", [])}
    assert {s.sid for s in mine} <= session_ids, f"the export lacks the caller's sessions: {session_ids}"
    logged = mine[0].call("GET", f"{ACCOUNT}/logs?per_page=100").json["items"]
    exported = {str(item.get("id")): item.get("event") for item in export.get("logs", [])}
    missing = [item for item in logged if str(item["id"]) not in exported]
    assert len(logged) >= 3 and not missing, f"the export lacks entries of the account log: {missing}"
    for key in ("likes", "comments", "projects", "files"):
        assert isinstance(export.get(key), list), f"the export has no {key!r} list: {sorted(export)}"

    for leak in (other_user.email, other_user.username, theirs.sid, theirs.client.client_ip, "their bio"):
        assert leak not in text, f"the export of {me_user.username} contains {leak!r} of another user"
    ids = [(k, v) for k, v in walk(export) if k in ("user_id", "actor_id") and v is not None]
    assert all(str(v) == str(me_user.id) for _, v in ids), f"ids of other users in the export: {ids}"


def test_export_needs_credentials(info):
    assert_problem(fresh_client(info).get(f"{ACCOUNT}/export"), 401, "unauthorized")


# --- account log ----------------------------------------------------------------------

def test_account_log_is_paginated(info):
    user, other = register_user(info), register_user(info)
    s, _, _ = Session(info, user), Session(info, user), Session(info, user)
    Session(info, other)
    for n in range(3):
        assert s.call("PATCH", ACCOUNT, json={"bio": f"bio {n}"}).status == 200

    r = s.call("GET", f"{ACCOUNT}/logs")
    assert r.status == 200, f"GET /account/logs: {r}"
    first = r.json
    assert set(first) == {"items", "page", "per_page", "total"}, f"a paginated list: {sorted(first)}"
    assert (first["page"], first["per_page"]) == (1, 20), f"defaults page 1, per_page 20: {first}"
    total = first["total"]
    assert total >= 4 and len(first["items"]) == min(total, 20), \
        f"a registration and 3 logins make at least 4 entries: total {total}, {len(first['items'])} items"
    for item in first["items"]:
        assert item.get("event") and RFC3339_UTC.match(item.get("created_at", "")), item

    pages = []
    for page in range(1, (total + 1) // 2 + 2):
        r = s.call("GET", f"{ACCOUNT}/logs?per_page=2&page={page}")
        assert r.status == 200, r
        body = r.json
        assert (body["page"], body["per_page"], body["total"]) == (page, 2, total), body
        pages.append(body["items"])
    assert [len(p) for p in pages] == [2] * (total // 2) + [total % 2] + ([0] if total % 2 else []), \
        f"page sizes for total {total}: {[len(p) for p in pages]}"
    ids = [item["id"] for p in pages for item in p]
    assert len(ids) == len(set(ids)) == total, f"pages overlap or miss entries: {ids}"
    assert sorted(map(str, ids)) == sorted(str(i["id"]) for i in s.call("GET", f"{ACCOUNT}/logs?per_page=100").json["items"])

    text = s.call("GET", f"{ACCOUNT}/logs?per_page=100").body.decode()
    assert other.username not in text and other.email not in text, "another user's log entries are listed"


def test_account_log_page_bounds(info):
    s = Session(info, register_user(info))
    for query in ("page=0", "per_page=0", "page=-1", "page=x", "per_page=abc"):
        assert_problem(s.call("GET", f"{ACCOUNT}/logs?{query}"), 400, "bad_request")
    r = s.call("GET", f"{ACCOUNT}/logs?per_page=100")
    assert r.status == 200 and r.json["per_page"] == 100, r
    r = s.call("GET", f"{ACCOUNT}/logs?per_page=101")
    assert r.status == 400 or (r.status == 200 and r.json["per_page"] <= 100), \
        f"per_page is at most 100: {r}"
    r = s.call("GET", f"{ACCOUNT}/logs?page=999")
    assert r.status == 200 and r.json["items"] == [] and r.json["total"] >= 1, r


# --- DELETE /account ------------------------------------------------------------------

def personal_rows(info, table, user, extra=""):
    """Rows of `table` whose text mentions the user's email, username or email local part."""
    needles = [user.email, user.username, user.email.split("@")[0]]
    cond = " OR ".join(f"strpos(lower(t::text), lower({sql_text(n)})) > 0" for n in needles)
    return psql(info, f"SELECT t::text FROM {table} t WHERE ({cond}) {extra}")


def test_delete_account_needs_the_password(info):
    s = Session(info, register_user(info))
    assert_problem(s.call("DELETE", ACCOUNT, json={"password": "Wr0ng!" + secrets.token_hex(4)}),
                   401, "invalid_credentials")
    assert me(info, s.access).status == 200, "a refused deletion ended the session"
    assert psql(info, f"SELECT count(*) FROM users WHERE id = {int(s.user.id)}") == "1", "deleted with a wrong password"
    assert_problem(fresh_client(info).request("DELETE", ACCOUNT, json={"password": s.user.password}),
                   401, "unauthorized")


def test_delete_account_leaves_no_personal_data(info):
    user = register_user(info, first_name="Erasable", last_name="Person")
    uid = int(user.id)
    a, b = Session(info, user), Session(info, user)
    assert a.call("PATCH", ACCOUNT, json={"bio": f"bio of {user.username}"}).status == 200
    assert fresh_client(info).post(f"{API}/password/forgot", json={"email": user.email}).status == 202
    mailbox.wait_for_token(info, user.email, mailbox.RESET_PATH)
    assert psql(info, f"SELECT count(*) FROM email_tokens WHERE user_id = {uid}") == "2", \
        "arrange: a verification and a reset token"
    session_ids = psql(info, f"SELECT string_agg(quote_literal(id::text), ',') FROM sessions WHERE user_id = {uid}")
    assert session_ids, "arrange: the two logins have sessions"

    r = a.call("DELETE", ACCOUNT, json={"password": user.password})
    assert r.status == 204, f"DELETE /account with the right password: expected 204, got {r}"

    for s in (a, b):
        assert me(info, s.access).status == 401, "a session of the deleted account still works"
        assert refresh_body(info, s.refresh).status == 401, "a refresh token of the deleted account still works"
    r = fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": user.password})
    assert_problem(r, 401, "invalid_credentials")
    assert fresh_client(info).get(f"/api/v1/users/{user.username}").status == 404, "the public profile is still there"

    checks = {
        "users": f"SELECT count(*) FROM users WHERE id = {uid}",
        "sessions": f"SELECT count(*) FROM sessions WHERE user_id = {uid} OR id::text IN ({session_ids})",
        "refresh_tokens": f"SELECT count(*) FROM refresh_tokens WHERE session_id::text IN ({session_ids})",
        "email_tokens": f"SELECT count(*) FROM email_tokens WHERE user_id = {uid}",
        "backup_codes": f"SELECT count(*) FROM backup_codes WHERE user_id = {uid}",
        "account_logs": f"SELECT count(*) FROM account_logs WHERE user_id = {uid} OR actor_id = {uid}",
    }
    for table, query in checks.items():
        assert psql(info, query) == "0", f"{table} still has rows of the deleted user: {query}"
    for table in ("users", "sessions", "refresh_tokens", "email_tokens", "account_logs"):
        rows = personal_rows(info, table, user)
        assert rows == "", f"{table} still mentions the deleted user's email or username:\n{rows}"
    sessions_in_logs = psql(info, "SELECT count(*) FROM account_logs WHERE detail::text ~ "
                                  f"{sql_text('|'.join([a.sid, b.sid]))}")
    assert sessions_in_logs == "0", "account_logs still name the deleted user's sessions"

    mentions = psql(info, "SELECT event || '|' || ip || '|' || user_agent || '|' || coalesce(actor_id::text, '') "
                          "FROM account_logs l WHERE EXISTS (SELECT 1 FROM jsonb_each_text(l.detail) d "
                          f"WHERE d.key LIKE '%id' AND d.value = '{uid}')")
    assert mentions.splitlines() == ["account_deleted|||"], (
        "exactly one account_deleted event, without ip, user agent or actor, may keep the deleted user's id; "
        f"found: {mentions.splitlines()}")
