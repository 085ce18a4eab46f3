"""stoactl mail with MAIL_TRANSPORT=smtp (libcurl) against a small real SMTP
server run by the test: STARTTLS or implicit TLS with a certificate made for
the test, AUTH PLAIN/LOGIN, and each message recorded as it arrives."""
import base64
import email
import email.policy
import os
import socket
import socketserver
import ssl
import subprocess
import threading

import pytest

from stoaclient import psql
from test_mail import counts, db, insert, mail_dir, mailer_env, row, stoactl_path  # noqa: F401 (fixtures)

USER = "stoa-mailer"
PASSWORD = "pw-Zq8vX2rT5nL"


class SmtpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, context, implicit_tls=False, offer_starttls=True):
        super().__init__(("127.0.0.1", 0), SmtpSession)
        self.context = context
        self.implicit_tls = implicit_tls
        self.offer_starttls = offer_starttls
        self.received = []   # dicts: mail_from, rcpt, data, tls, user
        self.auth_seen = []  # (tls, user, password_ok) for every AUTH attempt
        self.lock = threading.Lock()

    @property
    def port(self):
        return self.server_address[1]


class SmtpSession(socketserver.BaseRequestHandler):
    def setup(self):
        self.sock = self.request
        self.tls = False
        if self.server.implicit_tls:
            self.start_tls()
        self.rfile = self.sock.makefile("rb")
        self.user = None
        self.reset()

    def start_tls(self):
        self.sock = self.server.context.wrap_socket(self.sock, server_side=True)
        self.tls = True

    def reset(self):
        self.mail_from = None
        self.rcpt = []

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def line(self):
        data = self.rfile.readline(10000)
        if not data:
            raise EOFError
        return data.rstrip(b"\r\n").decode("utf-8", "replace")

    def check_auth(self, user, password):
        ok = user == USER and password == PASSWORD
        with self.server.lock:
            self.server.auth_seen.append((self.tls, user, ok))
        if ok:
            self.user = user
            self.send("235 2.7.0 authenticated")
        else:
            self.send("535 5.7.8 authentication failed")

    def handle(self):
        try:
            self.send("220 sink.test ESMTP")
            while True:
                text = self.line()
                verb = text.split(" ", 1)[0].upper()
                arg = text[len(verb) + 1:]
                if verb in ("EHLO", "HELO"):
                    caps = ["sink.test"]
                    if not self.tls and self.server.offer_starttls:
                        caps.append("STARTTLS")
                    if self.tls:
                        caps.append("AUTH PLAIN LOGIN")
                    caps.append("8BITMIME")
                    for c in caps[:-1]:
                        self.send("250-" + c)
                    self.send("250 " + caps[-1])
                elif verb == "STARTTLS" and not self.tls:
                    self.send("220 2.0.0 go ahead")
                    self.start_tls()
                    self.rfile = self.sock.makefile("rb")
                    self.reset()
                elif verb == "AUTH":
                    mech, _, initial = arg.partition(" ")
                    if mech.upper() == "PLAIN":
                        if not initial:
                            self.send("334 ")
                            initial = self.line()
                        _, user, password = base64.b64decode(initial).decode().split("\0")
                    else:
                        self.send("334 VXNlcm5hbWU6")
                        user = base64.b64decode(self.line()).decode()
                        self.send("334 UGFzc3dvcmQ6")
                        password = base64.b64decode(self.line()).decode()
                    self.check_auth(user, password)
                elif verb == "MAIL":
                    if self.user is None:
                        self.send("530 5.7.0 authentication required")
                        continue
                    self.mail_from = arg.split(":", 1)[1].strip()
                    self.send("250 2.1.0 ok")
                elif verb == "RCPT":
                    self.rcpt.append(arg.split(":", 1)[1].strip())
                    self.send("250 2.1.5 ok")
                elif verb == "DATA":
                    self.send("354 end with <CRLF>.<CRLF>")
                    lines = []
                    while True:
                        raw = self.rfile.readline()
                        if raw in (b".\r\n", b""):
                            break
                        lines.append(raw[1:] if raw.startswith(b".") else raw)  # undo dot-stuffing
                    with self.server.lock:
                        self.server.received.append({"mail_from": self.mail_from, "rcpt": list(self.rcpt),
                                                     "data": b"".join(lines), "tls": self.tls, "user": self.user})
                    self.reset()
                    self.send("250 2.0.0 queued")
                elif verb == "RSET":
                    self.reset()
                    self.send("250 2.0.0 ok")
                elif verb == "NOOP":
                    self.send("250 2.0.0 ok")
                elif verb == "QUIT":
                    self.send("221 2.0.0 bye")
                    return
                else:
                    self.send("502 5.5.2 not implemented")
        except (EOFError, ConnectionError, ssl.SSLError, OSError):
            return


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    d = tmp_path_factory.mktemp("smtp-tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return cert, context


@pytest.fixture
def smtp_server(request, certificate):
    params = getattr(request, "param", {})
    server = SmtpServer(certificate[1], **params)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def smtp_env(info, db, mail_dir, url, ca_file, **extra):
    env = mailer_env(info, db, mail_dir, MAIL_TRANSPORT="smtp", MAIL_SMTP_URL=url, MAIL_SMTP_USER=USER,
                     MAIL_SMTP_PASSWORD=PASSWORD, MAIL_SMTP_CA_FILE=str(ca_file))
    env.update(extra)
    return env


def run(info, env):
    return subprocess.run([stoactl_path(info), "mail"], env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


# A body line that a soft break leaves starting with ".": SMTP must dot-stuff it.
BODY = "Hallo Zoë,\n\n" + "a" * 75 + ".b\n.\nend\n"


def test_starttls_auth_and_envelope(info, db, mail_dir, smtp_server, certificate):
    mid = insert(info, db, recipient="zoe@example.org", name="Zoë", subject="Grüße über SMTP", body=BODY)
    r = run(info, smtp_env(info, db, mail_dir, f"smtp://127.0.0.1:{smtp_server.port}", certificate[0]))
    assert r.returncode == 0, r.stderr
    assert counts(r) == (1, 0, 0), r.stderr
    assert len(smtp_server.received) == 1
    got = smtp_server.received[0]
    assert got["tls"] and got["user"] == USER
    assert all(tls for tls, _, _ in smtp_server.auth_seen), "credentials only inside TLS"
    assert got["mail_from"] == "<no-reply@example.org>"
    assert got["rcpt"] == ["<zoe@example.org>"]
    assert b"\r\n" in got["data"] and b"\n" not in got["data"].replace(b"\r\n", b""), "CRLF line ends on the wire"
    msg = email.message_from_bytes(got["data"], policy=email.policy.default)
    assert msg["Subject"] == "Grüße über SMTP"
    assert msg["Message-ID"] == f"<{mid}>"
    assert msg.get_content().replace("\r\n", "\n") == BODY  # the wire has CRLF
    assert row(info, db, mid, "sent_at IS NOT NULL") == ["t"]


@pytest.mark.parametrize("smtp_server", [{"implicit_tls": True}], indirect=True)
def test_smtps_implicit_tls(info, db, mail_dir, smtp_server, certificate):
    insert(info, db, body=BODY)
    r = run(info, smtp_env(info, db, mail_dir, f"smtps://127.0.0.1:{smtp_server.port}", certificate[0]))
    assert counts(r) == (1, 0, 0), r.stderr
    assert smtp_server.received[0]["tls"]
    msg = email.message_from_bytes(smtp_server.received[0]["data"], policy=email.policy.default)
    assert msg.get_content().replace("\r\n", "\n") == BODY  # the wire has CRLF


@pytest.mark.parametrize("smtp_server", [{"offer_starttls": False}], indirect=True)
def test_server_without_starttls_is_refused_before_auth(info, db, mail_dir, smtp_server, certificate):
    mid = insert(info, db)
    r = run(info, smtp_env(info, db, mail_dir, f"smtp://127.0.0.1:{smtp_server.port}", certificate[0]))
    assert counts(r) == (0, 1, 0), r.stderr
    assert smtp_server.received == [] and smtp_server.auth_seen == []
    last_error = row(info, db, mid, "last_error")[0]
    assert "SSL" in last_error or "TLS" in last_error, last_error


def test_untrusted_certificate_is_refused(info, db, mail_dir, smtp_server):
    mid = insert(info, db)
    env = smtp_env(info, db, mail_dir, f"smtp://127.0.0.1:{smtp_server.port}", "")
    env.pop("MAIL_SMTP_CA_FILE")
    r = run(info, env)
    assert counts(r) == (0, 1, 0), r.stderr
    assert smtp_server.received == [] and smtp_server.auth_seen == []
    assert "certificate" in row(info, db, mid, "last_error")[0].lower()


def test_wrong_password_is_retried_and_never_logged(info, db, mail_dir, smtp_server, certificate):
    mid = insert(info, db)
    wrong = "wrong-Pw-9Hs7Kd"
    env = smtp_env(info, db, mail_dir, f"smtp://127.0.0.1:{smtp_server.port}", certificate[0],
                   MAIL_SMTP_PASSWORD=wrong)
    r = run(info, env)
    assert counts(r) == (0, 1, 0), r.stderr
    assert smtp_server.auth_seen and not smtp_server.auth_seen[-1][2]
    last_error = row(info, db, mid, "last_error")[0]
    assert "auth" in last_error.lower() or "login" in last_error.lower(), last_error
    assert wrong not in last_error and wrong not in r.stdout + r.stderr


def test_unreachable_server_is_retried(info, db, mail_dir, certificate):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mid = insert(info, db)
    r = run(info, smtp_env(info, db, mail_dir, f"smtp://127.0.0.1:{port}", certificate[0]))
    assert counts(r) == (0, 1, 0), r.stderr
    assert "connect" in row(info, db, mid, "last_error")[0].lower()
    assert psql(info, "SELECT count(*) FROM outbox WHERE sent_at IS NULL", dbname=db) == "1"
