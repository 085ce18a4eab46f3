"""The package installed on this machine (issue 7, "Tests"): what postinst
created, the units (systemd-analyze verify and security), the generated
config, and the installed binaries started as the units start them, as the
units' user, against a throw-away PostgreSQL, behind the installed nginx
site. systemd need not be PID 1: units.py applies what the unit files say.

Runs as root only (see conftest.installed); test_purge.py purges after."""

import collections
import grp
import json
import os
import pwd
import random
import re
import signal
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from cluster import Cluster
from conftest import dpkg, run
from nginx_site import Site
from units import ListeningSocket, Pool, Service, UnitFile

ENV_FILE = Path('/etc/stoa/stoa.env')
UNIT_DIR = Path('/lib/systemd/system')
SERVICES = ['stoa-fcgi@1.service', 'stoa-fcgi-hash@1.service', 'stoa-migrate.service',
            'stoa-mailer.service', 'stoa-cleanup.service', 'stoa-storage-sync.service']
OTHER_UNITS = ['stoa.target', 'stoa-fcgi.socket', 'stoa-fcgi-hash.socket', 'stoa-cleanup.timer', 'stoa-storage-sync.timer']
WORKERS = 4
MAX_EXPOSURE = 2.0
# What systemd counts as a clean stop: exit 0, or killed by SIGTERM itself
# (a worker still starting has no handler yet).
CLEAN_STOP = (0, -signal.SIGTERM)


def service(name):
    return Service(UnitFile(name))


def stoactl_as_unit_user(*args, env=None):
    """stoactl ARGS as stoa-migrate.service would run it: its user, its
    EnvironmentFile=, its privileges."""
    return service('stoa-migrate.service').run(env=env, argv=['/usr/sbin/stoactl', *args])


def mode_owner(path):
    st = os.stat(path)
    return stat.S_IMODE(st.st_mode), pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name


# --- what postinst made -------------------------------------------------------

def test_system_user_and_group(installed):
    user = pwd.getpwnam('stoa')
    assert user.pw_uid < 1000, f'stoa is not a system user (uid {user.pw_uid})'
    assert grp.getgrgid(user.pw_gid).gr_name == 'stoa'
    assert user.pw_shell in ('/usr/sbin/nologin', '/bin/false'), user.pw_shell
    assert user.pw_dir == '/var/lib/stoa'
    assert grp.getgrnam('stoa').gr_mem == [], 'nobody else belongs to the group stoa'


def test_directories_are_tight(installed):
    assert mode_owner('/etc/stoa') == (0o750, 'root', 'stoa')
    assert mode_owner('/var/lib/stoa') == (0o750, 'stoa', 'stoa')
    assert mode_owner('/var/lib/stoa/files') == (0o750, 'stoa', 'stoa')


def test_env_file_is_private_with_a_fresh_secret(installed):
    assert mode_owner(ENV_FILE) == (0o640, 'root', 'stoa')
    env = dict(line.split('=', 1) for line in ENV_FILE.read_text().splitlines()
               if line and not line.startswith('#'))
    secret = env['JWT_SECRET']
    assert len(secret) >= 43 and '@' not in secret, f'JWT_SECRET looks unfilled: {secret!r}'
    assert len(set(secret)) >= 20
    example = Path('/usr/share/stoa/stoa.env.example').read_text()
    assert secret not in example
    assert env['STOA_ENV'] == 'production' and env['COOKIE_SECURE'] == 'true'


def test_nginx_site_installed_not_enabled(installed):
    assert Path('/etc/nginx/sites-available/stoa').is_file()
    assert not Path('/etc/nginx/sites-enabled/stoa').exists()
    status = run(['dpkg-query', '-W', '-f=${Conffiles}', 'stoa']).stdout
    assert '/etc/nginx/sites-available/stoa ' in status, status


def test_nothing_started_or_enabled_on_install(installed):
    assert not Path('/run/stoa').exists(), 'postinst must not start anything'
    assert not list(Path('/etc/systemd/system').glob('**/stoa*')), 'postinst must not enable units'
    assert not run(['pgrep', '-u', 'stoa'], check=False).stdout


def test_reinstall_keeps_config_and_data(installed):
    """An upgrade (here: the same version again) keeps stoa.env and files."""
    before = ENV_FILE.read_text()
    kept = Path('/var/lib/stoa/files/kept-by-upgrade')
    kept.write_text('data')
    try:
        r = dpkg('-i', installed.package.deb)
        assert r.returncode == 0, r.stdout + r.stderr
        assert ENV_FILE.read_text() == before, 'reinstalling changed /etc/stoa/stoa.env'
        assert kept.read_text() == 'data'
        assert mode_owner(ENV_FILE) == (0o640, 'root', 'stoa')
    finally:
        kept.unlink(missing_ok=True)


# --- the units -------------------------------------------------------------------

def test_systemd_analyze_verify(installed):
    names = SERVICES + OTHER_UNITS + ['stoa-fcgi@.service', 'stoa-fcgi-hash@.service']
    r = run(['systemd-analyze', 'verify', *[UNIT_DIR / n if '@.' in n else n for n in names]],
            check=False, cwd=UNIT_DIR)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr


@pytest.mark.parametrize('unit', SERVICES)
def test_systemd_analyze_security(installed, unit):
    r = run(['systemd-analyze', 'security', '--offline=true', '--threshold=20', '--no-pager', unit],
            check=False)
    m = re.search(r'Overall exposure level for \S+: (\d+\.\d+)', r.stdout)
    assert m, r.stdout + r.stderr
    print(f'{unit}: exposure {m.group(1)}')
    assert float(m.group(1)) <= MAX_EXPOSURE and r.returncode == 0, r.stdout


def test_units_run_as_stoa_without_privileges(installed):
    for name in SERVICES:
        unit = UnitFile(name)
        assert unit.get('Service', 'User') == 'stoa', name
        assert unit.get('Service', 'EnvironmentFile') == str(ENV_FILE), name
        assert Service(unit).no_new_privileges and Service(unit).drop_all_caps, name


# --- the generated config ----------------------------------------------------------

def test_check_config_accepts_generated_config(installed):
    r = stoactl_as_unit_user('check-config')
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'configuration ok (production)' in r.stdout


@pytest.mark.parametrize('change, named', [
    ({'COOKIE_SECURE': 'false'}, 'COOKIE_SECURE'),
    ({'JWT_SECRET': 'changeme-changeme-changeme-changeme-42'}, 'JWT_SECRET'),
    ({'JWT_SECRET': 'tooShort1'}, 'JWT_SECRET'),
    ({'ALLOWED_ORIGINS': '*'}, 'ALLOWED_ORIGINS'),
    ({'PUBLIC_BASE_URL': None}, 'PUBLIC_BASE_URL'),
    ({'PUBLIC_BASE_URL': 'http://example.org'}, 'PUBLIC_BASE_URL'),
    ({'DATABASE_URL': None}, 'DATABASE_URL'),
])
def test_check_config_refuses_broken_config(installed, change, named):
    r = stoactl_as_unit_user('check-config', env=change)
    assert r.returncode == 1, f'{change}: {r.stdout}{r.stderr}'
    assert f'error: {named}' in r.stderr, r.stderr


def test_check_config_reads_the_installed_file(installed):
    original = ENV_FILE.read_text()
    try:
        ENV_FILE.write_text(original.replace('COOKIE_SECURE=true', 'COOKIE_SECURE=false'))
        r = stoactl_as_unit_user('check-config')
        assert r.returncode == 1 and 'COOKIE_SECURE' in r.stderr, r.stdout + r.stderr
    finally:
        ENV_FILE.write_text(original)


def test_worker_refuses_broken_config_and_is_not_restarted(installed):
    worker = service('stoa-fcgi@1.service')
    r = worker.run(env={'COOKIE_SECURE': 'false'}, timeout=30)
    assert r.returncode == 78, f'exit {r.returncode}: {r.stdout}{r.stderr}'
    assert 'COOKIE_SECURE' in r.stdout + r.stderr
    assert 78 in worker.restart_prevent, 'Restart= would loop on a config the worker refuses'


# --- the units' processes against PostgreSQL ------------------------------------------

@pytest.fixture(scope='module')
def database(installed):
    """A cluster as operating.md sets one up, and DATABASE_URL in
    /etc/stoa/stoa.env pointing at it (the operator's edit)."""
    cluster = Cluster()
    original = ENV_FILE.read_text()
    try:
        cluster.start()
        ENV_FILE.write_text(re.sub(r'^DATABASE_URL=.*$', f'DATABASE_URL="{cluster.database_url}"',
                                   original, flags=re.M))
        yield cluster
    finally:
        ENV_FILE.write_text(original)
        cluster.stop()


@pytest.fixture(scope='module')
def migrated(database):
    r = service('stoa-migrate.service').run()
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_migrate_unit_applies_every_migration(migrated, database):
    applied = re.findall(r'^applied (\S+)', migrated.stdout, re.M)
    shipped = sorted({p.name.split('.')[0] for p in Path('/usr/share/stoa/migrations').glob('*.up.sql')})
    assert applied == shipped, migrated.stdout
    again = service('stoa-migrate.service').run()
    assert again.returncode == 0 and 'nothing to do' in again.stdout, again.stdout + again.stderr
    assert database.psql("SELECT tableowner FROM pg_tables WHERE tablename = 'users'", 'stoa') == 'stoa'


def test_cleanup_unit(migrated):
    r = service('stoa-cleanup.service').run()
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'removed' in r.stdout


def test_storage_sync_unit(migrated):
    usage = run(['/usr/sbin/stoactl', '--help']).stdout
    if not re.search(r'^\s+storage\b', usage, re.M):
        pytest.skip('stoactl has no `storage` command yet; stoa-storage-sync.service runs `stoactl storage sync`')
    r = service('stoa-storage-sync.service').run()
    assert r.returncode == 0, r.stdout + r.stderr


def test_mailer_unit_follows_until_sigterm(migrated, tmp_path):
    mailer = service('stoa-mailer.service')
    log = tmp_path / 'mailer.log'
    with open(log, 'wb') as out:
        proc = mailer.spawn(log=out)
    try:
        time.sleep(2.5)
        assert proc.poll() is None, f'the mailer exited ({proc.returncode}):\n{log.read_text()}'
        assert 'mailer_started' in log.read_text()
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(15) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


# --- the worker pool behind the installed nginx site ----------------------------------

@pytest.fixture(scope='module')
def site(installed):
    site = Site()
    yield site
    site.stop()
    run(['rm', '-rf', site.dir])


@pytest.fixture(scope='module')
def pool(migrated, site):
    """stoa-fcgi.socket and stoa-fcgi@1..WORKERS, stoa-fcgi-hash.socket and
    stoa-fcgi-hash@1..2, then nginx on the site."""
    listening = ListeningSocket(UnitFile('stoa-fcgi.socket'))
    hash_listening = ListeningSocket(UnitFile('stoa-fcgi-hash.socket'))
    workers = Pool('stoa-fcgi@.service', WORKERS, listening, site.dir / 'logs' / 'workers.log')
    hash_workers = Pool('stoa-fcgi-hash@.service', 2, hash_listening, site.dir / 'logs' / 'hash-workers.log')
    try:
        site.start()
        yield workers
    finally:
        site.stop()
        codes = workers.stop() + hash_workers.stop()
        listening.close()
        hash_listening.close()
        assert all(c in CLEAN_STOP for c in codes), f'workers exited with {codes} on SIGTERM'


def test_worker_stops_on_sigterm_with_a_silent_connection(migrated, tmp_path):
    """systemctl stop/restart sends SIGTERM; the worker must exit even when
    it has just accepted a connection whose request has not arrived yet
    (nginx connects, then writes). libfcgi 2.4.2 waits up to 2 s for the
    first bytes (is_af_unix_keeper); a signal there used to leave OS_Accept
    looping on a closed fd for ever, until systemd's SIGKILL after
    TimeoutStopSec."""
    listening = ListeningSocket(UnitFile('stoa-fcgi.socket'))
    silent = socket.socket(socket.AF_UNIX)
    try:
        with open(tmp_path / 'worker.log', 'wb') as log:
            worker = service('stoa-fcgi@1.service').spawn(stdin=listening, log=log)
        time.sleep(1)  # started and waiting in accept
        silent.connect(str(listening.path))
        time.sleep(0.3)  # accepted, waiting for the request's first bytes
        os.kill(worker.pid, signal.SIGTERM)
        try:
            code = worker.wait(5)
        except subprocess.TimeoutExpired:
            state = Path(f'/proc/{worker.pid}/stat').read_text().split(')')[1].split()[0]
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            pytest.fail(f'the worker did not exit within 5 s of SIGTERM (state {state}): '
                        'see src/fcgi/worker.cpp, libfcgi OS_Accept')
        assert code == 0, f'exit {code}: {(tmp_path / "worker.log").read_text()}'
    finally:
        silent.close()
        listening.close()


def test_nginx_t_accepts_the_installed_site(site):
    r = site.nginx('-t')
    assert r.returncode == 0, r.stdout + r.stderr


def test_socket_is_for_nginx_only(pool):
    assert mode_owner('/run/stoa/stoa.sock') == (0o660, 'stoa', 'www-data')
    assert mode_owner('/run/stoa/stoa-hash.sock') == (0o660, 'stoa', 'www-data')


def test_logins_go_to_the_password_hashing_pool(pool, site):
    """nginx/snippets/stoa-pools.conf routes login to stoa-fcgi-hash.socket:
    an answer from a worker (not nginx's 502) shows that pool serves it."""
    conn = site.connection()
    try:
        conn.request('POST', '/api/v1/auth/login', body=json.dumps({'login': 'nobody', 'password': 'Wr0ng!pass1'}),
                     headers={'Content-Type': 'application/json'})
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 401 and b'invalid_credentials' in body, (r.status, body)


def test_workers_answer_through_the_site(pool, site):
    status, headers, body = site.get('/health')
    assert status == 200 and b'"ok"' in body, (status, body)
    assert 'max-age' in headers.get('strict-transport-security', ''), headers
    status, headers, body = site.get('/ready')
    assert status == 200 and b'"database":"ok"' in body.replace(b' ', b''), (status, body)
    assert headers.get('x-request-id'), headers


def test_workers_run_confined_as_the_unit_says(pool):
    """The workers serving the tests above run as stoa, without privileges,
    and (with python3-seccomp) under the unit's seccomp filters."""
    pid = pool.pids()[0]
    status = dict(line.split(':', 1) for line in Path(f'/proc/{pid}/status').read_text().splitlines())
    stoa = pwd.getpwnam('stoa')
    assert status['Uid'].split() == [str(stoa.pw_uid)] * 4, status['Uid']
    assert status['NoNewPrivs'].strip() == '1'
    assert int(status['CapBnd'], 16) == 0 and int(status['CapEff'], 16) == 0
    assert int(status['Umask'], 8) == service('stoa-fcgi@1.service').umask
    if not pool.services[0].seccomp:
        pytest.skip('python3-seccomp is not installed: the workers ran without the seccomp filters')
    assert status['Seccomp'].strip() == '2' and int(status['Seccomp_filters']) >= 3, status['Seccomp']


class Load:
    """GET `path` from `clients` threads until stopped; counts statuses."""

    def __init__(self, site, path='/ready', clients=8):
        self.site, self.path = site, path
        self.statuses = collections.Counter()
        self.errors = []
        self.slowest = 0.0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def _client(self):
        conn = None
        while not self.done.is_set():
            started = time.monotonic()
            try:
                conn = conn or self.site.connection()
                conn.request('GET', self.path)
                r = conn.getresponse()
                r.read()
                with self.lock:
                    self.statuses[r.status] += 1
                    self.slowest = max(self.slowest, time.monotonic() - started)
            except Exception as e:  # noqa: BLE001 - every failure is a finding
                with self.lock:
                    self.errors.append(repr(e))
                conn = None

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(60)
        return self

    def summary(self):
        return f'statuses {dict(self.statuses)}, errors {self.errors[:3]}, slowest {self.slowest:.2f} s'


def upstream_failures(site):
    """nginx's error-log lines for requests a worker dropped (then retried)."""
    text = site.error_log.read_text() if site.error_log.exists() else ''
    return len(re.findall(r'upstream prematurely closed|Connection reset by peer|'
                          r'Broken pipe', text))


def test_sigkill_under_load_costs_no_502(pool, site):
    """Workers killed with SIGKILL while 8 clients keep them busy: every GET
    is answered 200 (nginx retries on the next worker), and every killed
    worker is replaced (Restart=always, RestartSec=)."""
    failures_before = upstream_failures(site)
    restarts_before = len(pool.restarts)
    load = Load(site)
    time.sleep(0.5)
    kills = 0
    started = time.monotonic()
    # At least 5 s; longer (up to 15 s) until kills have hit requests in
    # flight three times, which a busy machine makes rarer.
    while True:
        elapsed = time.monotonic() - started
        if elapsed > 15 or (elapsed > 5 and upstream_failures(site) - failures_before >= 3):
            break
        pids = pool.pids()
        if pids:
            os.kill(random.choice(pids), signal.SIGKILL)
            kills += 1
        time.sleep(0.2)
    time.sleep(1.5)  # the last ones are replaced
    load.stop()
    replaced = [delay for _, status, delay in pool.restarts[restarts_before:] if status == -signal.SIGKILL]
    retried = upstream_failures(site) - failures_before
    print(f'{kills} workers killed, {len(replaced)} replaced (slowest after {max(replaced, default=0):.2f} s), '
          f'{retried} requests retried by nginx; {load.summary()}')
    assert kills >= 15
    assert set(load.statuses) == {200} and not load.errors, load.summary()
    assert len(replaced) == kills and all(d is not None and d < 3 for d in replaced), pool.restarts
    assert len(pool.pids()) == WORKERS
    assert retried >= 1, ('no kill hit a request in flight, so the retry path was not exercised: '
                          + load.summary())


def test_restarts_one_at_a_time_and_all_at_once_cost_no_error(pool, site):
    """A rolling restart (operating.md) and a restart of the whole pool (a
    package upgrade restarts stoa.target): the socket stays open, so no
    request fails; at worst it waits in the socket's queue."""
    load = Load(site)
    time.sleep(0.3)
    for i in range(WORKERS):
        started = time.monotonic()
        codes = pool.restart([i])
        assert codes[0] in CLEAN_STOP, (f'worker {i + 1} exited with {codes} on SIGTERM after '
                              f'{time.monotonic() - started:.1f} s')
        time.sleep(0.3)
    codes = pool.restart(list(range(WORKERS)))
    time.sleep(1)
    load.stop()
    print(f'rolling then full restart: {load.summary()}')
    assert set(load.statuses) == {200} and not load.errors, load.summary()
    assert all(c in CLEAN_STOP for c in codes), codes
