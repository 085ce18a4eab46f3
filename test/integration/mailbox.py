"""Reading the stack's mail like a user: drain the outbox with `stoactl mail`
through the sendmail-compatible `tools/sendmail-to-dir` (one .eml file per
message in the stack's mail directory), then find the messages sent to an
address and the links in them.

    token = mailbox.wait_for_token(info, user.email, mailbox.VERIFY_PATH)
    r = client.get(f"{mailbox.VERIFY_PATH}?token={token}")      # the user clicks
    notices = mailbox.wait_for_mail(info, user.email, mailbox.subject_matches("password"))

Other test files and a follow-mode mailer of the dev stack may drain the same
outbox into the same directory at the same time: nothing here assumes that
only this process drains, or that a message is still in the outbox.
"""
import email
import email.policy
import os
import re
import subprocess
import time
import urllib.parse
from pathlib import Path

from stoaclient import psql

VERIFY_PATH = "/auth/verify-email"
RESET_PATH = "/auth/reset-password"
DEFAULT_TIMEOUT = 10.0


class MailError(AssertionError):
    """The mailer could not be run, or an expected message did not arrive."""


def repo_dir(info):
    return Path(os.environ.get("STOA_SOURCE_DIR") or info.get("repo") or Path(__file__).resolve().parents[2])


def mail_dir(info):
    """Where sendmail-to-dir writes: the stack's STOA_MAIL_DIR if it sets one
    (so a follow-mode mailer and these tests share it), else <stack dir>/mail."""
    configured = info.get("env", {}).get("STOA_MAIL_DIR")
    path = Path(configured) if configured else Path(info["dir"]) / "mail"
    path.mkdir(parents=True, exist_ok=True)
    return path


def mailer_env(info):
    # The stack's settings, not the caller's (as test_auth_lockout runs stoactl).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STOA_", "DATABASE_", "JWT_", "MAIL_"))}
    env.update(info["env"])
    env.update({
        "MAIL_TRANSPORT": "sendmail",
        "MAIL_SENDMAIL": str(repo_dir(info) / "tools" / "sendmail-to-dir"),
        "STOA_MAIL_DIR": str(mail_dir(info)),
        # sendmail-to-dir starts with `#!/usr/bin/env python3`: the system's
        # python first (a pyenv shim on PATH makes each message 3 times slower).
        "PATH": "/usr/bin:/bin:" + os.environ.get("PATH", ""),
    })
    return env


# Other test files queue mail (every registration does) that nobody sends
# until someone drains: the first drain of a run may find hundreds of rows
# ahead of ours. Several mailers share that work (rows are claimed with
# SKIP LOCKED), and a drain that keeps sending is given minutes, not seconds.
PARALLEL_MAILERS = 3
DRAIN_TIMEOUT = 300


def drain(info, mailers=PARALLEL_MAILERS, timeout=DRAIN_TIMEOUT):
    """Runs `stoactl mail` (send what is due, then exit), `mailers` at once;
    returns when all have exited."""
    stoactl = os.path.join(info["bin_dir"], "stoactl")
    env = mailer_env(info)
    procs = []
    try:
        for _ in range(mailers):
            procs.append(subprocess.Popen([stoactl, "mail"], env=env, cwd=info["dir"], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + timeout
        results = []
        for p in procs:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results.append((p.returncode, out, err))
    except OSError as e:
        raise MailError(f"running {stoactl} mail failed: {e}") from None
    except subprocess.TimeoutExpired:
        raise MailError(f"`stoactl mail` still running after {timeout} s") from None
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()  # by PID: the mailer settles the message in hand, then exits
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    failed = [(rc, out, err) for rc, out, err in results if rc != 0]
    if failed:
        rc, out, err = failed[0]
        raise MailError(f"`stoactl mail` exited {rc}:\n{(out + err).strip()[-2000:]}")
    return results


def _parse(path):
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    msg.source_path = str(path)
    return msg


def recipients(msg):
    """Lower-cased addr-specs of To (and Cc)."""
    found = []
    for name in ("To", "Cc"):
        for header in msg.get_all(name, []):
            found += [a.addr_spec.lower() for a in getattr(header, "addresses", ())]
    return found


# Messages already read, by path: sendmail-to-dir renames a complete file into
# place and nothing rewrites it, so each file is parsed once per process.
_parsed = {}


def messages_to(info, address):
    """Every message in the mail directory addressed to `address`, oldest first
    (by file modification time, then name). Does not drain."""
    address = address.lower()
    paths = []
    for p in mail_dir(info).iterdir():
        if p.name.startswith(".") or not p.name.endswith(".eml"):
            continue  # a file still being written by sendmail-to-dir
        try:
            paths.append((p.stat().st_mtime_ns, p.name, p))
        except FileNotFoundError:
            continue
    out = []
    for _, _, p in sorted(paths):
        if p not in _parsed:
            try:
                msg = _parse(p)
            except FileNotFoundError:
                continue
            _parsed[p] = (set(recipients(msg)), msg)
        to, msg = _parsed[p]
        if address in to:
            out.append(msg)
    return out


def text_body(msg):
    """The plain-text part, decoded."""
    part = msg.get_body(preferencelist=("plain",))
    if part is None:
        raise MailError(f"message {msg['Subject']!r} ({getattr(msg, 'source_path', '?')}) has no text/plain part")
    return part.get_content()


def wait_for_mail(info, address, predicate=None, count=1, timeout=DEFAULT_TIMEOUT):
    """Drains the outbox and returns the messages to `address` that satisfy
    `predicate`, once there are at least `count` of them (oldest first).
    Raises MailError, saying what did arrive, when they are not there
    `timeout` seconds after the first drain finished."""
    deadline = None
    while True:
        drain(info)
        # The wait starts once the backlog ahead of our mail is sent.
        deadline = deadline or time.monotonic() + timeout
        found = [m for m in messages_to(info, address) if predicate is None or predicate(m)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            everything = [m["Subject"] for m in messages_to(info, address)]
            pending = psql(info, "SELECT count(*) FROM outbox WHERE lower(recipient) = lower("
                                 f"'{address.replace(chr(39), chr(39) * 2)}') AND sent_at IS NULL")
            raise MailError(f"{count} matching message(s) to {address} expected within {timeout:.0f} s, "
                            f"found {len(found)}; all messages to it: {everything}; "
                            f"unsent outbox rows for it: {pending}")
        time.sleep(0.2)


def has_link(path):
    return lambda msg: path + "?token=" in text_body(msg)


def subject_matches(pattern):
    rx = re.compile(pattern, re.IGNORECASE)
    return lambda msg: bool(rx.search(str(msg["Subject"] or "")))


def links(msg, path):
    """The absolute URLs in the text body whose path is `path` (e.g.
    VERIFY_PATH), in order."""
    rx = re.compile(r"https?://[^\s<>\"']+" + re.escape(path) + r"\?[^\s<>\"']+")
    return rx.findall(text_body(msg))


def link_token(msg, path, info=None):
    """The token of the single `path?token=...` link in the message. With
    `info`, also checks that the link points at the stack's public base URL."""
    found = links(msg, path)
    if len(found) != 1:
        raise MailError(f"expected one {path}?token= link in {msg['Subject']!r}, found {found}:\n{text_body(msg)}")
    url = urllib.parse.urlsplit(found[0])
    if info is not None:
        base = urllib.parse.urlsplit(info["env"].get("PUBLIC_BASE_URL", info["https_url"]))
        if (url.scheme, url.netloc) != (base.scheme, base.netloc):
            raise MailError(f"link {found[0]} does not point at PUBLIC_BASE_URL {base.geturl()}")
    tokens = urllib.parse.parse_qs(url.query).get("token", [])
    if len(tokens) != 1 or not tokens[0]:
        raise MailError(f"link {found[0]} has no single token parameter")
    return tokens[0]


def link_path(msg, path):
    """The single `path?token=...` link as a path and query to request on the stack
    (what a browser opening the link asks for)."""
    found = links(msg, path)
    if len(found) != 1:
        raise MailError(f"expected one {path} link in {msg['Subject']!r}, found {found}")
    url = urllib.parse.urlsplit(found[0])
    return f"{url.path}?{url.query}"


def wait_for_token(info, address, path, count=1, timeout=DEFAULT_TIMEOUT):
    """The token of the `count`-th message (oldest first) to `address` that
    carries a `path` link, waiting until it has arrived; e.g. count=2 is the
    token of the second reset mail."""
    msgs = wait_for_mail(info, address, has_link(path), count=count, timeout=timeout)
    return link_token(msgs[count - 1], path, info)


def outbox_count(info, address, where="true"):
    """Outbox rows for `address` (sent or not) matching an extra SQL condition:
    written in the handler's own transaction, so it is exact right after the
    response, whoever drains."""
    addr = address.replace("'", "''")
    return int(psql(info, f"SELECT count(*) FROM outbox WHERE lower(recipient) = lower('{addr}') AND ({where})"))
