"""stoactl cleanup (issue 5 "Flows": Cleanup): removes expired tokens,
sessions past their lifetime, sent mail past retention, old rate-limit
windows and account logs past retention, keeps everything still in use, and
is safe to run concurrently.

It runs against the shared database while other tests work: what it
removes is expired by definition, and each test here only looks at rows it
made (or backdated) itself."""
import os
import subprocess

import mailbox

from authhelpers import API, decode_jwt, fresh_client, login, rand_hex, refresh_body, register_user, sql_text
from stoaclient import psql

assert hasattr(mailbox, "wait_for_mail"), f"`import mailbox` found {mailbox.__file__}, not test/integration/mailbox.py"

LOG_RETENTION_DAYS = 365
OUTBOX_RETENTION_DAYS = 30


def cleanup_commands(info, n):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOA_", "DATABASE_", "JWT_"))}
    env.update(info["env"])
    env.update({"ACCOUNT_LOG_RETENTION_DAYS": str(LOG_RETENTION_DAYS),
                "OUTBOX_RETENTION_DAYS": str(OUTBOX_RETENTION_DAYS)})
    return [subprocess.Popen([os.path.join(info["bin_dir"], "stoactl"), "cleanup"], env=env, text=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for _ in range(n)]


def run_cleanup(info, parallel=1):
    procs = cleanup_commands(info, parallel)
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, f"stoactl cleanup: exit {p.returncode}: {out}{err}"


def count(info, query):
    return int(psql(info, query))


def test_cleanup_removes_what_expired_and_keeps_what_is_in_use(info):
    user = register_user(info)
    uid = int(user.id)
    token = mailbox.wait_for_token(info, user.email, mailbox.VERIFY_PATH)
    assert fresh_client(info).post(f"{API}/verify-email", json={"token": token}).status == 200
    assert fresh_client(info).post(f"{API}/password/forgot", json={"email": user.email}).status == 202

    _, old = login(info, user)
    c, live = login(info, user)
    old_sid, live_sid = (decode_jwt(r.json["access_token"])[1]["sid"] for r in (old, live))
    r = c.request("DELETE", f"{API}/sessions/{old_sid}", headers={"X-CSRF-Token": c.cookies["stoa_csrf"]})
    assert r.status == 204, r
    rotated = refresh_body(info, live.json["refresh_token"])
    assert rotated.status == 200, rotated
    current_refresh = rotated.json["refresh_token"]

    # Backdate what should go.
    psql(info, f"UPDATE email_tokens SET used_at = now() - interval '2 days' "
               f"WHERE user_id = {uid} AND purpose = 'verify_email'")
    psql(info, f"UPDATE sessions SET revoked_at = now() - interval '31 days' WHERE id = {sql_text(old_sid)}")
    psql(info, "UPDATE refresh_tokens SET used_at = now() - interval '31 days' "
               f"WHERE session_id = {sql_text(live_sid)} AND used_at IS NOT NULL")
    psql(info, f"UPDATE account_logs SET created_at = now() - interval '{LOG_RETENTION_DAYS + 1} days' "
               f"WHERE user_id = {uid} AND event = 'register'")
    old_mail = psql(info, f"UPDATE outbox SET sent_at = now() - interval '{OUTBOX_RETENTION_DAYS + 1} days' "
                          f"WHERE id = (SELECT min(id) FROM outbox WHERE lower(recipient) = lower({sql_text(user.email)})) "
                          "RETURNING id")
    keys = {"old": f"test_cleanup:{rand_hex(10)}", "live": f"test_cleanup:{rand_hex(10)}"}
    psql(info, "INSERT INTO rate_limits (key, window_start, window_end, hits) VALUES "
               f"({sql_text(keys['old'])}, now() - interval '1 hour', now() - interval '2 minutes', 3), "
               f"({sql_text(keys['live'])}, now(), now() + interval '1 hour', 3)")
    logs_before = count(info, f"SELECT count(*) FROM account_logs WHERE user_id = {uid}")

    run_cleanup(info, parallel=3)

    gone = {
        "the used verification token": f"SELECT count(*) FROM email_tokens WHERE user_id = {uid} AND purpose = 'verify_email'",
        "the session revoked 31 days ago": f"SELECT count(*) FROM sessions WHERE id = {sql_text(old_sid)}",
        "the refresh token used 31 days ago": "SELECT count(*) FROM refresh_tokens "
                                              f"WHERE session_id = {sql_text(live_sid)} AND used_at IS NOT NULL",
        "the log entry past retention": f"SELECT count(*) FROM account_logs WHERE user_id = {uid} AND event = 'register'",
        "the mail sent past retention": f"SELECT count(*) FROM outbox WHERE id = {int(old_mail)}",
        "the ended rate-limit window": f"SELECT count(*) FROM rate_limits WHERE key = {sql_text(keys['old'])}",
    }
    for what, query in gone.items():
        assert count(info, query) == 0, f"stoactl cleanup kept {what}"
    kept = {
        "the unexpired reset token": f"SELECT count(*) FROM email_tokens WHERE user_id = {uid} AND purpose = 'password_reset'",
        "the live session": f"SELECT count(*) FROM sessions WHERE id = {sql_text(live_sid)}",
        "the live rate-limit window": f"SELECT count(*) FROM rate_limits WHERE key = {sql_text(keys['live'])}",
        "the recent mail": "SELECT count(*) FROM outbox WHERE lower(recipient) = "
                           f"lower({sql_text(user.email)}) AND id <> {int(old_mail)}",
    }
    for what, query in kept.items():
        assert count(info, query) >= 1, f"stoactl cleanup removed {what}"
    assert count(info, f"SELECT count(*) FROM account_logs WHERE user_id = {uid}") == logs_before - 1, \
        "cleanup removed recent account log entries"

    assert fresh_client(info).get(f"{API}/me", headers={"Authorization": f"Bearer {rotated.json['access_token']}"}) \
        .status == 200, "the live session stopped working after cleanup"
    assert refresh_body(info, current_refresh).status == 200, "the live refresh token stopped working after cleanup"
    token = mailbox.wait_for_token(info, user.email, mailbox.RESET_PATH)
    r = fresh_client(info).post(f"{API}/password/reset", json={"token": token, "new_password": "N3w!" + rand_hex(12)})
    assert r.status == 204, f"the unexpired reset token stopped working after cleanup: {r}"


def test_cleanup_twice_in_a_row_is_harmless(info):
    run_cleanup(info)
    run_cleanup(info)
