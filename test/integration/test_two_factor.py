"""Two-factor authentication (API.md "Auth" /2fa/*, login's totp_code and
backup_code; issue 5 "Two-factor" and "Races"): setup answers a secret, an
otpauth:// URI and an SVG QR code; enable needs a code and answers 10 backup
codes; login asks for the second factor (totp_required / invalid_totp); a
TOTP code counts once per step and a backup code once, also under parallel
requests; disable needs the password and a code.

Codes come from `oathtool`, an implementation independent of the server's
liboath use. Instead of sleeping until the next 30-second step, a test that
needs a code the server has not seen yet takes the code of the next step,
which the server accepts within its +-1 step window.
"""
import re
import shutil
import subprocess
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

import mailbox
from authhelpers import API, bearer, events_of, fresh_client, login, me, register_user, sql_rows
from stoaclient import assert_problem, psql

TFA = f"{API}/2fa"
STEP = 30
BASE32_SECRET = re.compile(r"^[A-Z2-7]{32}$")  # 160 bits, unpadded
SVG_NS = "{http://www.w3.org/2000/svg}"

pytestmark = pytest.mark.skipif(shutil.which("oathtool") is None, reason="oathtool (Debian package oathtool) missing")


# --- helpers ---------------------------------------------------------------------

def oathtool(secret, at=None):
    """The 6-digit TOTP code of `secret` (base32) at unix time `at` (default: now)."""
    cmd = ["oathtool", "--totp", "-b", secret]
    if at is not None:
        cmd += ["--now", f"@{int(at)}"]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()


def current_code(secret):
    return oathtool(secret)


def next_step_code(secret):
    """The code of the step after the current one: fresh even right after a
    code of the current step was used, and accepted for the next minute."""
    return oathtool(secret, time.time() + STEP)


def wrong_code(secret):
    """Six digits that are no code of any step near now."""
    now = time.time()
    near = {oathtool(secret, now + k * STEP) for k in range(-3, 4)}
    return next(c for c in ("000000", "111111", "123456", "654321", "999999") if c not in near)


def api(info, token):
    """A fresh client (its own address, no cookies) and the Bearer header."""
    return fresh_client(info), bearer(token)


def post_setup(info, token):
    c, h = api(info, token)
    return c.post(f"{TFA}/setup", headers=h)


def post_enable(info, token, code):
    c, h = api(info, token)
    return c.post(f"{TFA}/enable", json={"code": code}, headers=h)


def post_disable(info, token, **body):
    c, h = api(info, token)
    return c.post(f"{TFA}/disable", json=body, headers=h)


def post_login(info, user, **second_factor):
    """One login attempt from its own address (login is limited to 5/minute per IP)."""
    return fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": user.password,
                                                          **second_factor})


class Enrolled:
    def __init__(self, user, token, secret, backup_codes):
        self.user, self.token, self.secret, self.backup_codes = user, token, secret, backup_codes


def enrolled_user(info):
    """A new user with two-factor enabled (using a code of the current step)."""
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["access_token"]
    s = post_setup(info, token)
    assert s.status == 200, f"setup: {s}"
    secret = s.json["secret"]
    e = post_enable(info, token, current_code(secret))
    assert e.status == 200, f"enable with oathtool's code: {e}"
    return Enrolled(user, token, secret, e.json["backup_codes"])


def parallel(n, action):
    """Runs action(i) in n threads released together; returns the results in order."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = action(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def notices(info, user, state):
    """Outbox rows telling `user` that two-factor was `state` ("enabled" / "disabled")."""
    return mailbox.outbox_count(info, user.email, f"subject ILIKE 'two-factor authentication was {state}'")


def totp_columns(info, user_id):
    row = sql_rows(info, "SELECT coalesce(encode(totp_secret, 'hex'), ''), totp_enabled_at IS NOT NULL, "
                         "coalesce(totp_last_step::text, ''), coalesce(encode(totp_pending_secret, 'hex'), '') "
                         f"FROM users WHERE id = {int(user_id)}")[0]
    return {"secret": row[0], "enabled": row[1] == "t", "last_step": row[2], "pending": row[3]}


# --- setup --------------------------------------------------------------------------

def test_setup_answers_secret_otpauth_uri_and_svg_without_enabling(info):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["access_token"]
    s = post_setup(info, token)
    assert s.status == 200, s
    body = s.json
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}, sorted(body)
    secret = body["secret"]
    assert BASE32_SECRET.match(secret), f"secret {secret!r}: expected 32 base32 characters (160 bits)"
    assert "no-store" in (s.header("cache-control") or ""), f"the secret must not be cached: {s.headers}"

    uri = urllib.parse.urlsplit(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp"), body["otpauth_uri"]
    assert urllib.parse.unquote(uri.path) == f"/Stoa:{user.username}", body["otpauth_uri"]
    params = urllib.parse.parse_qs(uri.query, strict_parsing=True)
    assert params == {"secret": [secret], "issuer": ["Stoa"], "algorithm": ["SHA1"], "digits": ["6"],
                      "period": ["30"]}, params

    root = ET.fromstring(body["qr_svg"].encode())  # raises unless well-formed XML
    assert root.tag == f"{SVG_NS}svg", root.tag
    view = [int(float(v)) for v in root.get("viewBox", "").split()]
    assert len(view) == 4 and view[2] == view[3] and (view[2] - 8 - 17) % 4 == 0, \
        f"viewBox {root.get('viewBox')!r}: a QR symbol (17 + 4v modules) plus a 4-module quiet zone each side"
    shapes = root.findall(f"{SVG_NS}path") + root.findall(f"{SVG_NS}rect")
    assert any(el.get("fill") in ("#000", "#000000", "black") for el in shapes), "no dark modules drawn"

    assert me(info, token).json["user"]["totp_enabled"] is False, "setup alone must not enable two-factor"
    cols = totp_columns(info, user.id)
    assert cols["pending"] and not cols["secret"] and not cols["enabled"], cols
    pending = bytes.fromhex(cols["pending"])
    assert len(pending) == 24 + 20 + 16, f"pending secret should be nonce + sealed 20 bytes: {len(pending)} bytes"
    assert secret.encode() not in pending and secret.lower().encode() not in pending, "secret stored in clear"
    assert post_login(info, user).status == 200, "a pending setup must not make login ask for a code"
    assert "2fa_setup" in events_of(info, user.id)


def test_setup_again_replaces_the_pending_secret(info):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["access_token"]
    first = post_setup(info, token).json["secret"]
    second = post_setup(info, token).json["secret"]
    assert first != second, "a second setup must issue a new secret"
    e = post_enable(info, token, current_code(first))
    body = assert_problem(e, 422, "validation_failed")
    assert [(x["field"], x["code"]) for x in body["errors"]] == [("code", "invalid_totp")], body
    assert post_enable(info, token, current_code(second)).status == 200


def test_setup_needs_authentication(info):
    r = fresh_client(info).post(f"{TFA}/setup")
    assert r.status == 401, r


# --- enable -------------------------------------------------------------------------

def test_enable_with_an_oathtool_code_answers_ten_backup_codes(info):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["access_token"]
    secret = post_setup(info, token).json["secret"]

    bad = post_enable(info, token, wrong_code(secret))
    body = assert_problem(bad, 422, "validation_failed")
    assert [(x["field"], x["code"]) for x in body["errors"]] == [("code", "invalid_totp")], body
    assert_problem(post_enable(info, token, ""), 422, "validation_failed")
    assert me(info, token).json["user"]["totp_enabled"] is False

    e = post_enable(info, token, current_code(secret))
    assert e.status == 200, e
    codes = e.json["backup_codes"]
    assert isinstance(codes, list) and len(codes) == 10 and len(set(codes)) == 10, codes
    assert all(isinstance(c, str) and len(c.replace("-", "")) >= 8 for c in codes), codes
    assert "no-store" in (e.header("cache-control") or ""), e.headers

    assert me(info, token).json["user"]["totp_enabled"] is True, "/me must show totp_enabled after enable"
    cols = totp_columns(info, user.id)
    assert cols["enabled"] and cols["secret"] and not cols["pending"], cols
    assert cols["last_step"], "enable must record the step of its code (so it cannot be replayed at login)"
    stored = sql_rows(info, f"SELECT code_hash, used_at IS NULL FROM backup_codes WHERE user_id = {int(user.id)}")
    assert len(stored) == 10 and all(unused == "t" for _, unused in stored), stored
    hashes = {h for h, _ in stored}
    for c in codes:
        assert c not in hashes and c.replace("-", "") not in hashes, "backup codes stored in clear"
    assert "2fa_enabled" in events_of(info, user.id)
    assert notices(info, user, "enabled") == 1, "enable must queue one 'two-factor was enabled' mail"
    msgs = mailbox.wait_for_mail(info, user.email, mailbox.subject_matches("two-factor.*enabled"))
    body = mailbox.text_body(msgs[-1])
    assert user.username in body, body
    assert not any(c in body for c in codes) and secret not in body, "the mail must not carry secrets"

    assert_problem(post_setup(info, token), 409, "conflict")
    assert_problem(post_enable(info, token, next_step_code(secret)), 409, "conflict")


def test_enable_without_setup_is_a_conflict(info):
    user = register_user(info)
    _, r = login(info, user)
    body = assert_problem(post_enable(info, r.json["access_token"], "123456"), 409, "conflict")
    assert "setup" in body.get("detail", ""), f"the detail should say to call setup first: {body}"


# --- login ------------------------------------------------------------------------

def test_login_asks_for_the_second_factor_and_refuses_wrong_and_replayed_codes(info):
    u = enrolled_user(info)

    assert_problem(post_login(info, u.user), 401, "totp_required")
    wrong = post_login(info, u.user, totp_code=wrong_code(u.secret))
    assert_problem(wrong, 401, "invalid_totp")
    reasons = sql_rows(info, "SELECT detail->>'reason' FROM account_logs "
                             f"WHERE user_id = {int(u.user.id)} AND event = 'login_failed' ORDER BY id")
    assert ["invalid_totp"] in reasons, f"a wrong code must be logged as login_failed/invalid_totp: {reasons}"
    # A wrong password still answers invalid_credentials, whatever the code.
    bad_pw = fresh_client(info).post(f"{API}/login", json={"login": u.user.username, "password": u.user.password + "x",
                                                           "totp_code": next_step_code(u.secret)})
    assert_problem(bad_pw, 401, "invalid_credentials")

    code = next_step_code(u.secret)
    ok = post_login(info, u.user, totp_code=code)
    assert ok.status == 200, f"login with a valid code: {ok}"
    assert ok.json["user"]["totp_enabled"] is True, ok.json["user"]
    assert me(info, ok.json["access_token"]).status == 200

    replay = post_login(info, u.user, totp_code=code)
    assert_problem(replay, 401, "invalid_totp")
    # The code of the enable step is older than the one just used: refused too.
    assert_problem(post_login(info, u.user, totp_code=current_code(u.secret)), 401, "invalid_totp")


def test_the_code_used_by_enable_cannot_log_in(info):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["access_token"]
    secret = post_setup(info, token).json["secret"]
    code = current_code(secret)
    assert post_enable(info, token, code).status == 200
    assert_problem(post_login(info, user, totp_code=code), 401, "invalid_totp")


def test_a_fresh_step_after_the_boundary_logs_in(info):
    """The plain case with no --now tricks: after the step of enable, the next
    step's code (read from oathtool when that step has come) logs in."""
    u = enrolled_user(info)
    time.sleep(STEP - time.time() % STEP + 0.5)
    r = post_login(info, u.user, totp_code=current_code(u.secret))
    assert r.status == 200, f"login with the code of a new step: {r}"


def test_parallel_logins_with_one_fresh_code_admit_exactly_one(info):
    u = enrolled_user(info)
    code = next_step_code(u.secret)
    n = 6
    clients = [fresh_client(info) for _ in range(n)]
    body = {"login": u.user.username, "password": u.user.password, "totp_code": code}
    answers = parallel(n, lambda i: clients[i].post(f"{API}/login", json=body))
    statuses = sorted(a.status for a in answers)
    assert statuses.count(200) == 1, f"{n} parallel logins with one code: {statuses} (exactly one 200 expected)"
    for a in answers:
        if a.status != 200:
            assert_problem(a, 401, "invalid_totp")


def test_backup_code_logs_in_once_in_any_spelling(info):
    u = enrolled_user(info)
    first, second = u.backup_codes[0], u.backup_codes[1]

    r = post_login(info, u.user, backup_code=first)
    assert r.status == 200, f"login with a backup code: {r}"
    assert_problem(post_login(info, u.user, backup_code=first), 401, "invalid_totp")

    spelled = second.replace("-", "").upper()
    assert post_login(info, u.user, backup_code=spelled).status == 200, \
        f"a backup code typed without its dash in upper case ({spelled}) should work"
    assert_problem(post_login(info, u.user, backup_code=second), 401, "invalid_totp")
    assert_problem(post_login(info, u.user, backup_code="zzzzz-zzzzz"), 401, "invalid_totp")
    used = psql(info, f"SELECT count(*) FROM backup_codes WHERE user_id = {int(u.user.id)} AND used_at IS NOT NULL")
    assert used == "2", f"{used} backup codes marked used, expected 2"


def test_parallel_logins_with_one_backup_code_admit_exactly_one(info):
    u = enrolled_user(info)
    n = 6
    clients = [fresh_client(info) for _ in range(n)]
    body = {"login": u.user.username, "password": u.user.password, "backup_code": u.backup_codes[3]}
    answers = parallel(n, lambda i: clients[i].post(f"{API}/login", json=body))
    statuses = sorted(a.status for a in answers)
    assert statuses.count(200) == 1, f"{n} parallel logins with one backup code: {statuses}"


def test_backup_codes_are_per_user(info):
    a, b = enrolled_user(info), enrolled_user(info)
    assert_problem(post_login(info, b.user, backup_code=a.backup_codes[0]), 401, "invalid_totp")
    assert post_login(info, a.user, backup_code=a.backup_codes[0]).status == 200


# --- disable ------------------------------------------------------------------------

def test_disable_needs_the_password_and_a_code(info):
    u = enrolled_user(info)
    token = u.token

    missing = assert_problem(post_disable(info, token), 422, "validation_failed")
    assert {e["field"] for e in missing["errors"]} == {"password", "code"}, missing
    assert_problem(post_disable(info, token, password=u.user.password + "x", code=next_step_code(u.secret)),
                   401, "invalid_credentials")
    assert_problem(post_disable(info, token, password=u.user.password, code=wrong_code(u.secret)), 401, "invalid_totp")
    assert me(info, token).json["user"]["totp_enabled"] is True, "a refused disable changed the account"
    assert notices(info, u.user, "disabled") == 0, "a refused disable queued a notice"

    r = post_disable(info, token, password=u.user.password, code=next_step_code(u.secret))
    assert r.status == 204, r
    assert me(info, token).json["user"]["totp_enabled"] is False
    cols = totp_columns(info, u.user.id)
    assert cols == {"secret": "", "enabled": False, "last_step": "", "pending": ""}, cols
    assert psql(info, f"SELECT count(*) FROM backup_codes WHERE user_id = {int(u.user.id)}") == "0"
    assert "2fa_disabled" in events_of(info, u.user.id)
    assert notices(info, u.user, "disabled") == 1, "disable must queue one 'two-factor was disabled' mail"

    assert post_login(info, u.user).status == 200, "after disable, the password alone logs in"
    assert_problem(post_disable(info, token, password=u.user.password, code="123456"), 409, "conflict")


def test_disable_with_a_backup_code_and_enrol_again(info):
    u = enrolled_user(info)
    r = post_disable(info, u.token, password=u.user.password, code=u.backup_codes[0])
    assert r.status == 204, f"disable with a backup code: {r}"
    assert me(info, u.token).json["user"]["totp_enabled"] is False

    secret = post_setup(info, u.token).json["secret"]
    assert secret != u.secret
    e = post_enable(info, u.token, current_code(secret))
    assert e.status == 200, f"enrolling again after disable: {e}"
    assert not set(e.json["backup_codes"]) & set(u.backup_codes), "old backup codes came back"
    assert_problem(post_login(info, u.user, backup_code=u.backup_codes[1]), 401, "invalid_totp")
    assert post_login(info, u.user, backup_code=e.json["backup_codes"][0]).status == 200
