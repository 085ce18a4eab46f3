"""Helpers for the authentication tests (test_auth_*.py).

Rate limits are counted per client IP and per account in PostgreSQL and are
shared with every other test file running against the same stack, so every
test talks from its own random client address (`fresh_client`) and makes its
own users (`register_user`) with random names.
"""
import base64
import ctypes
import ctypes.util
import hashlib
import hmac
import json
import os
import re
import secrets
import statistics
import time
import urllib.parse

from stoaclient import Client, psql

API = "/api/v1/auth"
USER_FIELDS = {"id", "username", "email", "first_name", "last_name", "role", "email_verified",
               "totp_enabled", "created_at", "last_login_at", "picture_url"}
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$")


# --- identities ---------------------------------------------------------------

def rand_hex(n=10):
    return secrets.token_hex(n)[:n]


def fresh_ip(v4=False):
    """A random client address nobody else uses: IPv6 from 2001:db8::/32 with
    96 random bits (so a limiter keyed by /64 sees distinct clients too), or
    IPv4 from the benchmarking range 198.18.0.0/15."""
    if v4:
        n = secrets.randbelow(1 << 17)
        return f"198.{18 + (n >> 16)}.{(n >> 8) & 255}.{n & 255}"
    groups = [secrets.randbelow(1 << 16) for _ in range(6)]
    return "2001:db8:" + ":".join(f"{g:x}" for g in groups)


def fresh_client(info, ip=None, v4=False):
    """A Client with its own cookie jar and its own random client address."""
    return Client(info, client_ip=ip or fresh_ip(v4))


def new_password():
    return "Sup3r$ecret!" + rand_hex(8)


def new_identity():
    """(username, email, password), all random; the email's local part differs
    from the username so the password rules see two identities."""
    tag = rand_hex(10)
    return f"u_{tag}", f"m_{tag}@example.org", new_password()


def full_width(text):
    """ASCII letters, digits and symbols as their full-width forms
    ("alice" -> "ａｌｉｃｅ"), which NFKC folds back."""
    return "".join(chr(ord(c) + 0xFEE0) if 0x21 <= ord(c) <= 0x7E else c for c in text)


class User:
    """A registered account and what the tests need to use it."""

    def __init__(self, username, email, password, record):
        self.username = username
        self.email = email
        self.password = password
        self.record = record  # the User object answered by /register
        self.id = record["id"]

    def __repr__(self):
        return f"<User {self.username} id={self.id}>"


def register_user(info, role=None, password_change_required=False, **extra):
    """Registers a new random user from a fresh address (register is limited to
    3/hour per IP) and optionally sets its role in the database."""
    username, email, password = new_identity()
    body = {"username": username, "email": email, "password": password, **extra}
    r = fresh_client(info).post(f"{API}/register", json=body)
    assert r.status == 201, f"registering {username} failed: {r}"
    user = User(username, email, password, r.json["user"])
    if role:
        set_role(info, user, role)
    if password_change_required:
        psql(info, f"UPDATE users SET password_change_required = true WHERE id = {int(user.id)}")
    return user


def set_role(info, user, role):
    assert role in ("guest", "user", "moderator", "admin"), role
    psql(info, f"UPDATE users SET role = '{role}' WHERE id = {int(user.id)}")


def login(info, user, client=None, login_name=None, password=None):
    """Logs in (JSON API) from `client` or a fresh one; asserts 200 and returns
    (client, response). The client's jar then holds the three cookies."""
    c = client or fresh_client(info)
    r = c.post(f"{API}/login", json={"login": login_name or user.username,
                                     "password": password or user.password})
    assert r.status == 200, f"login of {user} failed: {r}"
    return c, r


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def me(info, token, ip=None):
    """GET /me with a Bearer token from a fresh client without cookies."""
    return fresh_client(info, ip=ip).get(f"{API}/me", headers=bearer(token))


def refresh_body(info, refresh_token, ip=None):
    """POST /refresh with the token in the JSON body, from a fresh client."""
    return fresh_client(info, ip=ip).post(f"{API}/refresh", json={"refresh_token": refresh_token})


def problem_summary(resp):
    try:
        body = resp.json
    except ValueError:
        return f"{resp.status} (not JSON) {resp.body[:200]!r}"
    return f"{resp.status} {body.get('code')!r}: {body.get('detail', '')}"


# --- SQL ----------------------------------------------------------------------

def sql_text(value):
    """A string as an SQL literal (the tests' own values only)."""
    return "'" + str(value).replace("'", "''") + "'"


def rate_hits(info, key):
    """The hits of a rate_limits counter in its current window, 0 when there is none."""
    out = psql(info, f"SELECT hits FROM rate_limits WHERE key = {sql_text(key)} AND window_end > now()")
    return int(out) if out else 0


def exhaust_default_ip(info, ip):
    """Puts the address's default_ip counter at its limit (300/minute)."""
    psql(info, "INSERT INTO rate_limits (key, window_start, window_end, hits) "
               f"VALUES ({sql_text('default_ip:' + ip)}, now(), now() + interval '1 minute', 300) "
               "ON CONFLICT (key) DO UPDATE SET window_end = excluded.window_end, hits = 300")


def sql_rows(info, query):
    """Rows of a query as lists of strings (psql -A -t, '|' separated)."""
    out = psql(info, query)
    return [line.split("|") for line in out.splitlines() if line != ""]


def events_of(info, user_id):
    """The account_logs events of a user, oldest first."""
    return [row[0] for row in sql_rows(
        info, f"SELECT event FROM account_logs WHERE user_id = {int(user_id)} ORDER BY id")]


def log_rows_for_request(info, request_id):
    """account_logs rows written by one request: dicts of event, user_id,
    reason, ip, user_agent, created_at."""
    rows = sql_rows(info, "SELECT event, coalesce(user_id::text, ''), coalesce(detail->>'reason', ''), ip, "
                          "user_agent, created_at IS NOT NULL FROM account_logs "
                          f"WHERE request_id = {sql_text(request_id)} ORDER BY id")
    keys = ("event", "user_id", "reason", "ip", "user_agent", "has_time")
    return [dict(zip(keys, row)) for row in rows]


def wait_for(predicate, timeout=5.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --- JWT ----------------------------------------------------------------------

def b64url(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_jwt(token):
    """(header, payload) of a compact JWT, without checking anything."""
    parts = token.split(".")
    assert len(parts) == 3, f"not a compact JWT: {token[:80]!r}"
    return json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))


def jwt_secret(info):
    """The key the stack signs access tokens with (HS256): the bytes of
    JWT_SECRET as configured."""
    return info["env"]["JWT_SECRET"].encode()


def sign_jwt(header, payload, key, digest=hashlib.sha256):
    """A compact JWT over canonical-ish JSON, signed with HMAC(`digest`)."""
    signing_input = b64url(json.dumps(header, separators=(",", ":"))) + "." + \
        b64url(json.dumps(payload, separators=(",", ":")))
    mac = hmac.new(key, signing_input.encode(), digest).digest()
    return signing_input + "." + b64url(mac)


# --- cookies --------------------------------------------------------------------

class SetCookie:
    """One Set-Cookie header: name, value and attributes (names lower-cased;
    flags map to True)."""

    def __init__(self, header):
        self.raw = header
        first, *attrs = [p.strip() for p in header.split(";")]
        self.name, _, self.value = first.partition("=")
        self.attrs = {}
        for a in attrs:
            if not a:
                continue
            k, eq, v = a.partition("=")
            self.attrs[k.strip().lower()] = v.strip() if eq else True

    def get(self, name):
        return self.attrs.get(name.lower())

    @property
    def clears(self):
        """True when the header deletes the cookie (Max-Age<=0 or an Expires in the past)."""
        max_age = self.get("max-age")
        if max_age is not None and max_age is not True:
            try:
                return int(max_age) <= 0
            except ValueError:
                return False
        expires = self.get("expires")
        if isinstance(expires, str):
            from email.utils import parsedate_to_datetime
            try:
                return parsedate_to_datetime(expires).timestamp() < time.time()
            except (TypeError, ValueError):
                return False
        return False

    def __repr__(self):
        return f"<Set-Cookie {self.raw!r}>"


def set_cookies(resp):
    """The response's Set-Cookie headers by cookie name (a list each)."""
    found = {}
    for v in resp.header_all("set-cookie"):
        c = SetCookie(v)
        found.setdefault(c.name, []).append(c)
    return found


# --- redirects --------------------------------------------------------------------

def location_is_same_origin(info, location):
    """Whether a browser following `location` from the stack's origin stays
    on that origin. Conservative: a relative Location must be a plain path
    ("/x", not "//x" or "/\\x", no control characters or backslashes, also
    after percent-decoding); an absolute one must name the stack's origin."""
    if location is None:
        return False
    origin = info["https_url"]
    if location.startswith(origin + "/") or location == origin:
        rest = location[len(origin):] or "/"
    else:
        rest = location
    # Browsers strip tabs and newlines from URLs and treat "\" as "/".
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in rest) or "\\" in rest:
        return False
    if not rest.startswith("/") or rest.startswith("//"):
        return False
    decoded = urllib.parse.unquote(urllib.parse.unquote(rest))
    if decoded.startswith("//") or decoded.startswith("/\\"):
        return False
    joined = urllib.parse.urlsplit(urllib.parse.urljoin(origin + "/", rest))
    return joined.scheme == "https" and joined.netloc == urllib.parse.urlsplit(origin).netloc


def location_path(info, location):
    """The path (and query) of a same-origin Location."""
    origin = info["https_url"]
    return location[len(origin):] if location.startswith(origin) else location


# --- workers ----------------------------------------------------------------------

def worker_pids(info):
    """Every worker of both pools (the general one and the password-hashing one)."""
    pids = [p for key in ("workers", "hash_workers") for p in (info["pids"].get(key) or [])]
    return [p for p in pids if os.path.exists(f"/proc/{p}")]


def read_syscalls(pid):
    """Read/write syscall counts of a process (/proc/PID/io), or None."""
    try:
        with open(f"/proc/{pid}/io", encoding="ascii") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["syscr"]) + int(fields["syscw"])
    except (OSError, KeyError, ValueError):
        return None


def serving_worker(pids, action):
    """Runs `action()` and returns (its result, the set of workers whose
    syscall counters moved meanwhile). The serving worker is in that set; with
    nothing else running it is the only one."""
    before = {p: read_syscalls(p) for p in pids}
    result = action()
    after = {p: read_syscalls(p) for p in pids}
    moved = frozenset(p for p in pids if before[p] is not None and after[p] is not None and after[p] != before[p])
    return result, moved


def served_by_different_workers(moved_sets):
    """A pair of requests that provably ran on different workers (their sets of
    possibly-serving workers are disjoint and non-empty), or None."""
    sets = [s for s in moved_sets if s]
    for i, a in enumerate(sets):
        for b in sets[i + 1:]:
            if not a & b:
                return a, b
    return None


# --- libsodium, to plant password hashes with other parameters -----------------

def sodium():
    """libsodium through ctypes, or None."""
    name = ctypes.util.find_library("sodium") or "libsodium.so.23"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    if lib.sodium_init() < 0:
        return None
    return lib


def argon2id_hash(password, opslimit, memlimit_bytes):
    """crypto_pwhash_str (Argon2id) with explicit parameters, or None."""
    lib = sodium()
    if lib is None:
        return None
    out = ctypes.create_string_buffer(128)  # crypto_pwhash_STRBYTES
    pw = password.encode()
    lib.crypto_pwhash_str.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong,
                                      ctypes.c_ulonglong, ctypes.c_size_t]
    if lib.crypto_pwhash_str(out, pw, len(pw), opslimit, memlimit_bytes) != 0:
        return None
    return out.value.decode()


def argon2_params(hash_text):
    """{'m': KiB, 't': passes, 'p': lanes} of an encoded Argon2id hash."""
    m = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", hash_text or "")
    return {"m": int(m.group(1)), "t": int(m.group(2)), "p": int(m.group(3))} if m else None


def median(values):
    return statistics.median(values)
