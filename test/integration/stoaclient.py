"""A small HTTPS client for the integration tests: talks to the real stack
through nginx, trusting the stack's self-signed certificate."""
import http.client
import json as jsonlib
import os
import random
import ssl
import subprocess
import urllib.parse


def stack_info():
    path = os.path.join(os.environ["STOA_STACK_DIR"], "stack.json")
    with open(path, encoding="utf-8") as f:
        return jsonlib.load(f)


def random_ip():
    return f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value), names lower-cased
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    @property
    def json(self):
        return jsonlib.loads(self.body)

    def __repr__(self):
        return f"<Resp {self.status} {self.body[:300]!r}>"


class Client:
    def __init__(self, info=None, client_ip=None):
        self.info = info or stack_info()
        url = urllib.parse.urlparse(self.info["https_url"])
        self.host, self.port = url.hostname, url.port
        self.ctx = ssl.create_default_context(cafile=self.info["ca_cert"])
        # Rate limits count per client address: each client gets its own
        # (nginx trusts X-Forwarded-For from loopback in the test config).
        self.client_ip = client_ip or random_ip()
        self.cookies = {}

    def request(self, method, path, json=None, body=None, headers=None, content_type=None):
        hdrs = {}
        if self.client_ip:
            hdrs["X-Forwarded-For"] = self.client_ip
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs["Content-Type"] = "application/json"
        if content_type:
            hdrs["Content-Type"] = content_type
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        hdrs.update(headers or {})
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=30)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            headers_list = [(k.lower(), v) for k, v in r.getheaders()]
        finally:
            conn.close()
        resp = Resp(r.status, headers_list, data)
        for v in resp.header_all("set-cookie"):
            name, _, rest = v.partition("=")
            value = rest.split(";", 1)[0]
            if value == "" or "Max-Age=0" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)


def psql(info, sql, dbname="stoa"):
    """Runs SQL on the stack's cluster as the superuser; returns stdout."""
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
         "-h", info["pg_socket_dir"], "-p", str(info["pg_port"]), "-U", "postgres", "-d", dbname, "-c", sql],
        check=True, capture_output=True, text=True)
    return out.stdout.strip()


def assert_problem(resp, status, code):
    assert resp.status == status, resp
    assert resp.header("content-type").startswith("application/problem+json"), resp.headers
    body = resp.json
    assert body["status"] == status, body
    assert body["code"] == code, body
    assert body["title"], body
    assert body.get("request_id"), body
    return body
