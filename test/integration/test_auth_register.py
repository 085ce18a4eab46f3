"""POST /api/v1/auth/register: the User answer, uniqueness ignoring case and
Unicode compatibility forms, the password policy (one 422 listing every broken
rule), field validation, Argon2id hashes, and bad input that must not hurt a
worker (API.md "Auth", "Passwords"; issue 4)."""
import json
import os
import random

import pytest

from authhelpers import (API, RFC3339_UTC, USER_FIELDS, argon2_params, fresh_client, full_width,
                         log_rows_for_request, new_identity, problem_summary, rand_hex, register_user, worker_pids)
from stoaclient import assert_problem, psql


def post_register(info, body, **kw):
    """Each attempt from its own address: register is limited to 3/hour per IP."""
    return fresh_client(info).post(f"{API}/register", json=body, **kw)


def error_codes(body, field):
    return sorted(e["code"] for e in body.get("errors", []) if e.get("field") == field)


def test_register_answers_201_with_exactly_the_user_fields(info):
    username, email, password = new_identity()
    c = fresh_client(info)
    r = c.post(f"{API}/register", json={"username": username, "email": email, "password": password,
                                        "first_name": "Zoë", "last_name": "O'Hara"})
    assert r.status == 201, r
    assert r.header("content-type").startswith("application/json"), r.headers
    body = r.json
    assert set(body) == {"user"}, f"register answers {{\"user\": User}}, got keys {sorted(body)}"
    user = body["user"]
    assert set(user) == USER_FIELDS, (f"User fields differ from API.md: extra {sorted(set(user) - USER_FIELDS)}, "
                                      f"missing {sorted(USER_FIELDS - set(user))}")
    assert isinstance(user["id"], (int, str)) and not isinstance(user["id"], bool), user
    assert user["username"] == username, user
    assert user["email"] == email, user
    assert user["first_name"] == "Zoë" and user["last_name"] == "O'Hara", user
    assert user["role"] == "guest", f"new accounts are guests until verified: {user}"
    assert user["email_verified"] is False, user
    assert user["totp_enabled"] is False, user
    assert RFC3339_UTC.match(user["created_at"]), f"created_at is not RFC 3339 UTC: {user['created_at']!r}"
    assert user["last_login_at"] is None, f"never logged in yet: {user}"
    assert user["picture_url"] is None, user
    for secret in ("password", "password_hash"):
        assert secret not in r.body.decode(), f"the answer mentions {secret!r}: {r.body[:400]!r}"


def test_register_stores_an_argon2id_hash_at_owasp_strength(info):
    user = register_user(info)
    stored = psql(info, f"SELECT password_hash FROM users WHERE id = {int(user.id)}")
    assert user.password not in stored, "the password is stored in clear"
    params = argon2_params(stored)
    assert params, f"password_hash is not an encoded Argon2id hash: {stored[:40]!r}"
    # OWASP Password Storage Cheat Sheet: any of these (memory KiB, passes), parallelism 1.
    owasp = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]
    assert any(params["m"] >= m and params["t"] >= t for m, t in owasp), \
        f"Argon2id parameters m={params['m']} KiB t={params['t']} are below the OWASP minimum {owasp}"


def test_register_writes_an_audit_row_with_ip_agent_and_request_id(info):
    username, email, password = new_identity()
    c = fresh_client(info)
    agent = f"stoa-test-agent/{rand_hex(6)}"
    r = c.post(f"{API}/register", json={"username": username, "email": email, "password": password},
               headers={"User-Agent": agent})
    assert r.status == 201, r
    rows = log_rows_for_request(info, r.header("x-request-id"))
    events = [row["event"] for row in rows]
    assert events == ["register"], f"account_logs rows for the register request: {rows}"
    row = rows[0]
    assert row["user_id"] == str(r.json["user"]["id"]), row
    assert row["ip"] == c.client_ip, f"logged IP {row['ip']!r}, client was {c.client_ip!r}"
    assert row["user_agent"] == agent, row
    assert row["has_time"] == "t", row


def test_register_queues_a_verification_email(info):
    if psql(info, "SELECT to_regclass('outbox') IS NULL") == "t":
        pytest.skip("no outbox table yet: the verification mail cannot be queued")
    user = register_user(info)
    queued = psql(info, f"SELECT count(*) FROM outbox WHERE lower(recipient) = lower('{user.email}')")
    assert queued == "1", f"register queues one verification email to {user.email}, found {queued}"


def test_register_normalises_username_and_email_to_lower_case(info):
    username, email, password = new_identity()
    r = post_register(info, {"username": username.upper(), "email": email.upper(), "password": password})
    assert r.status == 201, r
    assert r.json["user"]["username"] == username, "usernames are stored lower-cased"
    assert r.json["user"]["email"].lower() == email, r.json


@pytest.mark.parametrize("variant", ["same", "upper", "full_width"])
def test_username_taken_ignores_case_and_compatibility_forms(info, variant):
    user = register_user(info)
    name = {"same": user.username, "upper": user.username.upper(), "full_width": full_width(user.username)}[variant]
    _, email, password = new_identity()
    r = post_register(info, {"username": name, "email": email, "password": password})
    assert_problem(r, 409, "username_taken")


@pytest.mark.parametrize("variant", ["same", "upper", "full_width_local", "full_width_all"])
def test_email_taken_ignores_case_and_compatibility_forms(info, variant):
    user = register_user(info)
    local, _, domain = user.email.partition("@")
    email = {"same": user.email, "upper": user.email.upper(),
             "full_width_local": full_width(local) + "@" + domain,
             "full_width_all": full_width(user.email)}[variant]
    username, _, password = new_identity()
    r = post_register(info, {"username": username, "email": email, "password": password})
    assert_problem(r, 409, "email_taken")


def test_full_width_username_is_stored_in_its_ascii_form(info):
    username, email, password = new_identity()
    r = post_register(info, {"username": full_width(username), "email": email, "password": password})
    assert r.status == 201, r
    assert r.json["user"]["username"] == username, r.json


def test_a_failed_register_creates_nothing(info):
    user = register_user(info)
    username, _, password = new_identity()
    r = post_register(info, {"username": username, "email": user.email.upper(), "password": password})
    assert_problem(r, 409, "email_taken")
    count = psql(info, f"SELECT count(*) FROM users WHERE username = '{username}'")
    assert count == "0", f"a user {username} exists after a 409"


# (password, expected codes): each case breaks exactly the listed rules.
PASSWORD_CASES = [
    ("Zq1!", ["too_short"]),
    ("zqxvkwjhpfmt", ["missing_digit", "missing_symbol", "missing_upper"]),
    ("ZQXVKWJHPFMT", ["missing_digit", "missing_lower", "missing_symbol"]),
    ("Zqxvkwjh!", ["missing_digit"]),
    ("Zqxvkwjh7", ["missing_symbol"]),
    ("zqxvkwjh7!", ["missing_upper"]),
    ("ZQXVKWJH7!", ["missing_lower"]),
    ("A1!" + "z" * 126, ["too_long"]),
    ("~", ["missing_digit", "missing_lower", "missing_upper", "too_short"]),
    ("password", ["missing_digit", "missing_symbol", "missing_upper", "too_common"]),
    ("P@ssw0rd", ["too_common"]),
]


@pytest.mark.parametrize("password,codes", PASSWORD_CASES, ids=[f"case{i}" for i in range(len(PASSWORD_CASES))])
def test_password_policy_lists_every_broken_rule_once(info, password, codes):
    username, email, _ = new_identity()
    r = post_register(info, {"username": username, "email": email, "password": password})
    body = assert_problem(r, 422, "validation_failed")
    got = error_codes(body, "password")
    assert got == sorted(codes), f"password {password!r}: expected exactly {sorted(codes)}, got {got} ({body})"
    others = [e for e in body["errors"] if e.get("field") != "password"]
    assert not others, f"only the password is wrong, but errors name {others}"
    for e in body["errors"]:
        assert e.get("message"), f"error entry without a message: {e}"


def test_password_containing_the_username_or_email_local_part(info):
    username, email, _ = new_identity()
    local = email.split("@")[0]
    for password in ("Xx!9" + username + "q", "Xx!9" + username.upper(), "Aa!9" + local,
                     "Aa!9" + local.upper() + "z"):
        r = post_register(info, {"username": username, "email": email, "password": password})
        body = assert_problem(r, 422, "validation_failed")
        assert error_codes(body, "password") == ["contains_identity"], f"{password!r}: {body}"


def test_password_equal_to_the_username_breaks_several_rules_including_identity(info):
    username, email, _ = new_identity()
    r = post_register(info, {"username": username, "email": email, "password": username})
    body = assert_problem(r, 422, "validation_failed")
    assert "contains_identity" in error_codes(body, "password"), body


@pytest.mark.parametrize("length", [8, 128])
def test_password_length_boundaries_are_accepted(info, length):
    username, email, _ = new_identity()
    password = ("Aq7!" + rand_hex(200))[:length]
    r = post_register(info, {"username": username, "email": email, "password": password})
    assert r.status == 201, f"a {length}-character password that follows every rule: {r}"


def test_password_of_129_characters_is_too_long(info):
    username, email, _ = new_identity()
    password = ("Aq7!" + rand_hex(200))[:129]
    body = assert_problem(post_register(info, {"username": username, "email": email, "password": password}),
                          422, "validation_failed")
    assert error_codes(body, "password") == ["too_long"], body


@pytest.mark.parametrize("username", ["ab", "a" * 33, "bad name", "bad/name", "Ünïcode", "a;drop", "",
                                      "'; DROP TABLE users; --"])
def test_bad_username_is_422_naming_the_field(info, username):
    _, email, password = new_identity()
    r = post_register(info, {"username": username, "email": email, "password": password})
    body = assert_problem(r, 422, "validation_failed")
    fields = {e["field"] for e in body.get("errors", [])}
    assert "username" in fields, f"username {username!r}: errors {body.get('errors')}"
    assert "email" not in fields, f"the email was fine: {body.get('errors')}"


@pytest.mark.parametrize("email", ["nope", "a@b", "a@@example.org", "a b@example.org", "@example.org", "a@",
                                   "x" * 250 + "@example.org", "<a>@example.org", "a@example.org\r\nBcc: x@y.z"])
def test_bad_email_is_422_naming_the_field(info, email):
    username, _, password = new_identity()
    r = post_register(info, {"username": username, "email": email, "password": password})
    body = assert_problem(r, 422, "validation_failed")
    fields = {e["field"] for e in body.get("errors", [])}
    assert "email" in fields, f"email {email!r}: errors {body.get('errors')}"
    assert "username" not in fields, f"the username was fine: {body.get('errors')}"


def test_missing_fields_are_all_named_in_one_422(info):
    body = assert_problem(post_register(info, {}), 422, "validation_failed")
    fields = {e["field"] for e in body.get("errors", [])}
    assert {"username", "email", "password"} <= fields, f"one 422 names every missing field: {body}"


@pytest.mark.parametrize("body", [
    {"username": 123, "email": "a@example.org", "password": "Sup3r$ecret!x"},
    {"username": "u_types", "email": ["a@example.org"], "password": "Sup3r$ecret!x"},
    {"username": "u_types", "email": "a@example.org", "password": {"x": 1}},
    {"username": "u_types", "email": "a@example.org", "password": True},
    {"username": "u_types", "email": "a@example.org", "password": "Sup3r$ecret!x", "first_name": 5},
    [1, 2, 3],
    "a string",
])
def test_wrong_types_are_400(info, body):
    assert_problem(post_register(info, body), 400, "bad_request")


def test_form_encoded_body_to_the_json_endpoint_is_415(info):
    r = fresh_client(info).post(f"{API}/register", body="username=u&email=e&password=p",
                                content_type="application/x-www-form-urlencoded")
    assert_problem(r, 415, "unsupported_media_type")


@pytest.mark.parametrize("path", [f"{API}/register", f"{API}/login"])
def test_64_kib_of_garbage_is_refused_and_the_worker_keeps_serving(info, path):
    pids = worker_pids(info)
    c = fresh_client(info)
    for size in (64 * 1024, 64 * 1024 + 1, 70 * 1024):
        r = c.post(path, body=os.urandom(size), content_type="application/json")
        assert r.status in (400, 413), f"{size} bytes of garbage to {path}: {problem_summary(r)}"
        assert r.header("content-type").startswith("application/problem+json"), r.headers
    big_json = json.dumps({"login": "x" * (60 * 1024), "username": "x" * (60 * 1024), "password": "y"})
    r = c.post(path, body=big_json, content_type="application/json")
    assert r.status in (400, 401, 413, 422), f"60 KiB JSON to {path}: {problem_summary(r)}"
    assert c.get("/health").status == 200
    user = register_user(info)  # the workers still do real work
    r = fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": user.password})
    assert r.status == 200, r
    died = [p for p in pids if p not in worker_pids(info)]
    assert not died, f"workers {died} died on garbage bodies"



def test_the_shipped_common_password_list_is_enforced(info):
    source = os.environ.get("STOA_SOURCE_DIR")
    path = os.path.join(source or "", "data", "common-passwords.txt")
    if not source or not os.path.exists(path):
        pytest.skip(f"{path}: not found (set STOA_SOURCE_DIR)")
    with open(path, encoding="utf-8", errors="replace") as f:
        entries = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    assert len(entries) >= 10000, f"the common password list has {len(entries)} entries, at least 10,000 required"
    sample = random.Random(4).sample([e for e in entries if 8 <= len(e) <= 128], 15)
    refused = []
    for password in sample:
        username, email, _ = new_identity()
        r = post_register(info, {"username": username, "email": email, "password": password})
        if r.status != 422 or "too_common" not in error_codes(r.json, "password"):
            refused.append(f"{password!r}: {problem_summary(r)} {r.json.get('errors') if r.status == 422 else ''}")
    assert not refused, "listed common passwords not reported as too_common:\n" + "\n".join(refused)
