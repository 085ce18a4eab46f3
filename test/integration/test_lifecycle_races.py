"""Single-use tokens under concurrency (issue 5 "Races"): parallel requests
with the same verification or reset token, and exactly one succeeds. Each
request comes from its own client address (reset is limited to 5/hour per
address) and all are released together by a barrier."""
import threading

import mailbox

from authhelpers import API, fresh_client, new_password, problem_summary, register_user
from stoaclient import psql

assert hasattr(mailbox, "wait_for_mail"), f"`import mailbox` found {mailbox.__file__}, not test/integration/mailbox.py"

PARALLEL = 8


def in_parallel(info, requests):
    """Sends each (path, json body) from its own client at the same moment;
    returns the responses in the same order."""
    clients = [fresh_client(info) for _ in requests]
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def send(i, path, body):
        barrier.wait()
        try:
            answers[i] = clients[i].post(path, json=body)
        except Exception as e:  # noqa: BLE001 - reported below
            answers[i] = e

    threads = [threading.Thread(target=send, args=(i, path, body)) for i, (path, body) in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    errors = [a for a in answers if not hasattr(a, "status")]
    assert not errors, f"requests failed without an answer: {errors}"
    return answers


def summary(answers):
    return [problem_summary(a) if a.status >= 400 else a.status for a in answers]


def test_parallel_verifications_with_one_token_succeed_once(info):
    user = register_user(info)
    token = mailbox.wait_for_token(info, user.email, mailbox.VERIFY_PATH)
    answers = in_parallel(info, [(f"{API}/verify-email", {"token": token})] * PARALLEL)
    statuses = [a.status for a in answers]
    assert statuses.count(200) == 1, f"{PARALLEL} parallel verifications, exactly one 200 expected: {summary(answers)}"
    assert statuses.count(400) == PARALLEL - 1, f"the others answer 400: {summary(answers)}"
    codes = {a.json["code"] for a in answers if a.status == 400}
    assert codes == {"token_invalid"}, f"the losers answer token_invalid: {summary(answers)}"
    state = psql(info, f"SELECT role, email_verified_at IS NOT NULL FROM users WHERE id = {int(user.id)}")
    assert state == "user|t", f"after the race the account is {state}"
    events = psql(info, f"SELECT count(*) FROM account_logs WHERE user_id = {int(user.id)} AND event = 'email_verified'")
    assert events == "1", f"the verification was recorded {events} times"


def test_parallel_resets_with_one_token_succeed_once(info):
    user = register_user(info)
    assert fresh_client(info).post(f"{API}/password/forgot", json={"email": user.email}).status == 202
    token = mailbox.wait_for_token(info, user.email, mailbox.RESET_PATH)
    passwords = [new_password() for _ in range(PARALLEL)]
    answers = in_parallel(info, [(f"{API}/password/reset", {"token": token, "new_password": p}) for p in passwords])
    statuses = [a.status for a in answers]
    assert statuses.count(204) == 1, f"{PARALLEL} parallel resets, exactly one 204 expected: {summary(answers)}"
    losers = [a for a in answers if a.status != 204]
    assert all(a.status == 400 and a.json["code"] == "token_invalid" for a in losers), \
        f"the others answer 400 token_invalid: {summary(answers)}"

    # The winner's password is the one set. Winner first, then three losers: more
    # failures would lock the account (5) or hit its login limit (10/hour).
    winner = passwords[statuses.index(204)]
    for password in [winner] + [p for p in passwords if p != winner][:3]:
        r = fresh_client(info).post(f"{API}/login", json={"login": user.username, "password": password})
        expected = 200 if password == winner else 401
        assert r.status == expected, (f"login with the {'winning' if expected == 200 else 'losing'} request's "
                                      f"password: expected {expected}, got {r}")
