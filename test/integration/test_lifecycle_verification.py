"""Email verification (API.md "Auth" and "Browser flows"; issue 5 "Flows"):
register mails a link; POST /verify-email and GET /auth/verify-email consume
its token once, promote guest to user; expired and unknown tokens are
refused; resend-verification answers 202 whatever the address and mails only
unverified accounts.

Every test reads the mail like a user would (mailbox.py drains the outbox
into the stack's mail directory) and talks from its own client addresses."""
import secrets
import shutil
import tempfile

import pytest

import mailbox
import stack as stack_tools

from authhelpers import API, USER_FIELDS, fresh_client, location_path, login, me, register_user, set_role
from stoaclient import assert_problem, psql

assert hasattr(mailbox, "wait_for_mail"), f"`import mailbox` found {mailbox.__file__}, not test/integration/mailbox.py"

VERIFIED_PAGE = "/stoa/verified.html"
FAILED_PAGE = "/stoa/verify-failed.html"


def verify(info, token):
    return fresh_client(info).post(f"{API}/verify-email", json={"token": token})


def open_link(info, path_and_query):
    """What a browser sends when the user clicks the link (no cookies)."""
    return fresh_client(info).get(path_and_query)


def redirect_target(info, resp):
    assert resp.status == 303, f"the link must answer 303, got {resp}"
    location = resp.header("location")
    assert location, f"303 without Location: {resp.headers}"
    return location_path(info, location)


def verification_token(info, user, count=1):
    return mailbox.wait_for_token(info, user.email, mailbox.VERIFY_PATH, count=count)


def db_state(info, user):
    return psql(info, f"SELECT role, email_verified_at IS NOT NULL FROM users WHERE id = {int(user.id)}")


def resend(info, email):
    return fresh_client(info).post(f"{API}/resend-verification", json={"email": email})


def unknown_address():
    return f"nobody_{secrets.token_hex(6)}@example.org"


# --- verification --------------------------------------------------------------

def test_register_mails_a_link_whose_token_verifies_once(info):
    user = register_user(info)
    assert user.record["role"] == "guest" and user.record["email_verified"] is False, user.record
    msgs = mailbox.wait_for_mail(info, user.email, mailbox.has_link(mailbox.VERIFY_PATH))
    assert len(msgs) == 1, f"one verification mail per registration, got {[m['Subject'] for m in msgs]}"
    token = mailbox.link_token(msgs[0], mailbox.VERIFY_PATH, info)
    assert len(token) >= 43, f"a token of at least 256 bits (43 base64url characters) expected: {token!r}"
    assert token not in psql(info, f"SELECT string_agg(token_hash, ' ') FROM email_tokens WHERE user_id = {int(user.id)}"), \
        "the verification token is stored in clear"

    r = verify(info, token)
    assert r.status == 200, f"POST /verify-email with the mailed token: expected 200, got {r}"
    body = r.json
    assert set(body) == {"user"}, f"verify-email answers {{\"user\": User}}, got keys {sorted(body)}"
    verified = body["user"]
    assert set(verified) == USER_FIELDS, f"User fields differ from API.md: {sorted(verified)}"
    assert verified["id"] == user.id and verified["email"] == user.email, verified
    assert verified["email_verified"] is True, f"email_verified must be true after verification: {verified}"
    assert verified["role"] == "user", f"verification promotes guest to user, got role {verified['role']!r}"
    assert db_state(info, user) == "user|t", f"database after verification: {db_state(info, user)}"

    _, logged_in = login(info, user)
    assert logged_in.json["user"]["email_verified"] is True and logged_in.json["user"]["role"] == "user", \
        f"login after verification shows {logged_in.json['user']}"
    assert me(info, logged_in.json["access_token"]).json["user"]["email_verified"] is True

    again = verify(info, token)
    assert_problem(again, 400, "token_invalid")


def test_the_mailed_link_verifies_and_redirects_to_the_verified_page(info):
    user = register_user(info)
    msg = mailbox.wait_for_mail(info, user.email, mailbox.has_link(mailbox.VERIFY_PATH))[0]
    link = mailbox.link_path(msg, mailbox.VERIFY_PATH)
    assert link.startswith(mailbox.VERIFY_PATH + "?token="), link

    first = open_link(info, link)
    assert redirect_target(info, first) == VERIFIED_PAGE, f"a good link redirects to {VERIFIED_PAGE}: {first.headers}"
    assert db_state(info, user) == "user|t", f"the link did not verify the account: {db_state(info, user)}"

    # A second click (or a mail scanner that opened the link first) finds the
    # address verified: it lands on the success page, and the token stays spent.
    second = open_link(info, link)
    assert redirect_target(info, second) == VERIFIED_PAGE, \
        f"a used link of a verified address redirects to {VERIFIED_PAGE}: {second.headers}"
    token = link.split("token=", 1)[1]
    assert_problem(verify(info, token), 400, "token_invalid")


def test_bad_links_redirect_to_the_failure_page(info):
    for query in ("?token=" + "A" * 43, "?token=not%20a%20token", "?token=", ""):
        r = open_link(info, mailbox.VERIFY_PATH + query)
        assert redirect_target(info, r) == FAILED_PAGE, f"GET {mailbox.VERIFY_PATH}{query}: {r.headers}"


def test_unknown_token_is_refused(info):
    assert_problem(verify(info, "A" * 43), 400, "token_invalid")
    assert_problem(verify(info, "x"), 400, "token_invalid")


def test_expired_token_answers_token_expired(info):
    user = register_user(info)
    token = verification_token(info, user)
    psql(info, "UPDATE email_tokens SET expires_at = now() - interval '1 minute' "
               f"WHERE user_id = {int(user.id)} AND purpose = 'verify_email'")
    assert_problem(verify(info, token), 400, "token_expired")
    r = open_link(info, f"{mailbox.VERIFY_PATH}?token={token}")
    assert redirect_target(info, r) == FAILED_PAGE, f"an expired link must fail: {r.headers}"
    assert db_state(info, user) == "guest|f", f"an expired token verified the account: {db_state(info, user)}"


def test_verification_tokens_live_24_hours(info):
    user = register_user(info)
    verification_token(info, user)
    hours = psql(info, "SELECT round(extract(epoch FROM expires_at - created_at) / 3600) FROM email_tokens "
                       f"WHERE user_id = {int(user.id)} AND purpose = 'verify_email'")
    assert hours == "24", f"verification tokens live 24 hours, stored lifetime is {hours} h"


def test_a_reset_token_does_not_verify_the_email(info):
    user = register_user(info)
    verification_token(info, user)
    r = fresh_client(info).post(f"{API}/password/forgot", json={"email": user.email})
    assert r.status == 202, r
    reset_token = mailbox.wait_for_token(info, user.email, mailbox.RESET_PATH)
    assert_problem(verify(info, reset_token), 400, "token_invalid")
    assert db_state(info, user) == "guest|f", "a password-reset token verified the email address"


def test_verification_keeps_a_higher_role(info):
    user = register_user(info)
    token = verification_token(info, user)
    set_role(info, user, "moderator")
    r = verify(info, token)
    assert r.status == 200, r
    assert r.json["user"]["role"] == "moderator", f"verifying demoted a moderator: {r.json['user']}"


# --- resend ----------------------------------------------------------------------

def test_resend_answers_202_alike_and_mails_only_the_unverified_account(info):
    unverified = register_user(info)
    verified = register_user(info)
    first_token = verification_token(info, unverified)
    assert verify(info, verification_token(info, verified)).status == 200
    nobody = unknown_address()

    answers = {"unknown": resend(info, nobody), "unverified": resend(info, unverified.email),
               "verified": resend(info, verified.email)}
    for what, r in answers.items():
        assert r.status == 202, f"resend-verification for an {what} address: expected 202, got {r}"
    bodies = {what: r.body for what, r in answers.items()}
    assert len(set(bodies.values())) == 1, f"the answers differ, revealing which addresses exist: {bodies}"
    types = {what: r.header("content-type") for what, r in answers.items()}
    assert len(set(types.values())) == 1, f"the content types differ: {types}"

    second_token = verification_token(info, unverified, count=2)
    assert second_token != first_token, "the resent mail carries the same token as the first"
    assert mailbox.outbox_count(info, nobody) == 0, "a mail was queued for an unknown address"
    assert mailbox.outbox_count(info, verified.email) == 1, \
        "a verified account got another verification mail (only the one from registration expected)"
    assert len(mailbox.messages_to(info, nobody)) == 0, "a message was sent to an unknown address"

    r = verify(info, second_token)
    assert r.status == 200 and r.json["user"]["email_verified"] is True, f"the resent token does not verify: {r}"


def test_resend_limit_per_account_does_not_reveal_the_account(info):
    """3 resends per hour per account (API.md "Rate limits"), and still 202
    whatever the address (API.md "Auth", issue 5: "always answers 202"): a 429
    only for existing accounts would tell an attacker which addresses exist."""
    user = register_user(info)
    verification_token(info, user)
    answers = [resend(info, user.email) for _ in range(4)]  # each from its own address
    nobody = resend(info, unknown_address())
    assert [r.status for r in answers[:3]] == [202, 202, 202], f"the first three resends: {answers[:3]}"
    assert answers[3].status == nobody.status == 202, (
        f"the 4th resend within the hour answered {answers[3]} while an unknown address answers {nobody}: "
        "the account's limit must drop the mail silently, not reveal that the account exists")
    assert answers[3].body == nobody.body, f"{answers[3].body!r} != {nobody.body!r}"
    queued = mailbox.outbox_count(info, user.email)
    assert queued == 4, f"registration + 3 resends = 4 mails expected, {queued} queued"


def test_resend_does_not_spend_the_password_reset_limit(info):
    """API.md limits forgot/reset to 5/hour per address and resend to 3/hour
    per account: a client that used up its reset budget may still ask for a
    verification mail (resend falls under "everything else", 300/minute)."""
    c = fresh_client(info)
    for n in range(5):
        r = c.post(f"{API}/password/forgot", json={"email": unknown_address()})
        assert r.status == 202, f"forgot #{n + 1} from one address: {r}"
    assert_problem(c.post(f"{API}/password/forgot", json={"email": unknown_address()}), 429, "rate_limited")
    r = c.post(f"{API}/resend-verification", json={"email": unknown_address()})
    assert r.status == 202, f"resend-verification after 5 forgot requests from the same address: expected 202, got {r}"


# --- REQUIRE_EMAIL_VERIFICATION (a private stack: the shared one runs without it) ---

@pytest.fixture(scope="module")
def strict(info):
    directory = tempfile.mkdtemp(prefix="stoa-strict-")
    try:
        s = stack_tools.start_stack(directory, info["bin_dir"], workers=2)
        s.restart_workers(env={"REQUIRE_EMAIL_VERIFICATION": "true"})
        stack_tools.wait_ready(s)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    try:
        yield s.info
    finally:
        s.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_required_verification_gates_login_until_the_link_is_opened(strict):
    user = register_user(strict)
    c = fresh_client(strict)
    r = c.post(f"{API}/login", json={"login": user.username, "password": user.password})
    body = assert_problem(r, 403, "email_not_verified")
    assert "access_token" not in body and not r.header_all("set-cookie"), f"a refused login handed out tokens: {r}"

    msg = mailbox.wait_for_mail(strict, user.email, mailbox.has_link(mailbox.VERIFY_PATH))[0]
    assert redirect_target(strict, open_link(strict, mailbox.link_path(msg, mailbox.VERIFY_PATH))) == VERIFIED_PAGE
    _, ok = login(strict, user)
    assert ok.json["user"]["email_verified"] is True and ok.json["user"]["role"] == "user", ok.json["user"]
