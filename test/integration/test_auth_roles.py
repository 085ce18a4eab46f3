"""Roles guest < user < moderator < admin, the route guard (401 unauthorized
without credentials, 403 forbidden below the role, 403
password_change_required while an admin-forced reset is pending), and
`stoactl create-admin` (API.md "Roles"; issue 4).

Endpoints beyond the authentication core are probed: while they answer 404
(not built yet) their checks are skipped, and they start to count as soon as
they exist."""
import os
import subprocess

import pytest

from authhelpers import (API, bearer, decode_jwt, events_of, fresh_client, login, me, new_identity,
                         register_user)
from stoaclient import assert_problem, psql

# Authenticated endpoints of API.md other than /me, /logout and /password/change.
GUARDED = [
    ("GET", f"{API}/sessions"),
    ("DELETE", f"{API}/sessions"),
    ("POST", f"{API}/2fa/setup"),
    ("PATCH", "/api/v1/account"),
    ("GET", "/api/v1/account/export"),
    ("GET", "/api/v1/account/logs"),
    ("POST", "/api/v1/likes"),
    ("POST", "/api/v1/comments"),
    ("POST", "/api/v1/projects"),
]
ADMIN_ONLY = [("GET", "/api/v1/admin/users"), ("GET", "/api/v1/admin/logs")]
USER_OR_ABOVE = [("POST", "/api/v1/comments"), ("POST", "/api/v1/likes")]


def call(info, method, path, token):
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return fresh_client(info).request(method, path, headers=bearer(token), json=body)


def existing(info, endpoints, token):
    """The endpoints that exist (answer something other than 404/405 to `token`)."""
    out = []
    for method, path in endpoints:
        r = call(info, method, path, token)
        if r.status not in (404, 405):
            out.append((method, path, r))
    return out


def test_guest_can_use_me(info):
    user = register_user(info)
    _, r = login(info, user)
    m = me(info, r.json["access_token"])
    assert m.status == 200, m
    assert set(m.json) == {"user"}, m.json
    assert m.json["user"]["id"] == user.id and m.json["user"]["role"] == "guest", m.json


def test_me_without_credentials_is_401_unauthorized(info):
    assert_problem(fresh_client(info).get(f"{API}/me"), 401, "unauthorized")


@pytest.mark.parametrize("role", ["user", "moderator", "admin"])
def test_roles_set_in_the_database_are_reported(info, role):
    user = register_user(info, role=role)
    _, r = login(info, user)
    assert r.json["user"]["role"] == role
    assert decode_jwt(r.json["access_token"])[1]["role"] == role
    assert me(info, r.json["access_token"]).json["user"]["role"] == role


def test_a_deleted_account_is_signed_out(info):
    user = register_user(info)
    _, r = login(info, user)
    psql(info, f"DELETE FROM users WHERE id = {int(user.id)}")
    m = me(info, r.json["access_token"])
    assert m.status == 401, f"the token of a deleted account still works: {m}"


def test_forced_password_change_allows_login_me_and_logout(info):
    user = register_user(info, password_change_required=True)
    _, r = login(info, user)
    token = r.json["access_token"]
    assert me(info, token).status == 200, "/me must work while a password change is pending"
    out = fresh_client(info).post(f"{API}/logout", headers=bearer(token))
    assert out.status == 204, f"/logout must work while a password change is pending: {out}"


def test_forced_password_change_blocks_every_other_endpoint(info):
    user = register_user(info, role="admin", password_change_required=True)
    _, r = login(info, user)
    found = existing(info, GUARDED + ADMIN_ONLY, r.json["access_token"])
    if not found:
        pytest.skip("no authenticated endpoint besides /me and /logout exists yet")
    wrong = [f"{m} {p}: {r_.status} {r_.body[:120]!r}" for m, p, r_ in found
             if r_.status != 403 or r_.json.get("code") != "password_change_required"]
    assert not wrong, "endpoints served during a forced password change:\n" + "\n".join(wrong)


def test_admin_endpoints_need_the_admin_role(info):
    admin = register_user(info, role="admin")
    _, ra = login(info, admin)
    found = existing(info, ADMIN_ONLY, ra.json["access_token"])
    if not found:
        pytest.skip("no admin endpoint exists yet")
    for method, path, r in found:
        assert r.status < 400, f"{method} {path} refused an admin: {r}"
    for role in ("guest", "user", "moderator"):
        user = register_user(info, role=role)
        _, r = login(info, user)
        for method, path, _ in found:
            assert_problem(call(info, method, path, r.json["access_token"]), 403, "forbidden")
    for method, path, _ in found:
        assert_problem(fresh_client(info).request(method, path), 401, "unauthorized")


def test_posting_needs_the_user_role(info):
    guest = register_user(info)
    _, r = login(info, guest)
    found = existing(info, USER_OR_ABOVE, r.json["access_token"])
    if not found:
        pytest.skip("no posting endpoint exists yet")
    for method, path, resp in found:
        assert_problem(resp, 403, "forbidden")
    member = register_user(info, role="user")
    _, r = login(info, member)
    for method, path, _ in found:
        resp = call(info, method, path, r.json["access_token"])
        assert resp.status != 403, f"{method} {path} refused a user: {resp}"


# --- stoactl create-admin ----------------------------------------------------------

def stoactl(info, *args, stdin=""):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOA_", "DATABASE_", "JWT_"))}
    env.update(info["env"])
    return subprocess.run([os.path.join(info["bin_dir"], "stoactl"), *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=60)


def test_create_admin_reads_the_password_from_stdin(info):
    username, email, password = new_identity()
    out = stoactl(info, "create-admin", "--username", username, "--email", email, stdin=password + "\n")
    assert out.returncode == 0, f"stoactl create-admin: exit {out.returncode}: {out.stdout}{out.stderr}"
    assert password not in out.stdout + out.stderr, "create-admin printed the password"
    r = fresh_client(info).post(f"{API}/login", json={"login": username, "password": password})
    assert r.status == 200, f"the new admin cannot log in: {r}"
    assert r.json["user"]["role"] == "admin", r.json["user"]


def test_create_admin_promotes_an_existing_account_and_logs_it(info):
    user = register_user(info)
    out = stoactl(info, "create-admin", "--username", user.username, "--email", user.email, stdin="")
    assert out.returncode == 0, f"stoactl create-admin (promote): exit {out.returncode}: {out.stdout}{out.stderr}"
    _, r = login(info, user)
    assert r.json["user"]["role"] == "admin", r.json["user"]
    events = events_of(info, user.id)
    assert any("role" in e for e in events), f"no role change in account_logs: {events}"


def test_create_admin_refuses_a_password_on_the_command_line(info):
    username, email, password = new_identity()
    out = stoactl(info, "create-admin", "--username", username, "--email", email, "--password", password,
                  stdin=password + "\n")
    assert out.returncode != 0, "create-admin accepted --password on the command line"
    assert psql(info, f"SELECT count(*) FROM users WHERE username = '{username}'") == "0"


def test_create_admin_applies_the_password_policy(info):
    username, email, _ = new_identity()
    out = stoactl(info, "create-admin", "--username", username, "--email", email, stdin="password\n")
    assert out.returncode != 0, "create-admin accepted the password 'password'"
    assert psql(info, f"SELECT count(*) FROM users WHERE username = '{username}'") == "0"
