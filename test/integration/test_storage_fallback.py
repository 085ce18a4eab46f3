"""The share goes away and comes back: nothing uploaded is lost.

A private stack with a private smbd (this module stops and starts it, so it
never shares them with other tests): uploads fall back to the local
directory while smbd is down and /ready says `degraded`; `stoactl storage
sync` moves them once it is back, verifies them, and the pictures are still
served. Interrupted syncs (every point between copy and delete) and the
other leftovers are finished by the next run.
"""
import hashlib
import os
import shutil
import subprocess
import time

import pytest

from stoaclient import Client, assert_problem, psql
from test_pictures import Person, get, png_bytes, smb_stack, stoactl


@pytest.fixture(scope="module")
def env():
    with smb_stack() as pair:
        yield pair


@pytest.fixture(scope="module")
def info(env):
    return env[0]


@pytest.fixture(scope="module")
def share(env):
    return env[1]


@pytest.fixture
def share_down(share):
    """smbd is stopped for the test and started again afterwards."""
    share.stop()
    try:
        yield share
    finally:
        share.start()


def ready(info):
    r = Client(info).get("/ready")
    return r.status, r.json


def local_path(info, name):
    return os.path.join(info["env"]["STORAGE_LOCAL_DIR"], name[:2], name)


def on_share(share, name):
    return os.path.exists(os.path.join(share.share_dir, "blobs", name[:2], name))


def copy_to_share_disk(share, source, filename, shard=None, data=None):
    """Puts a file straight into the share's directory, as an interrupted sync leaves it."""
    directory = os.path.join(share.share_dir, "blobs", shard or filename[:2])
    os.makedirs(directory, exist_ok=True)
    if source:
        shutil.copy(source, os.path.join(directory, filename))
    else:
        with open(os.path.join(directory, filename), "wb") as f:
            f.write(data)


def blob_row(info, name):
    row = psql(info, f"SELECT location, coalesce(local_host, ''), deleted_at IS NOT NULL FROM blobs WHERE name = '{name}'")
    return tuple(row.split("|")) if row else None


def sync(info, *args):
    r = stoactl(info, "storage", "sync", *args)
    return r.returncode, r.stdout + r.stderr


def test_ready_is_ok_with_the_share_up(info):
    status, body = ready(info)
    assert status == 200 and body["checks"]["storage"] == "ok", body


def test_outage_uploads_fall_back_then_sync_moves_them(info, share):
    before = Person(info)
    assert before.put_picture(png_bytes(90, 90)).status == 200
    assert before.picture_blob()[1] == "share"

    share.stop()
    try:
        status, body = ready(info)
        assert status == 200 and body["checks"]["storage"] == "degraded", \
            f"share down, fallback writable: /ready must answer 200 degraded, got {status} {body}"
        people = [Person(info) for _ in range(3)]
        urls = []
        for i, p in enumerate(people):
            r = p.put_picture(png_bytes(100 + i, 60))
            assert r.status == 200, f"an upload during the outage must succeed through the fallback: {r}"
            urls.append(r.json["picture_url"])
            name, location, sha, _ = p.picture_blob()
            assert location == "local", f"upload {i} during the outage recorded at {location}"
            with open(local_path(info, name), "rb") as f:
                assert hashlib.sha256(f.read()).hexdigest() == sha
        for p, url in zip(people, urls):
            g = get(info, url)
            assert g.status == 200 and g.header("content-type") == "image/webp", "fallback pictures are served"
        # The picture that is on the share cannot be read now: 503, not 404 or 500.
        assert_problem(get(info, f"/api/v1/users/{before.user.username}/picture"), 503, "service_unavailable")
        code, out = sync(info)
        assert code != 0 and "left in the local directory" in out, f"sync while the share is down: {out}"
        assert all(p.picture_blob()[1] == "local" for p in people), "a failed sync must change nothing"
    finally:
        share.start()

    status, body = ready(info)
    assert status == 200 and body["checks"]["storage"] == "ok", body
    served_before = {p.user.username: get(info, u).body for p, u in zip(people, urls)}
    code, out = sync(info)
    assert code == 0, out
    assert "moved 3 blobs" in out, out
    listed = share.list_files()
    for p, url in zip(people, urls):
        name, location, sha, _ = p.picture_blob()
        assert location == "share", f"after sync the row must say share: {location}"
        assert f"{name[:2]}/{name}" in listed, "smbclient must list the moved blob"
        assert not os.path.exists(local_path(info, name)), "the local copy must be gone after the move"
        g = get(info, url)
        assert g.status == 200 and g.body == served_before[p.user.username], "the picture changed in the move"
        assert hashlib.sha256(g.body).hexdigest() == sha
    assert get(info, f"/api/v1/users/{before.user.username}/picture").status == 200
    code, out = sync(info)
    assert code == 0 and "moved 0 blobs" in out, f"a second sync has nothing to do: {out}"


def test_every_interrupted_sync_is_finished_by_the_next(info, share):
    with_share_down = []
    share.stop()
    try:
        people = [Person(info) for _ in range(3)]
        for p in people:
            assert p.put_picture(png_bytes(70, 70)).status == 200
            with_share_down.append(p.picture_blob())
    finally:
        share.start()
    # 1. Crashed after the copy, before the flip: the share holds a copy, the row says local.
    name1 = with_share_down[0][0]
    copy_to_share_disk(share, local_path(info, name1), name1)
    # 2. Crashed while copying: a partial temporary file on the share.
    name2 = with_share_down[1][0]
    copy_to_share_disk(share, None, f".{name2}.part", shard=name2[:2], data=b"half")
    # 3. Crashed after the flip, before deleting the local copy.
    name3 = with_share_down[2][0]
    copy_to_share_disk(share, local_path(info, name3), name3)
    psql(info, f"UPDATE blobs SET location = 'share', local_host = NULL WHERE name = '{name3}'")
    # 4. A request that died between writing its file and inserting its row, an hour ago,
    #    and one that may still be running.
    orphan_old, orphan_new = "ab" + "0" * 30, "ab" + "1" * 30
    for n, age in ((orphan_old, 7200), (orphan_new, 0)):
        path = local_path(info, n)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"orphan")
        os.utime(path, (time.time() - age, time.time() - age))
    # 5. A local write that never finished.
    stale = os.path.join(info["env"]["STORAGE_LOCAL_DIR"], "ab", "." + "2" * 32 + ".part")
    with open(stale, "wb") as f:
        f.write(b"partial")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))

    code, out = sync(info)
    assert code == 0, out
    assert "moved 2 blobs" in out and "swept 1 local copies, 1 orphans, 1 temporary files" in out, out
    assert not os.path.exists(os.path.join(share.share_dir, "blobs", name2[:2], f".{name2}.part")), \
        "the move of blob 2 replaces its partial temporary file"
    for name, _, sha, _ in with_share_down:
        assert blob_row(info, name)[0] == "share"
        assert not os.path.exists(local_path(info, name)), name
        with open(os.path.join(share.share_dir, "blobs", name[:2], name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == sha, "the share copy must be the verified one"
    assert not os.path.exists(local_path(info, orphan_old)), "an hour-old file without a row is swept"
    assert os.path.exists(local_path(info, orphan_new)), "a fresh file without a row may be an upload in progress"
    assert not os.path.exists(stale)
    os.unlink(local_path(info, orphan_new))
    for p in people:
        assert get(info, f"/api/v1/users/{p.user.username}/picture").status == 200


def test_a_corrupt_local_copy_is_never_moved_nor_deleted(info, share_down):
    p = Person(info)
    assert p.put_picture(png_bytes(33, 33)).status == 200
    name = p.picture_blob()[0]
    share_down.start()
    with open(local_path(info, name), "r+b") as f:
        f.seek(20)
        f.write(b"\xff\xff\xff")
    code, out = sync(info)
    assert code != 0 and "does not match its record" in out, out
    assert blob_row(info, name)[0] == "local", "a blob that fails verification stays where it was"
    assert os.path.exists(local_path(info, name)), "nothing is deleted on a failed verification"
    assert not on_share(share_down, name), "the unverified copy must not stay on the share"
    psql(info, f"UPDATE users SET picture_blob_id = NULL, picture_version = NULL WHERE id = {int(p.user.id)}")
    assert sync(info)[0] == 0, "released, the corrupt blob is cleaned up"


def test_removal_while_the_share_is_down_is_finished_by_sync(info, share):
    p = Person(info)
    assert p.put_picture(png_bytes(44, 44)).status == 200
    name = p.picture_blob()[0]
    share.stop()
    try:
        assert p.delete_picture().status == 204, "removing a picture works while the share is down"
        assert blob_row(info, name)[2] == "t", "the row stays, released, until the file is gone"
    finally:
        share.start()
    assert on_share(share, name)
    code, out = sync(info)
    assert code == 0, out
    assert not on_share(share, name) and blob_row(info, name) is None


def test_ready_is_503_when_nothing_takes_writes(info, share_down):
    local = info["env"]["STORAGE_LOCAL_DIR"]
    moved = local + ".moved"
    os.rename(local, moved)
    try:
        with open(local, "w") as f:
            f.write("not a directory")
        r = Client(info).get("/ready")
        body = assert_problem(r, 503, "service_unavailable")
        assert body["checks"]["storage"] == "unavailable", body
    finally:
        os.unlink(local)
        os.rename(moved, local)
    status, body = ready(info)
    assert status == 200 and body["checks"]["storage"] == "degraded"


def test_storage_check_reports_state(info, share):
    r = stoactl(info, "storage", "check", "--checksums")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "storage: ok" in r.stdout and "blobs:" in r.stdout, r.stdout
    share.stop()
    try:
        r = stoactl(info, "storage", "check")
        assert "storage: degraded" in r.stdout, r.stdout
    finally:
        share.start()


def test_storage_check_lists_files_without_a_row(info, share):
    on_disk, local = os.urandom(16).hex(), os.urandom(16).hex()
    copy_to_share_disk(share, None, on_disk, data=b"left by an interrupted upload")
    os.makedirs(os.path.dirname(local_path(info, local)), exist_ok=True)
    with open(local_path(info, local), "wb") as f:
        f.write(b"left by an interrupted upload")
    try:
        r = stoactl(info, "storage", "check")
        assert f"without a row: share {on_disk}" in r.stdout, r.stdout
        assert f"without a row: local {local}" in r.stdout, r.stdout
        p = Person(info)
        assert p.put_picture(png_bytes(20, 20)).status == 200
        name = p.picture_blob()[0]
        r = stoactl(info, "storage", "check")
        assert name not in r.stdout, f"{name} has its row: {r.stdout}"
    finally:
        os.unlink(os.path.join(share.share_dir, "blobs", on_disk[:2], on_disk))
        os.unlink(local_path(info, local))


def test_one_sync_per_host_at_a_time(info):
    host = os.uname().nodename
    holder = subprocess.Popen(
        ["psql", "-X", "-q", "-h", info["pg_socket_dir"], "-p", str(info["pg_port"]), "-U", "postgres", "-d", "stoa",
         "-c", f"SELECT pg_advisory_lock(7626302, hashtext('{host}'))", "-c", "SELECT pg_sleep(20)"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            held = psql(info, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7626302")
            if held == "1":
                break
            time.sleep(0.05)
        code, out = sync(info)
        assert code == 0 and "another storage sync" in out, out
    finally:
        holder.terminate()
        holder.wait(10)


def test_smb_password_is_never_logged(info, share):
    with open(info["logs"]["workers"], encoding="utf-8", errors="replace") as f:
        text = f.read()
    assert share.password not in text, "the SMB password appears in the workers' log"
    assert "storage_share_failed" in text or "storage_fallback_used" in text, \
        "the fallback must be logged as a warning"
