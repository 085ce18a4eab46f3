"""Health, readiness, request ids and security headers through nginx."""
import http.client
import re
import urllib.parse

from stoaclient import Client, assert_problem

SECURITY_HEADERS = [
    "strict-transport-security",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "permissions-policy",
]


def assert_security_headers(resp):
    for h in SECURITY_HEADERS:
        assert resp.header(h), f"{h} missing on {resp}"
    assert resp.header("x-frame-options") == "DENY"
    assert resp.header("x-content-type-options") == "nosniff"
    assert "max-age=" in resp.header("strict-transport-security")
    csp = resp.header("content-security-policy")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    server = resp.header("server") or ""
    assert not re.search(r"\d", server), f"server version leaked: {server}"


def test_health_is_ok(client):
    r = client.get("/health")
    assert r.status == 200, r
    assert r.json == {"status": "ok"}
    assert r.header("content-type") == "application/json"


def test_ready_checks_database_and_storage(client):
    r = client.get("/ready")
    assert r.status == 200, r
    assert r.json["status"] == "ok"
    assert r.json["checks"]["database"] == "ok"
    assert r.json["checks"]["storage"] in ("ok", "degraded")


def test_every_response_has_a_request_id(client):
    ids = set()
    for path in ["/health", "/ready", "/api/v1/does-not-exist", "/stoa/"]:
        r = client.get(path)
        rid = r.header("x-request-id")
        assert rid and re.fullmatch(r"[A-Za-z0-9_-]{8,64}", rid), (path, r.headers)
        ids.add(rid)
    assert len(ids) == 4, "request ids must differ per request"


def test_problem_body_carries_the_same_request_id(client):
    r = client.get("/api/v1/does-not-exist")
    body = assert_problem(r, 404, "not_found")
    assert body["request_id"] == r.header("x-request-id")


def test_security_headers_on_api_errors_and_static(client):
    for path in ["/health", "/api/v1/does-not-exist", "/stoa/", "/no-such-static-file.html"]:
        assert_security_headers(client.get(path))


def test_http_redirects_to_https(info):
    url = urllib.parse.urlparse(info["http_url"])
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", "/health?x=1")
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status in (301, 308)
    assert r.getheader("location").startswith("https://")
    assert r.getheader("location").endswith("/health?x=1")


def test_metrics_is_not_served_before_it_exists_or_is_loopback_only(client):
    # /metrics arrives with its own issue; until then it must not pretend.
    r = client.get("/metrics")
    assert r.status in (403, 404), r


def test_head_on_health(client):
    r = client.request("HEAD", "/health")
    assert r.status == 200
    assert r.body == b""


def test_client_address_comes_from_nginx(info):
    c = Client(info, client_ip="198.51.100.23")
    r = c.get("/api/v1/_test/request/7?q=hello%20there")
    assert r.status == 200, r
    assert r.json["client_ip"] == "198.51.100.23"
    assert r.json["id"] == "7"
    assert r.json["q"] == "hello there"
