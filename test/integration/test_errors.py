"""Error answers in the problem format, and a worker that survives them."""
import json
import os
import time

from stoaclient import Client, assert_problem


def test_unknown_path_is_404(client):
    assert_problem(client.get("/api/v1/nothing/here"), 404, "not_found")


def test_wrong_method_is_405_with_allow(client):
    r = client.request("DELETE", "/health")
    body = assert_problem(r, 405, "method_not_allowed")
    assert "GET" in r.header("allow")
    assert "GET" in body["detail"]


def test_malformed_json_is_400(client):
    for bad in ['{"a":', "[1,2,3]", "not json", '{"a":1,"a":2}', '{"a":"\udcff"}'.encode("utf-8", "surrogatepass")]:
        r = client.post("/api/v1/_test/echo", body=bad, content_type="application/json")
        assert_problem(r, 400, "bad_request")


def test_wrong_content_type_is_415(client):
    r = client.post("/api/v1/_test/echo", body="a=b", content_type="application/x-www-form-urlencoded")
    assert_problem(r, 415, "unsupported_media_type")
    r = client.post("/api/v1/_test/echo", body='{"a":1}')
    assert_problem(r, 415, "unsupported_media_type")


def test_valid_json_is_accepted(client):
    r = client.post("/api/v1/_test/echo", json={"name": "Zoë", "n": [1, 2]})
    assert r.status == 200, r
    assert r.json["received"] == {"name": "Zoë", "n": [1, 2]}


def test_oversized_json_is_413(client):
    big = json.dumps({"x": "a" * (70 * 1024)})
    r = client.post("/api/v1/_test/echo", body=big, content_type="application/json")
    assert_problem(r, 413, "payload_too_large")


def test_json_just_under_the_limit_is_accepted(client):
    body = json.dumps({"x": "a" * (60 * 1024)})
    r = client.post("/api/v1/_test/echo", body=body, content_type="application/json")
    assert r.status == 200, r


def test_form_posts_are_parsed(client):
    r = client.post("/api/v1/_test/form", body="login=alice%40example.org&password=a%26b+c",
                    content_type="application/x-www-form-urlencoded")
    assert r.status == 200, r
    assert r.json["fields"] == {"login": "alice@example.org", "password": "a&b c"}


def test_handler_exception_is_500_without_leaks_and_worker_survives(info):
    c = Client(info)
    pids_before = sorted(info["pids"]["workers"]) if isinstance(info["pids"]["workers"], list) else None
    for _ in range(20):
        r = c.get("/api/v1/_test/throw")
        body = assert_problem(r, 500, "internal")
        text = r.body.decode()
        for leak in ("SELECT", "/etc/passwd", "deliberate", "runtime_error", ".cpp"):
            assert leak not in text, text
        assert body["request_id"] == r.header("x-request-id")
    for _ in range(10):
        assert c.get("/health").status == 200
    if pids_before:
        for pid in pids_before:
            assert os.path.exists(f"/proc/{pid}"), f"worker {pid} died"


def test_request_log_lines_are_json_with_request_id(info, client):
    r = client.get("/api/v1/_test/request/42")
    rid = r.header("x-request-id")
    log_path = info["logs"]["workers"]
    deadline = time.time() + 5
    found = None
    while time.time() < deadline and found is None:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if rid in line:
                    entry = json.loads(line)
                    if entry.get("event") == "request":
                        found = entry
        time.sleep(0.1)
    assert found, f"no request log line with {rid}"
    assert found["request_id"] == rid
    assert found["method"] == "GET"
    assert found["route"] == "/api/v1/_test/request/{id:int}"
    assert found["status"] == 200
    assert isinstance(found["duration_ms"], (int, float))
    assert found["client"]


def test_error_log_line_has_detail_the_client_never_saw(info, client):
    r = client.get("/api/v1/_test/throw")
    rid = r.header("x-request-id")
    deadline = time.time() + 5
    while time.time() < deadline:
        with open(info["logs"]["workers"], encoding="utf-8", errors="replace") as f:
            lines = [json.loads(line) for line in f if rid in line]
        errors = [e for e in lines if e.get("event") == "unhandled_exception"]
        if errors:
            assert "deliberate failure" in errors[0]["error"]
            return
        time.sleep(0.1)
    raise AssertionError("no error log line for the failing request")


def test_garbage_paths_and_bodies_do_not_break_the_worker(client):
    for path in ["/api/v1/%00", "/api/v1/" + "a" * 3000, "/api/v1/_test/request/abc",
                 "/api/v1/_test/request/99999999999999999999"]:
        r = client.get(path)
        assert r.status in (400, 404, 414), (path, r)
    r = client.post("/api/v1/_test/echo", body=os.urandom(4096), content_type="application/json")
    assert_problem(r, 400, "bad_request")
    assert client.get("/health").status == 200


def test_requests_nginx_refuses_itself_are_problems_too(client):
    # A NUL in the path, a path too long for nginx's buffers, a header too
    # large: refused before any location or worker sees them.
    assert_problem(client.get("/api/v1/projects/%00"), 400, "bad_request")
    assert_problem(client.get("/api/v1/comments/%zz"), 400, "bad_request")
    assert_problem(client.get("/api/v1/" + "a" * 20000), 414, "bad_request")
    assert_problem(client.get("/api/v1/auth/me", headers={"X-Padding": "p" * 40000}), 400, "bad_request")
    r = client.get("/api/v1/projects/%00")
    assert r.header("x-request-id") and r.json["request_id"] == r.header("x-request-id"), r.headers
    assert r.header("x-content-type-options") == "nosniff", r.headers
    assert client.get("/health").status == 200
