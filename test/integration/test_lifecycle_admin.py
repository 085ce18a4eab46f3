"""The admin API (API.md "Admin"; issue 5 "Flows"): every route needs role
admin; list/search/filter users, one user with lockout state and recent log,
unlock, forced password reset, role and verified flag, deletion, the audit
log with filters; every admin action is logged with the admin's id; the last
admin cannot be demoted or deleted. Admins are made the operator's way,
`stoactl create-admin` with the password on stdin.

The last-admin rule needs a database with exactly one admin, which the
shared stack (where other test files make admins at any time) cannot
guarantee: those tests start a private stack of their own."""
import datetime
import os
import secrets
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

import stack as stack_tools
from authhelpers import (API, USER_FIELDS, User, bearer, fresh_client, login, me, new_identity, new_password,
                         rand_hex, refresh_body, register_user, set_role, sql_text)
from stoaclient import assert_problem, psql

ADMIN = "/api/v1/admin"


# --- helpers ----------------------------------------------------------------------

def stoactl(info, *args, stdin=""):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOA_", "DATABASE_", "JWT_"))}
    env.update(info["env"])
    return subprocess.run([os.path.join(info["bin_dir"], "stoactl"), *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60)


class Caller:
    """A logged-in user calling with a Bearer token from its own address."""

    def __init__(self, info, user):
        self.info = info
        self.user = user
        self.id = user.id
        self.client, r = login(info, user)
        self.access = r.json["access_token"]
        self.refresh = r.json["refresh_token"]

    def call(self, method, path, json=None):
        return fresh_client(self.info, ip=self.client.client_ip).request(
            method, path, json=json, headers=bearer(self.access))


def create_admin(info):
    username, email, password = new_identity()
    r = stoactl(info, "create-admin", "--username", username, "--email", email, stdin=password + "\n")
    assert r.returncode == 0, f"stoactl create-admin: exit {r.returncode}: {r.stdout}{r.stderr}"
    _, logged_in = login(info, User(username, email, password, {"id": None}))
    record = logged_in.json["user"]
    assert record["role"] == "admin", f"create-admin made role {record['role']!r}: {record}"
    return Caller(info, User(username, email, password, record))


def register_named(info, username):
    email, password = f"m_{rand_hex(10)}@example.org", new_password()
    r = fresh_client(info).post(f"{API}/register", json={"username": username, "email": email, "password": password})
    assert r.status == 201, f"registering {username}: {r}"
    return User(username, email, password, r.json["user"])


def one_user(resp):
    """The user object of GET /admin/users/{id} (wrapped in "user" or not)."""
    assert resp.status == 200, f"GET {ADMIN}/users/{{id}}: {resp}"
    body = resp.json
    return body["user"] if isinstance(body.get("user"), dict) else body


def is_locked(user_obj):
    if "locked" in user_obj:
        return user_obj["locked"]
    assert "locked_until" in user_obj, f"no lockout state (locked / locked_until) in {sorted(user_obj)}"
    return user_obj["locked_until"] is not None


def page(resp):
    assert resp.status == 200, resp
    body = resp.json
    assert set(body) == {"items", "page", "per_page", "total"}, f"a paginated list: {sorted(body)}"
    return body


def actors_of_request(info, resp):
    """actor_id of the account_logs rows the request wrote."""
    rid = resp.header("x-request-id")
    assert rid, resp.headers
    return psql(info, "SELECT coalesce(actor_id::text, '') FROM account_logs "
                      f"WHERE request_id = {sql_text(rid)}").splitlines()


def assert_logged_by(info, resp, admin, what):
    actors = actors_of_request(info, resp)
    assert str(admin.id) in actors, f"{what} is not logged with the admin {admin.id} as actor: actors {actors}"


def fail_logins(info, user, times):
    for _ in range(times):
        r = fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": "Wr0ng!" + rand_hex(6)})
        assert r.status == 401, r


def try_login(info, user, password=None):
    return fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": password or user.password})


def rfc3339(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture(scope="module")
def admin(info):
    return create_admin(info)


# --- stoactl create-admin ------------------------------------------------------------

def test_create_admin_reads_the_password_from_stdin(info, admin):
    row = psql(info, f"SELECT role, email_verified_at IS NOT NULL FROM users WHERE id = {int(admin.id)}")
    assert row == "admin|t", f"stoactl create-admin stored {row}"
    assert admin.call("GET", f"{ADMIN}/users").status == 200


def test_create_admin_refuses_a_password_on_the_command_line(info):
    username, email, password = new_identity()
    r = stoactl(info, "create-admin", "--username", username, "--email", email, "--password", password,
                stdin=password + "\n")
    assert r.returncode != 0, f"--password on the command line was accepted: {r.stdout}{r.stderr}"
    assert "stdin" in r.stderr or "standard input" in r.stderr, f"the refusal should say where passwords go: {r.stderr}"
    assert password not in r.stdout + r.stderr, "the refusal echoes the password"
    assert psql(info, f"SELECT count(*) FROM users WHERE username = {sql_text(username)}") == "0"


def test_create_admin_refuses_a_weak_password(info):
    username, email, _ = new_identity()
    r = stoactl(info, "create-admin", "--username", username, "--email", email, stdin="abc\n")
    assert r.returncode != 0, f"a weak admin password was accepted: {r.stdout}{r.stderr}"
    assert psql(info, f"SELECT count(*) FROM users WHERE username = {sql_text(username)}") == "0"


# --- access ------------------------------------------------------------------------

def admin_routes(target_id):
    return [("GET", f"{ADMIN}/users", None), ("GET", f"{ADMIN}/users/{target_id}", None),
            ("POST", f"{ADMIN}/users/{target_id}/unlock", None),
            ("POST", f"{ADMIN}/users/{target_id}/force-password-reset", None),
            ("PATCH", f"{ADMIN}/users/{target_id}", {"role": "admin"}),
            ("DELETE", f"{ADMIN}/users/{target_id}", None), ("GET", f"{ADMIN}/logs", None)]


@pytest.mark.parametrize("role", ["guest", "user", "moderator"])
def test_admin_routes_are_forbidden_below_admin(info, role):
    caller = Caller(info, register_user(info, role=role))
    victim = register_user(info)
    for method, path, body in admin_routes(victim.id) + [("PATCH", f"{ADMIN}/users/{caller.id}", {"role": "admin"})]:
        assert_problem(caller.call(method, path, json=body), 403, "forbidden")
    state = psql(info, "SELECT role || '|' || password_change_required FROM users "
                       f"WHERE id IN ({int(caller.id)}, {int(victim.id)}) ORDER BY id")
    assert state.splitlines() == [f"{role}|false", "guest|false"], f"a refused admin call changed something: {state}"


def test_admin_routes_need_credentials(info):
    victim = register_user(info)
    for method, path, body in admin_routes(victim.id):
        assert_problem(fresh_client(info).request(method, path, json=body), 401, "unauthorized")
    assert psql(info, f"SELECT count(*) FROM users WHERE id = {int(victim.id)}") == "1"


# --- users -------------------------------------------------------------------------

def test_list_users_searches_filters_and_pages(info, admin):
    tag = rand_hex(8)
    users = [register_named(info, f"adm_{tag}_{n}") for n in range(3)]
    set_role(info, users[1], "moderator")
    psql(info, f"UPDATE users SET locked_until = now() + interval '15 minutes' WHERE id = {int(users[2].id)}")
    names = {u.username for u in users}

    def listing(query):
        return page(admin.call("GET", f"{ADMIN}/users?{query}"))

    body = listing(f"q={tag}")
    assert body["total"] == 3 and {i["username"] for i in body["items"]} == names, \
        f"q={tag} should find exactly the 3 users: {body}"
    for item in body["items"]:
        assert USER_FIELDS <= set(item), f"admin list items lack User fields: {sorted(USER_FIELDS - set(item))}"
    assert {i["username"] for i in listing(f"q={tag.upper()}")["items"]} == names, "search is case-sensitive"
    by_email = listing(f"q={users[0].email.split('@')[0]}")
    assert [i["username"] for i in by_email["items"]] == [users[0].username], f"search by email: {by_email}"

    first, second = listing(f"q={tag}&per_page=2&page=1"), listing(f"q={tag}&per_page=2&page=2")
    assert (first["total"], first["per_page"], len(first["items"])) == (3, 2, 2), first
    assert (second["total"], second["page"], len(second["items"])) == (3, 2, 1), second
    assert {i["username"] for i in first["items"] + second["items"]} == names, "pages overlap or miss users"

    assert [i["username"] for i in listing(f"q={tag}&role=moderator")["items"]] == [users[1].username]
    assert {i["username"] for i in listing(f"q={tag}&role=guest")["items"]} == {users[0].username, users[2].username}
    assert [i["username"] for i in listing(f"q={tag}&locked=true")["items"]] == [users[2].username], \
        "locked=true should list only the locked user"
    assert {i["username"] for i in listing(f"q={tag}&locked=false")["items"]} == {users[0].username, users[1].username}
    assert listing(f"q={tag}_nomatch")["total"] == 0

    assert admin.call("GET", f"{ADMIN}/users?role=superuser").status in (400, 422)
    assert_problem(admin.call("GET", f"{ADMIN}/users?page=0"), 400, "bad_request")


def test_lock_shows_in_the_user_and_an_admin_unlocks_it(info, admin):
    user = register_user(info)
    fail_logins(info, user, 5)
    assert_problem(try_login(info, user), 423, "account_locked")

    shown = one_user(admin.call("GET", f"{ADMIN}/users/{user.id}"))
    assert shown["id"] == user.id and shown["username"] == user.username, shown
    assert is_locked(shown) is True, f"a locked account shows as not locked: {shown}"
    recent = shown.get("recent_log")
    assert isinstance(recent, list) and recent, f"no recent_log in {sorted(shown)}"
    assert any("lock" in str(e.get("event")) for e in recent), f"the recent log lacks the lockout: {recent}"
    listed = page(admin.call("GET", f"{ADMIN}/users?q={user.username}&locked=true"))
    assert [i["id"] for i in listed["items"]] == [user.id], listed

    r = admin.call("POST", f"{ADMIN}/users/{user.id}/unlock")
    assert r.status == 204, f"POST unlock: expected 204, got {r}"
    assert_logged_by(info, r, admin, "unlock")
    assert is_locked(one_user(admin.call("GET", f"{ADMIN}/users/{user.id}"))) is False, "still locked after unlock"
    ok = try_login(info, user)
    assert ok.status == 200, f"login after an admin unlock: {ok}"


def test_unknown_user_is_404(info, admin):
    missing = int(psql(info, "SELECT coalesce(max(id), 0) + 1000000 FROM users"))
    for method, path, body in admin_routes(missing)[1:-1]:
        assert_problem(admin.call(method, path, json=body), 404, "not_found")


def test_patch_role_and_verified_flag_is_logged_with_the_admin(info, admin):
    user = register_user(info)
    r = admin.call("PATCH", f"{ADMIN}/users/{user.id}", json={"role": "moderator"})
    assert r.status == 200, f"PATCH role: expected 200, got {r}"
    assert r.json["user"]["role"] == "moderator", r.json
    assert_logged_by(info, r, admin, "a role change")

    logs = page(admin.call("GET", f"{ADMIN}/logs?user_id={user.id}&event=role_change"))
    assert logs["total"] == 1, f"one role_change logged for the user expected: {logs}"
    entry = logs["items"][0]
    assert entry["event"] == "role_change" and str(entry["user_id"]) == str(user.id), entry
    assert str(entry["actor_id"]) == str(admin.id), f"role_change logged with actor {entry['actor_id']}, not the admin"

    r = admin.call("PATCH", f"{ADMIN}/users/{user.id}", json={"email_verified": True})
    assert r.status == 200 and r.json["user"]["email_verified"] is True, f"PATCH email_verified: {r}"
    assert_logged_by(info, r, admin, "setting email_verified")
    _, logged_in = login(info, user)
    assert logged_in.json["user"]["role"] == "moderator" and logged_in.json["user"]["email_verified"] is True, \
        f"the user sees {logged_in.json['user']}"

    assert admin.call("PATCH", f"{ADMIN}/users/{user.id}", json={"role": "superuser"}).status == 422
    assert admin.call("PATCH", f"{ADMIN}/users/{user.id}", json={}).status in (400, 422)
    assert psql(info, f"SELECT role FROM users WHERE id = {int(user.id)}") == "moderator"


def test_promoted_user_can_use_the_admin_api(info, admin):
    user = register_user(info)
    assert admin.call("PATCH", f"{ADMIN}/users/{user.id}", json={"role": "admin"}).status == 200
    assert Caller(info, user).call("GET", f"{ADMIN}/users").status == 200, "a promoted admin is refused"


def test_delete_user(info, admin):
    user = register_user(info)
    victim = Caller(info, user)
    r = admin.call("DELETE", f"{ADMIN}/users/{user.id}")
    assert r.status == 204, f"DELETE user: expected 204, got {r}"
    assert_logged_by(info, r, admin, "a deletion")
    assert_problem(admin.call("GET", f"{ADMIN}/users/{user.id}"), 404, "not_found")
    assert me(info, victim.access).status == 401, "the deleted user's session still works"
    assert refresh_body(info, victim.refresh).status == 401
    assert_problem(try_login(info, user), 401, "invalid_credentials")
    assert psql(info, f"SELECT count(*) FROM users WHERE id = {int(user.id)} OR lower(email) = lower({sql_text(user.email)})") == "0"
    assert psql(info, f"SELECT count(*) FROM account_logs WHERE user_id = {int(user.id)}") == "0", \
        "the deleted user's log (IPs, user agents) is kept"
    assert_problem(admin.call("DELETE", f"{ADMIN}/users/{user.id}"), 404, "not_found")


def test_admin_actions_do_not_show_the_admins_data_to_the_user(info, admin):
    """The user's account log and export are the user's data: an admin's
    action appears there, but not the admin's address, browser or identity."""
    user = register_user(info)
    caller = Caller(info, user)
    agent = f"stoa-admin-console/{rand_hex(8)}"
    r = fresh_client(info, ip=admin.client.client_ip).request(
        "PATCH", f"{ADMIN}/users/{user.id}", json={"role": "moderator"},
        headers={**bearer(admin.access), "User-Agent": agent})
    assert r.status == 200, r
    for path in ("/api/v1/account/logs?per_page=100", "/api/v1/account/export"):
        got = caller.call("GET", path)
        assert got.status == 200, got
        text = got.body.decode()
        for leak in (admin.client.client_ip, agent, admin.user.username, admin.user.email):
            assert leak not in text, f"GET {path} of {user.username} shows the admin's {leak!r}"


# --- forced password reset ------------------------------------------------------------

def test_forced_reset_ends_sessions_and_blocks_all_but_password_change(info, admin):
    user = register_user(info)
    before = [Caller(info, user), Caller(info, user)]
    r = admin.call("POST", f"{ADMIN}/users/{user.id}/force-password-reset")
    assert r.status == 204, f"force-password-reset: expected 204, got {r}"
    assert_logged_by(info, r, admin, "a forced reset")
    for s in before:
        assert me(info, s.access).status == 401, "a session survived the forced reset"
        assert refresh_body(info, s.refresh).status == 401, "a refresh token survived the forced reset"

    s = Caller(info, user)  # login is still allowed
    assert s.call("GET", f"{API}/me").status == 200, "/me must work while a password change is required"
    blocked = [("GET", f"{API}/sessions", None), ("DELETE", f"{API}/sessions", None),
               ("GET", "/api/v1/account/logs", None), ("GET", "/api/v1/account/export", None),
               ("PATCH", "/api/v1/account", {"bio": "x"})]
    for method, path, body in blocked:
        assert_problem(s.call(method, path, json=body), 403, "password_change_required")
    other = Caller(info, user)
    assert other.call("POST", f"{API}/logout").status == 204, "/logout must work while a password change is required"

    fresh = new_password()
    r = s.call("POST", f"{API}/password/change", json={"current_password": user.password, "new_password": fresh})
    assert r.status == 204, f"password change under a forced reset: {r}"
    for method, path, _ in blocked[:1] + blocked[2:4]:
        r = s.call(method, path)
        assert r.status == 200, f"{method} {path} after the password change: {r}"
    assert try_login(info, user, fresh).status == 200


# --- audit log ---------------------------------------------------------------------------

def test_audit_log_filters(info, admin):
    user = register_user(info)
    time.sleep(1.1)
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(milliseconds=300)
    r = admin.call("PATCH", f"{ADMIN}/users/{user.id}", json={"role": "moderator"})
    assert r.status == 200, r

    everything = page(admin.call("GET", f"{ADMIN}/logs?user_id={user.id}"))
    events = [i["event"] for i in everything["items"]]
    assert everything["total"] >= 2 and "role_change" in events, f"the user's log: {events}"
    assert all(str(i["user_id"]) == str(user.id) for i in everything["items"]), everything
    for item in everything["items"]:
        assert {"id", "event", "created_at", "actor_id", "user_id"} <= set(item), f"log entry fields: {sorted(item)}"

    recent = page(admin.call("GET", f"{ADMIN}/logs?user_id={user.id}&since={rfc3339(since)}"))
    assert [i["event"] for i in recent["items"]] == ["role_change"], \
        f"since={rfc3339(since)} should keep the role change and drop the registration: {recent['items']}"
    future = rfc3339(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    assert page(admin.call("GET", f"{ADMIN}/logs?user_id={user.id}&since={future}"))["total"] == 0
    offset = since.astimezone(datetime.timezone(datetime.timedelta(hours=2))).isoformat().replace("+", "%2B")
    assert [i["event"] for i in page(admin.call("GET", f"{ADMIN}/logs?user_id={user.id}&since={offset}"))["items"]] \
        == ["role_change"], f"since with a +02:00 offset ({offset})"

    by_event = page(admin.call("GET", f"{ADMIN}/logs?event=role_change&user_id={user.id}&per_page=1"))
    assert by_event["total"] == 1 and by_event["per_page"] == 1, by_event
    one = page(admin.call("GET", f"{ADMIN}/logs?user_id={user.id}&per_page=1&page=2"))
    assert one["total"] == everything["total"] and len(one["items"]) == 1, one

    # Not RFC 3339: a word, an impossible date, a time without its offset
    # (which the database would read in its own time zone).
    for bad in ("since=yesterday", "since=2026-13-45T00:00:00Z", "since=2026-01-01T00:00:00", "user_id=abc",
                "page=0"):
        r = admin.call("GET", f"{ADMIN}/logs?{bad}")
        assert r.status == 400, f"GET {ADMIN}/logs?{bad}: expected 400 bad_request, got {r}"
        assert_problem(r, 400, "bad_request")


# --- the last admin (a private stack) -----------------------------------------------------------

@pytest.fixture(scope="module")
def solo(info):
    """A stack of our own whose database has no admin yet."""
    directory = tempfile.mkdtemp(prefix="stoa-solo-")
    try:
        s = stack_tools.start_stack(directory, info["bin_dir"], workers=4)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    try:
        yield s.info
    finally:
        s.stop()
        shutil.rmtree(directory, ignore_errors=True)


def worker_log_for(info, resp):
    """The worker log lines of a response's request (for a 500's cause)."""
    rid = resp.header("x-request-id") or "?"
    try:
        with open(info["logs"]["workers"], encoding="utf-8", errors="replace") as f:
            return [line.strip()[:600] for line in f if rid in line]
    except OSError as e:
        return [str(e)]


def admin_count(info):
    return int(psql(info, "SELECT count(*) FROM users WHERE role = 'admin'"))


def test_the_last_admin_cannot_demote_or_delete_themselves(solo):
    only = create_admin(solo)
    assert admin_count(solo) == 1, "arrange: exactly one admin"
    assert_problem(only.call("PATCH", f"{ADMIN}/users/{only.id}", json={"role": "user"}), 409, "conflict")
    assert_problem(only.call("DELETE", f"{ADMIN}/users/{only.id}"), 409, "conflict")
    assert_problem(only.call("DELETE", "/api/v1/account", json={"password": only.user.password}), 409, "conflict")
    assert only.call("GET", f"{ADMIN}/users/{only.id}").status == 200, "the last admin lost access"
    assert admin_count(solo) == 1

    second = register_user(solo)
    assert only.call("PATCH", f"{ADMIN}/users/{second.id}", json={"role": "admin"}).status == 200
    r = only.call("PATCH", f"{ADMIN}/users/{only.id}", json={"role": "user"})
    assert r.status == 200, f"with another admin, demoting oneself is allowed: {r}"
    other = Caller(solo, second)
    assert_problem(other.call("PATCH", f"{ADMIN}/users/{second.id}", json={"role": "moderator"}), 409, "conflict")
    assert_problem(other.call("DELETE", f"{ADMIN}/users/{second.id}"), 409, "conflict")
    assert admin_count(solo) == 1


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_admins_demoting_each_other_at_once_leave_an_admin(solo, method):
    """The last-admin rule must hold under concurrency: admins who demote
    (PATCH role user) or delete each other at the same moment (a ring of
    four: A -> B -> C -> D -> A) cannot all succeed, and no request may fail
    with a 5xx."""
    ring = 4
    for round_ in range(10):
        for u in psql(solo, "SELECT id FROM users WHERE role = 'admin'").split():
            psql(solo, f"UPDATE users SET role = 'user' WHERE id = {int(u)}")
        admins = [create_admin(solo) for _ in range(ring)]
        assert admin_count(solo) == ring, f"arrange: {ring} admins"
        barrier = threading.Barrier(ring)
        results = [None] * ring

        def act(i):
            caller, target = admins[i], admins[(i + 1) % ring]
            body = {"role": "user"} if method == "PATCH" else None
            barrier.wait()
            results[i] = caller.call(method, f"{ADMIN}/users/{target.id}", json=body)

        threads = [threading.Thread(target=act, args=(i,)) for i in range(ring)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        statuses = [r.status for r in results]
        left = admin_count(solo)
        errors = {i: worker_log_for(solo, r) for i, r in enumerate(results) if r.status >= 500}
        assert not errors, f"round {round_}: {method} in parallel answered {statuses}; worker log of the 5xx: {errors}"
        assert left >= 1, (f"round {round_}: {ring} admins {method} each other in parallel, answers {statuses}, "
                           f"and {left} admins are left: the last-admin check is not atomic")
        # A loser is refused as the last admin (409), no longer admin (403), or deleted (401).
        won = statuses.count(200 if method == "PATCH" else 204)
        assert won + statuses.count(409) + statuses.count(403) + statuses.count(401) == ring, \
            f"round {round_}: unexpected answers {results}"
        assert left == ring - won, f"round {round_}: {won} of {ring} succeeded but {left} admins are left"
