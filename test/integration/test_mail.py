"""stoactl mail against a fresh database of the stack's cluster, sending
through the real sendmail-compatible tools/sendmail-to-dir: the messages are
read back from the mail directory with Python's email package."""
import datetime
import email
import email.policy
import email.utils
import os
import re
import secrets
import signal
import subprocess
import time
import uuid

import pytest

from stoaclient import psql

MAIL_FROM = "Stoa Café <no-reply@example.org>"


@pytest.fixture
def db(info):
    name = "mail_" + uuid.uuid4().hex[:10]
    psql(info, f"CREATE DATABASE {name}", dbname="postgres")
    r = subprocess.run([stoactl_path(info), "migrate", "up"], env=mailer_env(info, name, "/nonexistent"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    yield name
    psql(info, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", dbname="postgres")


@pytest.fixture
def mail_dir(tmp_path):
    d = tmp_path / "mail"
    d.mkdir()
    return d


def stoactl_path(info):
    return os.path.join(info["bin_dir"], "stoactl")


def sendmail_to_dir():
    return os.path.join(os.environ["STOA_SOURCE_DIR"], "tools", "sendmail-to-dir")


def mailer_env(info, db, mail_dir, sendmail=None, **extra):
    env = dict(os.environ)
    env.update(info["env"])
    env.update({
        "DATABASE_URL": f"host={info['pg_socket_dir']} port={info['pg_port']} dbname={db} user=postgres",
        "MAIL_TRANSPORT": "sendmail",
        "MAIL_SENDMAIL": sendmail or sendmail_to_dir(),
        "MAIL_FROM": MAIL_FROM,
        "STOA_MAIL_DIR": str(mail_dir),
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_mailer(info, db, mail_dir, *args, sendmail=None, **extra):
    return subprocess.run([stoactl_path(info), "mail", *args], env=mailer_env(info, db, mail_dir, sendmail, **extra),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def counts(result):
    m = re.search(r"sent (\d+), retried (\d+), failed (\d+)", result.stdout)
    assert m, (result.stdout, result.stderr)
    return tuple(int(x) for x in m.groups())


def literal(value):
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def insert(info, db, recipient="ann@example.org", name="Ann", subject="Hello", body="Hello Ann,\n", html=None,
           headers="{}"):
    """Adds a row the way mail::enqueue does; returns its Message-ID."""
    message_id = secrets.token_urlsafe(18) + "@example.org"
    psql(info, "INSERT INTO outbox (recipient, recipient_name, subject, body_text, body_html, extra_headers, "
               f"message_id) VALUES ({literal(recipient)}, {literal(name)}, {literal(subject)}, {literal(body)}, "
               f"{literal(html)}, {literal(headers)}::jsonb, {literal(message_id)})", dbname=db)
    return message_id


def insert_many(info, db, n):
    ids = [secrets.token_urlsafe(18) + "@example.org" for _ in range(n)]
    values = ", ".join(f"('user{i}@example.org', 'User {i}', 'Message {i}', 'Body {i}\n', {literal(mid)})"
                       for i, mid in enumerate(ids))
    psql(info, f"INSERT INTO outbox (recipient, recipient_name, subject, body_text, message_id) VALUES {values}",
         dbname=db)
    return ids


def row(info, db, message_id, columns):
    return psql(info, f"SELECT {columns} FROM outbox WHERE message_id = {literal(message_id)}", dbname=db).split("|")


def mails(mail_dir):
    """The messages in the directory, oldest first, parsed."""
    out = []
    for path in sorted(mail_dir.glob("*.eml")):
        out.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
    return out


def pending(info, db):
    return int(psql(info, "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL", dbname=db))


def test_message_is_proper_rfc5322_with_encoded_non_ascii(info, db, mail_dir):
    subject = "Bestätigen Sie Ihre Adresse, Zoë — ✓ " + "sehr lang " * 8
    body = ("Hallo Zoë,\n\nbitte öffnen Sie diesen Link:\n\n"
            "https://example.org/auth/verify-email?token=" + "A" * 43 + "\n\n"
            "a line with = signs and trailing space \n.\nFrom here on\n")
    mid = insert(info, db, recipient="zoe@example.org", name="Zoë Ünal, Dr.", subject=subject, body=body,
                 headers='{"List-Unsubscribe": "<https://example.org/unsubscribe>"}')
    before = datetime.datetime.now(datetime.timezone.utc)
    r = run_mailer(info, db, mail_dir)
    assert r.returncode == 0, r.stderr
    assert counts(r) == (1, 0, 0)

    files = list(mail_dir.glob("*.eml"))
    assert len(files) == 1
    raw = files[0].read_bytes()
    msg = mails(mail_dir)[0]
    assert not msg.defects, msg.defects
    assert msg["Subject"] == subject
    to = msg["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == ("Zoë Ünal, Dr.", "zoe@example.org")
    sender = msg["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Stoa Café", "no-reply@example.org")
    assert msg["Message-ID"] == f"<{mid}>"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe"] == "<https://example.org/unsubscribe>"
    date = email.utils.parsedate_to_datetime(msg["Date"])
    assert abs((date - before).total_seconds()) < 60, msg["Date"]
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg["Content-Transfer-Encoding"] == "quoted-printable"
    assert msg.get_content() == body

    head, _, encoded_body = raw.partition(b"\n\n")
    assert all(b < 0x80 for b in raw), "the message on the wire is 7-bit"
    assert b"Subject: =?UTF-8?B?" in head
    for line in head.split(b"\n"):
        assert len(line) <= 78, line
    for line in encoded_body.split(b"\n"):
        assert len(line) <= 76, line

    sent_at, attempts, last_error = row(info, db, mid, "sent_at IS NOT NULL, attempts, coalesce(last_error, '')")
    assert (sent_at, attempts, last_error) == ("t", "1", "")


def test_stoactl_mail_test_enqueues_like_handlers_do(info, db, mail_dir):
    r = subprocess.run([stoactl_path(info), "mail", "test", "--to", "Zoe@Example.org", "--name", "Zoë"],
                       env=mailer_env(info, db, mail_dir), capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    stored = psql(info, "SELECT recipient, recipient_name, extra_headers::text, attempts, send_after <= now(), "
                        "message_id FROM outbox", dbname=db).split("|")
    assert stored[:5] == ["Zoe@Example.org", "Zoë", "{}", "0", "t"], stored
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}@example\.org", stored[5]), stored[5]

    r = run_mailer(info, db, mail_dir)
    assert counts(r) == (1, 0, 0), r.stderr
    msg = mails(mail_dir)[0]
    assert msg["Message-ID"] == f"<{stored[5]}>"
    assert msg["To"].addresses[0].display_name == "Zoë"
    assert "test message" in msg.get_content()


def test_html_body_makes_multipart_alternative(info, db, mail_dir):
    insert(info, db, body="Plain ✓\n", html="<p>HTML ✓</p>\n")
    assert counts(run_mailer(info, db, mail_dir)) == (1, 0, 0)
    msg = mails(mail_dir)[0]
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content() == "Plain ✓\n"
    assert msg.get_body(("html",)).get_content() == "<p>HTML ✓</p>\n"


def test_transport_failure_retries_with_backoff_then_sends_once(info, db, mail_dir):
    mid = insert(info, db)
    (mail_dir / ".fail").touch()

    r = run_mailer(info, db, mail_dir)
    assert r.returncode == 0, r.stderr
    assert counts(r) == (0, 1, 0)
    attempts, last_error, delay, sent = row(
        info, db, mid, "attempts, last_error, extract(epoch FROM send_after - now())::int, sent_at IS NULL")
    assert attempts == "1" and sent == "t"
    assert "status 75" in last_error and "simulated failure" in last_error, last_error
    assert 20 <= int(delay) <= 30, delay
    assert not list(mail_dir.glob("*.eml"))

    # Not due yet: nothing is tried.
    assert counts(run_mailer(info, db, mail_dir)) == (0, 0, 0)

    # A second failure doubles the delay.
    psql(info, "UPDATE outbox SET send_after = now()", dbname=db)
    assert counts(run_mailer(info, db, mail_dir)) == (0, 1, 0)
    attempts, delay = row(info, db, mid, "attempts, extract(epoch FROM send_after - now())::int")
    assert attempts == "2" and 50 <= int(delay) <= 60, (attempts, delay)

    (mail_dir / ".fail").unlink()
    psql(info, "UPDATE outbox SET send_after = now()", dbname=db)
    r = run_mailer(info, db, mail_dir)
    assert counts(r) == (1, 0, 0), r.stderr
    assert len(list(mail_dir.glob("*.eml"))) == 1
    assert row(info, db, mid, "attempts, sent_at IS NOT NULL, failed_at IS NULL") == ["3", "t", "t"]

    assert counts(run_mailer(info, db, mail_dir)) == (0, 0, 0)
    assert len(list(mail_dir.glob("*.eml"))) == 1


def test_failure_becomes_permanent_after_max_attempts(info, db, mail_dir):
    mid = insert(info, db)
    (mail_dir / ".fail").touch()
    for attempt in (1, 2, 3):
        psql(info, "UPDATE outbox SET send_after = now()", dbname=db)
        r = run_mailer(info, db, mail_dir, MAIL_MAX_ATTEMPTS=3)
        assert r.returncode == 0, r.stderr
        assert counts(r) == ((0, 1, 0) if attempt < 3 else (0, 0, 1)), attempt
    attempts, failed, last_error = row(info, db, mid, "attempts, failed_at IS NOT NULL, last_error")
    assert (attempts, failed) == ("3", "t")
    assert "status 75" in last_error

    (mail_dir / ".fail").unlink()
    psql(info, "UPDATE outbox SET send_after = now()", dbname=db)
    assert counts(run_mailer(info, db, mail_dir, MAIL_MAX_ATTEMPTS=3)) == (0, 0, 0)
    assert not list(mail_dir.glob("*.eml")), "a failed row is never sent"


def test_default_max_attempts_is_eight(info, db, mail_dir):
    mid = insert(info, db)
    psql(info, "UPDATE outbox SET attempts = 6", dbname=db)
    (mail_dir / ".fail").touch()
    assert counts(run_mailer(info, db, mail_dir)) == (0, 1, 0)
    delay = int(row(info, db, mid, "extract(epoch FROM send_after - now())::int")[0])
    assert 30 * 64 - 10 <= delay <= 30 * 64, delay
    psql(info, "UPDATE outbox SET send_after = now()", dbname=db)
    assert counts(run_mailer(info, db, mail_dir)) == (0, 0, 1)
    assert row(info, db, mid, "attempts, failed_at IS NOT NULL") == ["8", "t"]


def test_unrenderable_rows_fail_at_once_and_do_not_block_the_queue(info, db, mail_dir):
    injected = insert(info, db, subject="Hi\r\nBcc: victim@example.net")
    bad_address = insert(info, db, recipient="victim@example.net, other@example.net")
    good = insert(info, db, subject="Fine")
    r = run_mailer(info, db, mail_dir)
    assert counts(r) == (1, 0, 2), r.stderr
    for mid, field in ((injected, "Subject"), (bad_address, "To")):
        failed, attempts, last_error = row(info, db, mid, "failed_at IS NOT NULL, attempts, last_error")
        assert failed == "t" and attempts == "1", mid
        assert field in last_error, last_error
    sent = mails(mail_dir)
    assert [m["Message-ID"] for m in sent] == [f"<{good}>"]
    raw = b"".join(p.read_bytes() for p in mail_dir.glob("*.eml"))
    assert b"victim" not in raw


def test_two_mailers_in_parallel_send_each_message_once(info, db, mail_dir, tmp_path):
    ids = insert_many(info, db, 50)
    # A slower transport, so the two mailers really overlap.
    slow = tmp_path / "slow-sendmail"
    slow.write_text(f"#!/bin/sh\nsleep 0.05\nexec {sendmail_to_dir()} \"$@\"\n")
    slow.chmod(0o755)
    env = mailer_env(info, db, mail_dir, str(slow))
    procs = [subprocess.Popen([stoactl_path(info), "mail"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    per_mailer = [counts(subprocess.CompletedProcess([], 0, o[0], o[1])) for o in outs]
    assert sum(c[0] for c in per_mailer) == 50, per_mailer
    assert all(c[0] > 0 for c in per_mailer), f"both mailers should have sent some: {per_mailer}"

    sent_ids = [m["Message-ID"] for m in mails(mail_dir)]
    assert len(sent_ids) == 50
    assert sorted(sent_ids) == sorted(f"<{i}>" for i in ids)
    assert psql(info, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND attempts = 1", dbname=db) == "50"


def test_crash_mid_batch_resends_at_most_the_message_in_flight(info, db, mail_dir, tmp_path):
    ids = insert_many(info, db, 50)
    counter = tmp_path / "count"
    # Delivers each message, then on the 3rd kills the mailer before it can
    # record the send: the worst moment to crash.
    crashing = tmp_path / "crashing-sendmail"
    crashing.write_text(f"""#!/bin/sh
n=$(cat {counter} 2>/dev/null || echo 0)
n=$((n + 1))
echo $n > {counter}
{sendmail_to_dir()} "$@" || exit $?
if [ "$n" -eq 3 ]; then kill -9 $PPID; fi
""")
    crashing.chmod(0o755)
    r = run_mailer(info, db, mail_dir, sendmail=str(crashing))
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stdout, r.stderr)
    assert len(list(mail_dir.glob("*.eml"))) == 3
    assert psql(info, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL", dbname=db) == "2"

    # The killed session's lock goes when PostgreSQL notices the closed
    # socket; until then the row in flight is skipped, so run until done.
    for _ in range(20):
        r = run_mailer(info, db, mail_dir)
        assert r.returncode == 0, r.stderr
        if pending(info, db) == 0:
            break
        time.sleep(0.2)
    assert pending(info, db) == 0

    sent_ids = [m["Message-ID"] for m in mails(mail_dir)]
    assert len(sent_ids) <= 51
    assert set(sent_ids) == {f"<{i}>" for i in ids}, "every message is sent"
    duplicates = {i for i in sent_ids if sent_ids.count(i) > 1}
    assert duplicates <= {f"<{ids[2]}>"}, f"only the message in flight may be sent twice: {duplicates}"


def test_follow_sends_new_mail_and_stops_cleanly_on_sigterm(info, db, mail_dir):
    proc = subprocess.Popen([stoactl_path(info), "mail", "--follow"], env=mailer_env(info, db, mail_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        assert proc.poll() is None, proc.communicate()
        mid = insert(info, db)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not list(mail_dir.glob("*.eml")):
            time.sleep(0.1)
        assert [m["Message-ID"] for m in mails(mail_dir)] == [f"<{mid}>"]
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert time.monotonic() - stopped_at < 3, "SIGTERM ends the pause between polls at once"
    assert "sent 1, retried 0, failed 0" in out
    assert '"mailer_stopping"' in err


def test_batch_limits_one_run(info, db, mail_dir):
    insert_many(info, db, 5)
    assert counts(run_mailer(info, db, mail_dir, "--batch", "2")) == (2, 0, 0)
    assert pending(info, db) == 3
    assert counts(run_mailer(info, db, mail_dir)) == (3, 0, 0)
    assert len(list(mail_dir.glob("*.eml"))) == 5


def test_bad_arguments_and_settings_are_refused(info, db, mail_dir):
    for args in (["--batch", "0"], ["--batch", "x"], ["--batch"], ["now"], ["test"], ["test", "--to", "nobody"],
                 ["test", "--to", "a@example.org", "--name", "a\r\nBcc: x@example.net"]):
        r = run_mailer(info, db, mail_dir, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "usage" in r.stderr or "error" in r.stderr
    r = run_mailer(info, db, mail_dir, MAIL_MAX_ATTEMPTS="lots")
    assert r.returncode == 1 and "MAIL_MAX_ATTEMPTS" in r.stderr
    r = run_mailer(info, db, mail_dir, MAIL_FROM="not an address")
    assert r.returncode == 1 and "MAIL_FROM" in r.stderr


def test_missing_sendmail_program_is_retried_not_lost(info, db, mail_dir):
    mid = insert(info, db)
    r = run_mailer(info, db, mail_dir, sendmail="/nonexistent/sendmail")
    assert counts(r) == (0, 1, 0), r.stderr
    assert "cannot run" in row(info, db, mid, "last_error")[0]
