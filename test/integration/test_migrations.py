"""stoactl migrate against a fresh database of the stack's cluster."""
import os
import subprocess
import uuid

import pytest

from stoaclient import psql


@pytest.fixture
def fresh_db(info):
    name = "mig_" + uuid.uuid4().hex[:10]
    psql(info, f"CREATE DATABASE {name}", dbname="postgres")
    yield name
    psql(info, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", dbname="postgres")


def stoactl(info, db, *args):
    env = dict(os.environ)
    env.update(info["env"])
    env["DATABASE_URL"] = f"host={info['pg_socket_dir']} port={info['pg_port']} dbname={db} user=postgres"
    return subprocess.run([os.path.join(info["bin_dir"], "stoactl"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def migration_names():
    src = os.path.join(os.environ["STOA_SOURCE_DIR"], "migrations")
    return sorted(f[:-len(".up.sql")] for f in os.listdir(src) if f.endswith(".up.sql"))


def test_status_up_status_and_idempotence(info, fresh_db):
    names = migration_names()
    r = stoactl(info, fresh_db, "migrate", "status")
    assert r.returncode == 0, r.stderr
    for n in names:
        assert n in r.stdout and "pending" in r.stdout

    r = stoactl(info, fresh_db, "migrate", "up")
    assert r.returncode == 0, r.stderr
    for n in names:
        assert f"applied {n}" in r.stdout

    rows = psql(info, "SELECT name, length(checksum), applied_at IS NOT NULL FROM schema_version ORDER BY name",
                dbname=fresh_db).splitlines()
    assert rows == [f"{n}|64|t" for n in names]

    r = stoactl(info, fresh_db, "migrate", "up")
    assert r.returncode == 0 and "nothing to do" in r.stdout, r.stdout + r.stderr

    r = stoactl(info, fresh_db, "migrate", "status")
    assert r.returncode == 0 and "pending" not in r.stdout


def test_down_reverts_and_up_reapplies(info, fresh_db):
    names = migration_names()
    assert stoactl(info, fresh_db, "migrate", "up").returncode == 0
    r = stoactl(info, fresh_db, "migrate", "down", str(len(names)))
    assert r.returncode == 0, r.stderr
    assert f"reverted {names[0]}" in r.stdout
    assert psql(info, "SELECT count(*) FROM schema_version", dbname=fresh_db) == "0"
    assert psql(info, "SELECT to_regclass('users') IS NULL", dbname=fresh_db) == "t"
    r = stoactl(info, fresh_db, "migrate", "up", "1")
    assert r.returncode == 0 and f"applied {names[0]}" in r.stdout
    assert psql(info, "SELECT count(*) FROM schema_version", dbname=fresh_db) == "1"


def test_changed_migration_is_refused(info, fresh_db):
    assert stoactl(info, fresh_db, "migrate", "up").returncode == 0
    psql(info, "UPDATE schema_version SET checksum = repeat('0', 64) WHERE name = (SELECT min(name) FROM schema_version)",
         dbname=fresh_db)
    r = stoactl(info, fresh_db, "migrate", "up")
    assert r.returncode != 0
    assert "checksum" in r.stderr and "changed" in r.stderr
    r = stoactl(info, fresh_db, "migrate", "status")
    assert r.returncode != 0 and "CHANGED" in r.stdout
    r = stoactl(info, fresh_db, "migrate", "down")
    assert r.returncode != 0


def test_concurrent_migrations_apply_once(info, fresh_db):
    env = dict(os.environ)
    env.update(info["env"])
    env["DATABASE_URL"] = f"host={info['pg_socket_dir']} port={info['pg_port']} dbname={fresh_db} user=postgres"
    procs = [subprocess.Popen([os.path.join(info["bin_dir"], "stoactl"), "migrate", "up"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    applied = sum(o[0].count("applied ") for o in outs)
    assert applied == len(migration_names()), outs


def test_bad_arguments_are_refused(info, fresh_db):
    for args in (["migrate"], ["migrate", "sideways"], ["migrate", "down", "-1"], ["migrate", "up", "x"],
                 ["migrate", "status", "3"], ["no-such-command"]):
        r = stoactl(info, fresh_db, *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "usage" in r.stderr or "error" in r.stderr or "unknown" in r.stderr
    r = stoactl(info, fresh_db, "migrate", "status", "3")
    assert "status takes no argument" in r.stderr, r.stderr


def test_unreachable_database_is_a_clear_error(info):
    env = dict(os.environ)
    env.update(info["env"])
    env["DATABASE_URL"] = "host=/nonexistent-socket-dir dbname=stoa"
    r = subprocess.run([os.path.join(info["bin_dir"], "stoactl"), "migrate", "status"], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "cannot connect" in r.stderr
