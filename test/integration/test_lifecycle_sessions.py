"""The sessions API (API.md "Auth"; issue 5 "Flows"): GET /sessions lists the
caller's logins with exactly one `current`; DELETE /sessions/{id} revokes
one of your own (anything else is 404); DELETE /sessions revokes all but the
current one."""
import uuid

from authhelpers import (API, RFC3339_UTC, bearer, decode_jwt, fresh_client, login, me, refresh_body,
                         register_user)
from stoaclient import assert_problem

SESSION_FIELDS = {"id", "created_at", "last_used_at", "ip", "user_agent", "current"}


class Login:
    """One login of a user: its client address, user agent and tokens."""

    def __init__(self, info, user, agent):
        self.client = fresh_client(info, v4=True)
        self.agent = agent
        r = self.client.post(f"{API}/login", headers={"User-Agent": agent},
                             json={"login": user.username, "password": user.password})
        assert r.status == 200, f"login of {user} failed: {r}"
        self.access = r.json["access_token"]
        self.refresh = r.json["refresh_token"]
        self.sid = decode_jwt(self.access)[1]["sid"]

    def call(self, method, path):
        return fresh_client(self.client.info).request(method, f"{API}{path}", headers=bearer(self.access))


def listing(login_):
    r = login_.call("GET", "/sessions")
    assert r.status == 200, f"GET /sessions: {r}"
    body = r.json
    assert isinstance(body.get("items"), list), f"GET /sessions answers {{\"items\": [...]}}: {body}"
    return body["items"]


def assert_alive(info, login_, why):
    r = me(info, login_.access)
    assert r.status == 200, f"{why}: the session's access token no longer works: {r}"


def assert_dead(info, login_, why):
    r = me(info, login_.access)
    assert_problem(r, 401, "token_invalid")
    r = refresh_body(info, login_.refresh)
    assert r.status == 401, f"{why}: the revoked session's refresh token still works: {r}"


def test_list_shows_each_login_with_exactly_one_current(info):
    user = register_user(info)
    a, b = Login(info, user, "stoa-test/a"), Login(info, user, "stoa-test/b")
    items = listing(a)
    assert len(items) == 2, f"two logins, {len(items)} sessions listed: {items}"
    for item in items:
        assert set(item) == SESSION_FIELDS, f"session fields differ from API.md: {sorted(item)}"
        assert RFC3339_UTC.match(item["created_at"]), item
        assert RFC3339_UTC.match(item["last_used_at"]), item
        assert isinstance(item["current"], bool), item
    by_id = {str(i["id"]): i for i in items}
    assert set(by_id) == {a.sid, b.sid}, f"listed ids {sorted(by_id)} are not the sessions of the two logins"
    assert [i["current"] for i in items].count(True) == 1, f"exactly one current session expected: {items}"
    assert by_id[a.sid]["current"] is True and by_id[b.sid]["current"] is False, items
    for login_ in (a, b):
        assert by_id[login_.sid]["ip"] == login_.client.client_ip, \
            f"the session's ip is {by_id[login_.sid]['ip']!r}, the login came from {login_.client.client_ip}"
        assert by_id[login_.sid]["user_agent"] == login_.agent, by_id[login_.sid]

    seen_by_b = {str(i["id"]): i["current"] for i in listing(b)}
    assert seen_by_b == {a.sid: False, b.sid: True}, f"from the second login: {seen_by_b}"


def test_list_shows_only_the_callers_sessions(info):
    user, other = register_user(info), register_user(info)
    mine, theirs = Login(info, user, "stoa-test/mine"), Login(info, other, "stoa-test/theirs")
    ids = {str(i["id"]) for i in listing(mine)}
    assert ids == {mine.sid}, f"the list shows {ids}; another user's session is {theirs.sid}"


def test_revoke_one_session(info):
    user = register_user(info)
    a, b = Login(info, user, "stoa-test/a"), Login(info, user, "stoa-test/b")
    r = a.call("DELETE", f"/sessions/{b.sid}")
    assert r.status == 204, f"DELETE /sessions/{{own other session}}: expected 204, got {r}"
    assert_dead(info, b, "revoked by DELETE /sessions/{id}")
    assert_alive(info, a, "after revoking another session")
    assert [str(i["id"]) for i in listing(a)] == [a.sid], "the revoked session is still listed"
    assert_problem(a.call("DELETE", f"/sessions/{b.sid}"), 404, "not_found")


def test_revoking_another_users_session_is_404_and_harmless(info):
    user, other = register_user(info), register_user(info)
    mine, theirs = Login(info, user, "stoa-test/mine"), Login(info, other, "stoa-test/theirs")
    r = mine.call("DELETE", f"/sessions/{theirs.sid}")
    assert_problem(r, 404, "not_found")
    assert_alive(info, theirs, "after another user tried to revoke it")
    assert theirs.sid in {str(i["id"]) for i in listing(theirs)}, "the other user's session was revoked"
    for bogus in (str(uuid.uuid4()), "not-a-session", "1"):
        assert_problem(mine.call("DELETE", f"/sessions/{bogus}"), 404, "not_found")
    assert_alive(info, mine, "after 404s")


def test_revoke_all_other_sessions(info):
    user = register_user(info)
    current, *others = [Login(info, user, f"stoa-test/{n}") for n in range(3)]
    r = current.call("DELETE", "/sessions")
    assert r.status == 204, f"DELETE /sessions: expected 204, got {r}"
    for login_ in others:
        assert_dead(info, login_, "revoked by DELETE /sessions")
    assert_alive(info, current, "DELETE /sessions must keep the current session")
    items = listing(current)
    assert [(str(i["id"]), i["current"]) for i in items] == [(current.sid, True)], items


def test_logout_removes_the_session_from_the_list(info):
    user = register_user(info)
    a, b = Login(info, user, "stoa-test/a"), Login(info, user, "stoa-test/b")
    assert b.call("POST", "/logout").status == 204
    assert [str(i["id"]) for i in listing(a)] == [a.sid], "a logged-out session is still listed"


def test_sessions_need_credentials(info):
    c = fresh_client(info)
    assert_problem(c.get(f"{API}/sessions"), 401, "unauthorized")
    assert_problem(c.request("DELETE", f"{API}/sessions"), 401, "unauthorized")
    assert_problem(c.request("DELETE", f"{API}/sessions/{uuid.uuid4()}"), 401, "unauthorized")


def test_cookie_sessions_list_and_revoke_with_csrf(info):
    """A browser lists its sessions with the cookie; revoking needs X-CSRF-Token."""
    user = register_user(info)
    c, _ = login(info, user)
    other = Login(info, user, "stoa-test/other")
    r = c.get(f"{API}/sessions")
    assert r.status == 200 and len(r.json["items"]) == 2, r
    assert_problem(c.request("DELETE", f"{API}/sessions/{other.sid}"), 403, "csrf_failed")
    assert_alive(info, other, "a DELETE refused for CSRF")
    r = c.request("DELETE", f"{API}/sessions/{other.sid}", headers={"X-CSRF-Token": c.cookies["stoa_csrf"]})
    assert r.status == 204, r
    assert_dead(info, other, "revoked from a cookie session")
