"""Password reset and change (API.md "Auth", "Browser flows", "Passwords";
issue 5 "Flows"): forgot answers 202 whatever the address and mails a link;
the link redirects to the reset page with the token in the fragment; reset
checks the password rules, revokes every session, mails a notice and is
single use; change needs the current password and revokes the other
sessions.

forgot/reset are limited to 5/hour per client address and login to
10/hour per account: every request here comes from its own address."""
import secrets

import mailbox

from authhelpers import API, bearer, fresh_client, login, me, new_password, refresh_body, register_user
from stoaclient import assert_problem, psql

assert hasattr(mailbox, "wait_for_mail"), f"`import mailbox` found {mailbox.__file__}, not test/integration/mailbox.py"

RESET_PAGE = "/stoa/reset-password.html"
PASSWORD_RULE_CODES = {"too_short", "too_long", "missing_upper", "missing_lower", "missing_digit",
                       "missing_symbol", "contains_identity", "too_common"}
changed_notice = mailbox.subject_matches(r"password.*chang|chang.*password")


def forgot(info, email):
    return fresh_client(info).post(f"{API}/password/forgot", json={"email": email})


def reset(info, token, password):
    return fresh_client(info).post(f"{API}/password/reset", json={"token": token, "new_password": password})


def change(info, access_token, current, new):
    return fresh_client(info).post(f"{API}/password/change", headers=bearer(access_token),
                                   json={"current_password": current, "new_password": new})


def try_login(info, user, password):
    return fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": password})


def reset_token(info, user, count=1):
    return mailbox.wait_for_token(info, user.email, mailbox.RESET_PATH, count=count)


def password_errors(body):
    """(fields, codes) of the password-rule entries of a 422."""
    entries = [e for e in body.get("errors", []) if e.get("code") in PASSWORD_RULE_CODES]
    return {e.get("field") for e in entries}, {e["code"] for e in entries}


def assert_weak_password_refused(resp):
    body = assert_problem(resp, 422, "validation_failed")
    fields, codes = password_errors(body)
    # API.md names the field "password"; the request's field is new_password: either is accepted here.
    assert fields and fields <= {"password", "new_password"}, f"password rule errors name fields {fields}: {body}"
    for code in ("too_short", "missing_upper", "missing_digit", "missing_symbol"):
        assert code in codes, f"'abc' breaks the rule {code}, the answer lists only {sorted(codes)}: {body}"


def sessions(info, user, n):
    """n logins of `user`, each from its own client: [(access, refresh)]."""
    out = []
    for _ in range(n):
        _, r = login(info, user)
        out.append((r.json["access_token"], r.json["refresh_token"]))
    return out


def assert_session_dead(info, access, refresh, why):
    r = me(info, access)
    assert r.status == 401, f"{why}: an old access token still works on /me: {r}"
    r = refresh_body(info, refresh)
    assert r.status == 401, f"{why}: an old refresh token still works: {r}"


# --- forgot ----------------------------------------------------------------------

def test_forgot_answers_202_alike_and_mails_only_existing_accounts(info):
    user = register_user(info)
    nobody = f"nobody_{secrets.token_hex(6)}@example.org"
    known, unknown = forgot(info, user.email), forgot(info, nobody)
    assert known.status == 202, f"forgot for an existing account: {known}"
    assert unknown.status == 202, f"forgot for an unknown address: {unknown}"
    assert known.body == unknown.body, f"the answers differ, revealing the account: {known.body!r} vs {unknown.body!r}"
    assert known.header("content-type") == unknown.header("content-type")
    msgs = mailbox.wait_for_mail(info, user.email, mailbox.has_link(mailbox.RESET_PATH))
    assert len(msgs) == 1, f"one reset mail expected, got {[m['Subject'] for m in msgs]}"
    token = mailbox.link_token(msgs[0], mailbox.RESET_PATH, info)
    assert len(token) >= 43, f"a token of at least 256 bits expected: {token!r}"
    assert mailbox.outbox_count(info, nobody) == 0, "a mail was queued for an unknown address"
    minutes = psql(info, "SELECT round(extract(epoch FROM expires_at - created_at) / 60) FROM email_tokens "
                       f"WHERE user_id = {int(user.id)} AND purpose = 'password_reset'")
    assert minutes == "60", f"reset tokens live 1 hour, the stored one lives {minutes} minutes"
    stored = psql(info, f"SELECT string_agg(token_hash, ' ') FROM email_tokens WHERE user_id = {int(user.id)}")
    assert token not in stored, "the reset token is stored in clear"


def test_forgot_matches_the_address_ignoring_case(info):
    user = register_user(info)
    assert forgot(info, user.email.upper()).status == 202
    reset_token(info, user)


# --- reset -----------------------------------------------------------------------

def test_reset_link_redirects_to_the_page_with_the_token_in_the_fragment(info):
    user = register_user(info)
    assert forgot(info, user.email).status == 202
    msg = mailbox.wait_for_mail(info, user.email, mailbox.has_link(mailbox.RESET_PATH))[0]
    token = mailbox.link_token(msg, mailbox.RESET_PATH, info)
    r = fresh_client(info).get(mailbox.link_path(msg, mailbox.RESET_PATH))
    assert r.status == 303, f"GET {mailbox.RESET_PATH}: expected 303, got {r}"
    location = r.header("location") or ""
    expected = f"{RESET_PAGE}#token={token}"
    assert location in (expected, info["https_url"] + expected), f"Location {location!r}, expected {expected!r}"
    # Opening the page must not use the token up: the form posts it afterwards.
    assert reset(info, token, new_password()).status == 204, "the token no longer works after opening the link"


def test_reset_revokes_every_session_and_replaces_the_password(info):
    user = register_user(info)
    old_sessions = sessions(info, user, 2)
    assert forgot(info, user.email).status == 202
    token = reset_token(info, user)
    notices_before = len(mailbox.messages_to(info, user.email))

    weak = reset(info, token, "abc")
    assert_weak_password_refused(weak)

    fresh = new_password()
    r = reset(info, token, fresh)
    assert r.status == 204, f"reset with a good password after a refused weak one: expected 204, got {r}"
    assert not r.body, f"204 with a body: {r.body[:200]!r}"

    for access, refresh in old_sessions:
        assert_session_dead(info, access, refresh, "after a password reset")
    ok = try_login(info, user, fresh)
    assert ok.status == 200, f"login with the new password: {ok}"
    assert_problem(try_login(info, user, user.password), 401, "invalid_credentials")
    assert me(info, ok.json["access_token"]).status == 200

    assert_problem(reset(info, token, new_password()), 400, "token_invalid")

    notices = mailbox.wait_for_mail(info, user.email, changed_notice)
    assert len(notices) == 1, f"one 'password changed' mail expected: {[m['Subject'] for m in notices]}"
    assert not mailbox.links(notices[0], mailbox.RESET_PATH), "the notice carries a reset token"
    assert len(mailbox.messages_to(info, user.email)) >= notices_before + 1


def test_reset_with_unknown_or_expired_token(info):
    assert_problem(reset(info, "A" * 43, new_password()), 400, "token_invalid")
    user = register_user(info)
    assert forgot(info, user.email).status == 202
    token = reset_token(info, user)
    psql(info, "UPDATE email_tokens SET expires_at = now() - interval '1 minute' "
               f"WHERE user_id = {int(user.id)} AND purpose = 'password_reset'")
    assert_problem(reset(info, token, new_password()), 400, "token_expired")
    assert try_login(info, user, user.password).status == 200, "an expired reset token changed the password"


def test_a_verification_token_does_not_reset_the_password(info):
    user = register_user(info)
    token = mailbox.wait_for_token(info, user.email, mailbox.VERIFY_PATH)
    assert_problem(reset(info, token, new_password()), 400, "token_invalid")
    assert try_login(info, user, user.password).status == 200


def test_reset_refuses_a_password_containing_the_username(info):
    user = register_user(info)
    assert forgot(info, user.email).status == 202
    token = reset_token(info, user)
    body = assert_problem(reset(info, token, "Xy9!" + user.username), 422, "validation_failed")
    assert "contains_identity" in password_errors(body)[1], body
    assert reset(info, token, new_password()).status == 204, "a refused attempt used the token up"


# --- change ----------------------------------------------------------------------

def test_change_needs_the_current_password(info):
    user = register_user(info)
    (access, _), = sessions(info, user, 1)
    r = change(info, access, "Wr0ng!" + secrets.token_hex(4), new_password())
    assert_problem(r, 401, "invalid_credentials")
    assert me(info, access).status == 200, "a wrong current password ended the session"
    assert try_login(info, user, user.password).status == 200, "a refused change changed the password"
    assert_weak_password_refused(change(info, access, user.password, "abc"))
    r = fresh_client(info).post(f"{API}/password/change",
                                json={"current_password": user.password, "new_password": new_password()})
    assert_problem(r, 401, "unauthorized")


def test_change_revokes_the_other_sessions_and_keeps_this_one(info):
    user = register_user(info)
    (access, refresh), *others = sessions(info, user, 3)
    fresh = new_password()
    r = change(info, access, user.password, fresh)
    assert r.status == 204, f"password change: expected 204, got {r}"

    for other_access, other_refresh in others:
        assert_session_dead(info, other_access, other_refresh, "after a password change")
    assert me(info, access).status == 200, "the session that changed the password was ended"
    rotated = refresh_body(info, refresh)
    assert rotated.status == 200, f"the current session's refresh token stopped working: {rotated}"

    assert try_login(info, user, fresh).status == 200, "login with the new password failed"
    assert_problem(try_login(info, user, user.password), 401, "invalid_credentials")
    notices = mailbox.wait_for_mail(info, user.email, changed_notice)
    assert len(notices) == 1, f"one 'password changed' mail expected: {[m['Subject'] for m in notices]}"
