"""Several workers serve one session: its state lives only in PostgreSQL, so
any worker accepts what another issued and refuses what another revoked
(issue 4, "Tests").

Which worker served a request is read from the workers' syscall counters in
/proc/PID/io (the serving worker is among those whose counters moved during the
request); two requests whose sets of candidates are disjoint provably ran on
different workers."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from authhelpers import (API, bearer, fresh_client, login, register_user, served_by_different_workers, serving_worker,
                         worker_pids)


@pytest.fixture
def pids(info):
    found = worker_pids(info)
    if len(found) < 2:
        pytest.skip(f"the stack runs {len(found)} worker(s); this needs at least 2")
    return found


def test_alternating_me_and_refresh_across_workers(info, pids):
    user = register_user(info)
    _, r = login(info, user)
    access, refresh = r.json["access_token"], r.json["refresh_token"]
    moved_sets = []
    calls = 0
    while calls < 20 or (served_by_different_workers(moved_sets) is None and calls < 60):
        calls += 1
        if calls % 2:
            resp, moved = serving_worker(pids, lambda: fresh_client(info).get(f"{API}/me", headers=bearer(access)))
            assert resp.status == 200, f"call {calls} (me, on one of {sorted(moved)}): {resp}"
            assert resp.json["user"]["id"] == user.id
        else:
            resp, moved = serving_worker(pids, lambda: fresh_client(info).post(
                f"{API}/refresh", json={"refresh_token": refresh}))
            assert resp.status == 200, f"call {calls} (refresh, on one of {sorted(moved)}): {resp}"
            access, refresh = resp.json["access_token"], resp.json["refresh_token"]
        moved_sets.append(moved)
    pair = served_by_different_workers(moved_sets)
    if pair is None and sum(len(m) == 1 for m in moved_sets) < 5:
        pytest.skip(f"all {calls} calls succeeded, but the workers were too busy to tell which served what")
    assert pair is not None, (f"{calls} requests of one session all ran on the same worker "
                              f"({[sorted(m) for m in moved_sets]}): two workers never shared it")


def test_what_one_worker_revokes_every_worker_refuses(info, pids):
    user = register_user(info)
    _, r = login(info, user)
    token = r.json["access_token"]
    out = fresh_client(info).post(f"{API}/logout", headers=bearer(token))
    assert out.status == 204, out
    # Many concurrent requests while a login keeps one worker busy hashing:
    # they are spread over the other workers.
    other = register_user(info)
    busy = threading.Thread(target=lambda: login(info, other))
    busy.start()
    with ThreadPoolExecutor(len(pids) * 2) as pool:
        results = list(pool.map(lambda _: fresh_client(info).get(f"{API}/me", headers=bearer(token)),
                                range(len(pids) * 4)))
    busy.join(30)
    accepted = [r_ for r_ in results if r_.status != 401]
    assert not accepted, f"{len(accepted)} of {len(results)} workers still accepted a logged-out token: {accepted[:3]}"


def test_reuse_detected_whichever_worker_rotated(info, pids):
    user = register_user(info)
    _, r = login(info, user)
    first = r.json["refresh_token"]
    rotated, moved_rotated = serving_worker(pids, lambda: fresh_client(info).post(
        f"{API}/refresh", json={"refresh_token": first}))
    assert rotated.status == 200, rotated
    replays = []
    for _ in range(len(pids) + 2):  # rotation was committed once; every replay is reuse
        resp, moved = serving_worker(pids, lambda: fresh_client(info).post(
            f"{API}/refresh", json={"refresh_token": first}))
        replays.append((sorted(moved), resp.status, resp.json.get("code")))
    assert all(status == 401 for _, status, _ in replays), f"replays of a rotated token: {replays}"
    assert replays[0][2] == "token_reused", f"first replay (rotated on one of {sorted(moved_rotated)}): {replays[0]}"
