#!/usr/bin/python3
"""Start and stop Stoa's local stack: PostgreSQL, stoa-fcgi workers, nginx.

    stack.py start --dir DIR --bin-dir BUILD [--http-port P] [--https-port P] [--workers N]
                   [--hash-workers N]
    stack.py stop  --dir DIR
    stack.py run   [--dir DIR] [--bin-dir BUILD]

`start` leaves the stack running in the background and describes it in
DIR/stack.json; `stop` stops it by the PIDs recorded there. The workers
are two spawn-fcgi pools, as in production: the general one, and one for
password hashing (login, register, password changes; nginx/snippets/stoa-pools.conf). `run` is `start`
in the foreground, for development: Ctrl-C or SIGTERM stops everything.
Tests import it: `Stack(DIR)` reads DIR/stack.json (see class Stack).

Everything is started on loopback or unix sockets under DIR; two stacks with
different directories never share anything. Standard library only.
"""

import argparse
import base64
import glob
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import smbd  # tools/smbd.py: the stack's private, loopback-only Samba share

REPO = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = REPO / 'nginx' / 'dev.conf.in'
NGINX_SNIPPETS = REPO / 'nginx' / 'snippets'
NGINX_SYSTEM_CONF = Path('/etc/nginx')  # fastcgi_params and mime.types
WEB_ROOT = REPO / 'web'

READY_TIMEOUT = 60.0
# Far above what loopback tests and benchmarks send; production is stricter.
DEFAULT_LIMIT_RATE = '100000r/s'

# Caller's variables that reach the workers (so `ALLOWED_ORIGINS=... ./dev run` works).
PASSED_PREFIXES = ('STOA_', 'JWT_', 'COOKIE_', 'STORAGE_', 'MAIL_', 'RATE_LIMIT_',
                   'LOCKOUT_', 'PASSWORD_', 'ARGON2_', 'LOG_', 'COMMENT_', 'NEW_ACCOUNT_',
                   'ACCOUNT_LOG_', 'OUTBOX_', 'PROJECT_')
PASSED_NAMES = ('DATABASE_URL', 'ALLOWED_ORIGINS', 'SITE_ORIGINS', 'PUBLIC_BASE_URL',
                'REQUIRE_EMAIL_VERIFICATION')

# nginx and PostgreSQL config files quote paths; keep them simple.
UNSAFE_PATH = re.compile(r'''[\s"'$;{}\\]''')
SUN_PATH_MAX = 100  # sockaddr_un.sun_path is 108 bytes, keep a margin


class StackError(Exception):
    """A step of starting or stopping failed; the message says which."""


def log(message):
    print(f'stack: {message}', file=sys.stderr, flush=True)


def is_root():
    return os.geteuid() == 0


def passed_through(name):
    return name in PASSED_NAMES or name.startswith(PASSED_PREFIXES)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def default_workers():
    return 4 * (os.cpu_count() or 1)


def default_hash_workers():
    """The password-hashing pool: one Argon2id per core keeps every core busy;
    more only queue inside the kernel instead of in the socket."""
    return max(2, os.cpu_count() or 1)


# The two worker pools: (stack.json pids key, socket key, count key, pid file).
POOLS = (('workers', 'fcgi_socket', 'workers', 'workers.pid'),
         ('hash_workers', 'fcgi_hash_socket', 'hash_workers', 'hash-workers.pid'))


def check_path(path, what):
    if UNSAFE_PATH.search(str(path)):
        raise StackError(f'{what} {path!s}: must not contain spaces, quotes, $ ; {{ }} or \\')


def write_private(path, text):
    """Writes text atomically, readable by the owner only (it holds secrets)."""
    tmp = Path(f'{path}.tmp')
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.replace(tmp, path)


def tail(path, lines=25):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode('utf-8', 'replace')
    except OSError:
        return ''
    return '\n'.join(text.splitlines()[-lines:])


# --- processes, by PID only -------------------------------------------------

def proc_start_time(pid):
    """Start time of a live process (clock ticks since boot), or None.

    Recorded next to each PID so that a PID reused by an unrelated process is
    never signalled. Zombies count as gone.
    """
    try:
        stat = Path(f'/proc/{pid}/stat').read_text()
    except (OSError, ValueError):
        return None
    fields = stat[stat.rindex(')') + 2:].split()
    if fields[0] in ('Z', 'X'):
        return None
    return fields[19]


def read_pid_file(path, first_line_only=False):
    try:
        text = Path(path).read_text()
        return [int(p) for p in (text.split('\n')[:1] if first_line_only else text.split())]
    except (OSError, ValueError):
        return []


def proc_exe_name(pid):
    try:
        return os.path.basename(os.readlink(f'/proc/{pid}/exe'))
    except OSError:
        return None


def run_checked(cmd, what, **kwargs):
    """Runs a short command; on failure raises with its output."""
    result = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            **kwargs)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise StackError(f'{what} failed (exit {result.returncode}):\n{output}')
    return result


# --- PostgreSQL -----------------------------------------------------------------

def pg_bin_dir():
    """The bin directory of the highest installed PostgreSQL version."""
    found = []
    for d in glob.glob('/usr/lib/postgresql/*/bin'):
        version = Path(d).parent.name
        if version.isdigit() and Path(d, 'pg_ctl').exists():
            found.append((int(version), d))
    if not found:
        raise StackError('no PostgreSQL in /usr/lib/postgresql/*/bin (apt-get install postgresql)')
    return max(found)[1]


def pg_env():
    # PG* variables of the caller must not steer initdb/pg_ctl/psql elsewhere.
    return {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'}


def as_pg_owner(cmd):
    """PostgreSQL refuses to run as root: run its programs as `postgres`."""
    return ['runuser', '-u', 'postgres', '--', *cmd] if is_root() else cmd


def postgres_can_use(path):
    result = subprocess.run(as_pg_owner(['test', '-w', str(path), '-a', '-x', str(path)]),
                            stdin=subprocess.DEVNULL, capture_output=True)
    return result.returncode == 0


def give_to_pg_owner(path):
    if is_root():
        user = pwd.getpwnam('postgres')
        os.chown(path, user.pw_uid, user.pw_gid)


# --- the stack ------------------------------------------------------------------

class Stack:
    """A stack described by DIR/stack.json.

    Attributes mirror stack.json: https_url, http_url, ca_cert, env,
    database_url, pg_socket_dir, pg_port, pids... (see `info`).
    """

    def __init__(self, directory):
        self.dir = Path(directory).resolve()
        self.path = self.dir / 'stack.json'
        try:
            self.info = json.loads(self.path.read_text())
        except FileNotFoundError:
            raise StackError(f'{self.path}: no stack here (start one first)') from None

    def __getattr__(self, name):
        try:
            return self.__dict__['info'][name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def load(cls, where):
        """From a stack directory, its stack.json, or the dict read from it."""
        if isinstance(where, dict):
            return cls(where['dir'])
        where = Path(where)
        return cls(where.parent if where.name == 'stack.json' else where)

    @classmethod
    def create(cls, directory, info):
        stack = cls.__new__(cls)
        stack.dir = Path(directory).resolve()
        stack.path = stack.dir / 'stack.json'
        stack.info = info
        stack.save()
        return stack

    def reload(self):
        """Re-reads stack.json (another process may have restarted something)."""
        self.info = json.loads(self.path.read_text())

    def save(self):
        write_private(self.path, json.dumps(self.info, indent=2, sort_keys=True) + '\n')

    # -- helpers for tests --

    def url(self, path='/'):
        return self.info['https_url'] + path

    def ssl_context(self):
        return ssl.create_default_context(cafile=self.info['ca_cert'])

    def worker_pids(self):
        """The general pool's workers (not the password-hashing pool's)."""
        self.reload()
        return [p for p in self.info['pids'].get('workers', []) if self._alive(p)]

    # -- pid bookkeeping --

    def _track(self, name, pids):
        """Records PIDs (an int or a list) with their start times and saves."""
        starts = self.info.setdefault('pid_start_times', {})
        for pid in pids if isinstance(pids, list) else [pids]:
            started = proc_start_time(pid)
            if started is not None:
                starts[str(pid)] = started
        self.info['pids'][name] = pids
        self.save()

    def _forget(self, name):
        pids = self.info['pids'].pop(name, None)
        for pid in pids if isinstance(pids, list) else [pids]:
            self.info.get('pid_start_times', {}).pop(str(pid), None)
        self.save()

    def _adopt_from_pid_files(self):
        """Tracks processes that a pid file names but stack.json does not
        (a start interrupted between spawning and saving), when the PID runs
        the program expected there."""
        found = {
            'nginx': (read_pid_file(self.dir / 'nginx' / 'nginx.pid'), 'nginx'),
            'workers': (read_pid_file(self.dir / 'workers.pid'), 'stoa-fcgi'),
            'hash_workers': (read_pid_file(self.dir / 'hash-workers.pid'), 'stoa-fcgi'),
        }
        if self.info.get('pg_data'):
            found['postgres'] = (read_pid_file(self._pg_data() / 'postmaster.pid',
                                               first_line_only=True), 'postgres')
        for name, (pids, program) in found.items():
            if self.info['pids'].get(name):
                continue
            pids = [p for p in pids if proc_exe_name(p) == program]
            if pids:
                self._track(name, pids if name.endswith('workers') else pids[0])

    def _alive(self, pid):
        started = proc_start_time(pid)
        return started is not None and started == self.info.get('pid_start_times', {}).get(str(pid))

    def _terminate(self, name, signals):
        """Signals the PIDs of `name` in turn until they are gone.

        `signals` is a list of (signal, seconds to wait after sending it).
        """
        pids = self.info['pids'].get(name)
        pids = [p for p in (pids if isinstance(pids, list) else [pids]) if p]
        for sig, wait in signals:
            alive = [p for p in pids if self._alive(p)]
            if not alive:
                break
            for pid in alive:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and any(self._alive(p) for p in alive):
                time.sleep(0.05)
        left = [p for p in pids if self._alive(p)]
        if left:
            raise StackError(f'{name}: PIDs {left} did not exit')
        self._forget(name)

    # -- PostgreSQL --

    def _pg_data(self):
        return Path(self.info['pg_data'])

    def start_postgres(self):
        """Starts the stack's cluster (same data directory, port and socket)."""
        self.reload()
        if self.info['pids'].get('postgres') and self._alive(self.info['pids']['postgres']):
            return
        pg_ctl = str(Path(self.info['pg_bin_dir'], 'pg_ctl'))
        with open(self.info['logs']['postgres'], 'ab') as out:
            # No -l: the server keeps pg_ctl's stdout, this file opened by us,
            # which works even where the postgres user may not write.
            result = subprocess.run(
                as_pg_owner([pg_ctl, 'start', '-w', '-t', '60', '-D', str(self._pg_data())]),
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=self.info['pg_home'], env=pg_env(), start_new_session=True)
        pids = read_pid_file(self._pg_data() / 'postmaster.pid', first_line_only=True)
        if result.returncode != 0 or not pids:
            raise StackError(f'PostgreSQL did not start (pg_ctl exit {result.returncode}); '
                             f'see {self.info["logs"]["postgres"]}')
        self._track('postgres', pids[0])

    def stop_postgres(self):
        """Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL."""
        self.reload()
        self._terminate('postgres', [(signal.SIGINT, 30), (signal.SIGQUIT, 10),
                                     (signal.SIGKILL, 5)])

    # -- workers --

    def _spawn_env(self):
        env = {k: v for k, v in os.environ.items() if not passed_through(k)}
        env.update(self.info['env'])
        return env

    def start_workers(self):
        """Both pools: the general one and the password-hashing one (nginx
        sends login, register and password changes to the latter)."""
        for name, socket_key, count_key, pid_name in POOLS:
            if self.info.get(socket_key):  # stacks from before the hash pool have one
                self._spawn_pool(name, self.info[socket_key], int(self.info[count_key]), self.dir / pid_name)

    def _spawn_pool(self, name, sock, count, pid_file):
        pid_file.unlink(missing_ok=True)
        worker = str(Path(self.info['bin_dir'], 'stoa-fcgi'))
        # spawn-fcgi points its children's stderr at /dev/null; the shell
        # redirects it to the log, then becomes the worker (same PID).
        cmd = ['spawn-fcgi', '-s', sock, '-F', str(count), '-P', str(pid_file),
               '-M', '0660', '--', '/bin/sh', '-c', 'exec "$0" 2>>"$1"', worker,
               self.info['logs']['workers']]
        with open(self.dir / 'logs' / 'spawn-fcgi.log', 'ab') as out:
            result = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, env=self._spawn_env(),
                                    cwd=self.dir, start_new_session=True)
        pids = read_pid_file(pid_file)
        if pids:
            self._track(name, pids)
        if result.returncode != 0 or len(pids) != count:
            raise StackError(f'spawn-fcgi failed (exit {result.returncode}, '
                             f'{len(pids)} of {count} {name} started); see '
                             f'{self.dir}/logs/spawn-fcgi.log and {self.info["logs"]["workers"]}')

    # -- mailer --

    def start_mailer(self):
        """`stoactl mail --follow`: sends the outbox into DIR/mail (sendmail-to-dir)."""
        stoactl = str(Path(self.info['bin_dir'], 'stoactl'))
        with open(self.info['logs']['mailer'], 'ab') as out:
            proc = subprocess.Popen([stoactl, 'mail', '--follow'], stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, env=self._spawn_env(), cwd=self.dir,
                                    start_new_session=True)
        self._track('mailer', proc.pid)

    def stop_mailer(self):
        self._terminate('mailer', [(signal.SIGTERM, 10), (signal.SIGKILL, 5)])

    def stop_workers(self):
        for name, socket_key, _, pid_name in POOLS:
            self._terminate(name, [(signal.SIGTERM, 10), (signal.SIGKILL, 5)])
            if self.info.get(socket_key):
                Path(self.info[socket_key]).unlink(missing_ok=True)
            (self.dir / pid_name).unlink(missing_ok=True)

    def restart_workers(self, env=None):
        """Stops the workers by PID and spawns them again.

        `env` (optional) changes their environment for good: a value of None
        removes the variable. stack.json and stoa.env are updated.
        """
        self.reload()
        if env:
            for key, value in env.items():
                if value is None:
                    self.info['env'].pop(key, None)
                else:
                    self.info['env'][key] = str(value)
            write_env_file(self.dir / 'stoa.env', self.info['env'])
            self.save()
        self.stop_workers()
        self.start_workers()

    # -- nginx --

    def start_nginx(self):
        conf_dir = self.dir / 'nginx'
        start_log = self.dir / 'logs' / 'nginx-start.log'
        pid_file = conf_dir / 'nginx.pid'
        pid_file.unlink(missing_ok=True)
        with open(start_log, 'wb') as out:
            result = subprocess.run(
                [self.info['nginx_bin'], '-p', f'{conf_dir}/', '-c', str(conf_dir / 'nginx.conf'),
                 '-e', self.info['logs']['nginx_error']],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        if result.returncode != 0:
            raise StackError(f'nginx did not start:\n{tail(start_log)}')
        deadline = time.monotonic() + 10
        while not read_pid_file(pid_file) and time.monotonic() < deadline:
            time.sleep(0.02)  # the daemon writes its pid file after the parent exits
        pids = read_pid_file(pid_file)
        if not pids:
            raise StackError(f'nginx wrote no {pid_file}; see {self.info["logs"]["nginx_error"]}')
        self._track('nginx', pids[0])

    def stop_nginx(self):
        self._terminate('nginx', [(signal.SIGTERM, 10), (signal.SIGKILL, 5)])

    # -- everything --

    def running(self):
        """Names of the components whose processes are all alive."""
        up = []
        for name, pids in self.info['pids'].items():
            pids = pids if isinstance(pids, list) else [pids]
            if pids and all(self._alive(p) for p in pids):
                up.append(name)
        return up

    # -- smbd (the file store's share) --

    def start_smbd(self):
        """Starts the stack's smbd (again: same port, user and password)."""
        self.reload()
        share = smbd.start(self.info['smb']['dir'])
        self._track('smbd', share.info['pid'])

    def stop_smbd(self):
        """Stops smbd and its per-connection children by PID (tools/smbd.py)."""
        self.reload()
        if self.info.get('smb'):
            try:
                smbd.stop(self.info['smb']['dir'])
            except smbd.SmbdError as e:
                raise StackError(str(e)) from None
        if 'smbd' in self.info['pids']:
            self._forget('smbd')

    def stop(self):
        """Stops what is running, removes sockets and temporary directories."""
        self.reload()
        errors = []
        self._adopt_from_pid_files()
        for step in (self.stop_nginx, self.stop_workers, self.stop_mailer, self.stop_smbd,
                     self.stop_postgres):
            try:
                step()
            except StackError as e:
                errors.append(str(e))
        sock_dir = self.info.get('pg_socket_dir')
        if sock_dir and Path(sock_dir).is_dir():
            for leftover in Path(sock_dir).glob('.s.PGSQL.*'):
                leftover.unlink(missing_ok=True)
        if errors:
            self.save()
            raise StackError('; '.join(errors))
        for key in ('pg_tmp', 'sock_tmp'):
            if self.info.get(key):
                shutil.rmtree(self.info[key], ignore_errors=True)
        pg_link = self.dir / 'pg'
        if self.info.get('pg_tmp') and pg_link.is_symlink():
            pg_link.unlink()
        self.info['ready'] = False
        self.save()


def write_env_file(path, env):
    lines = ['# Written by tools/stack.py: the environment of this stack\'s workers.']
    lines += [f'{k}={shlex.quote(v)}' for k, v in sorted(env.items())]
    write_private(path, '\n'.join(lines) + '\n')


# --- starting, step by step --------------------------------------------------------

def jwt_secret(directory):
    """48 random bytes, base64, made once per stack directory."""
    path = directory / 'secret'
    if not path.exists():
        write_private(path, base64.b64encode(secrets.token_bytes(48)).decode() + '\n')
    return path.read_text().strip()


CA_CONFIG = """[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = Stoa dev CA
[ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""

SERVER_CERT_CONFIG = """[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = 127.0.0.1
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""


def make_certificates(tls):
    """A throw-away CA (tls/ca.pem, what clients trust) and the server's
    certificate for 127.0.0.1 and localhost; kept while valid for a day more."""
    tls.mkdir(mode=0o700, exist_ok=True)
    ca, server = tls / 'ca.pem', tls / 'server.pem'
    if ca.exists() and server.exists() and (tls / 'server.key').exists():
        check = subprocess.run(['openssl', 'x509', '-in', str(server), '-noout', '-checkend',
                                '86400'], capture_output=True)
        if check.returncode == 0:
            return
    (tls / 'ca.cnf').write_text(CA_CONFIG)
    (tls / 'server.cnf').write_text(SERVER_CERT_CONFIG)
    key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
    run_checked(['openssl', 'req', '-x509', '-config', str(tls / 'ca.cnf'), *key,
                 '-keyout', str(tls / 'ca.key'), '-out', str(ca), '-days', '825'],
                'openssl (CA certificate)')
    run_checked(['openssl', 'req', '-x509', '-config', str(tls / 'server.cnf'), *key,
                 '-keyout', str(tls / 'server.key'), '-out', str(server), '-days', '397',
                 '-CA', str(ca), '-CAkey', str(tls / 'ca.key')],
                'openssl (server certificate)')


def render_nginx(stack):
    """DIR/nginx/nginx.conf from nginx/dev.conf.in, next to copies of the
    production snippets and the system's fastcgi_params and mime.types."""
    info = stack.info
    conf_dir = stack.dir / 'nginx'
    for sub in ('body', 'fastcgi', 'proxy', 'scgi', 'uwsgi'):
        (conf_dir / 'tmp' / sub).mkdir(parents=True, exist_ok=True)
    shutil.rmtree(conf_dir / 'snippets', ignore_errors=True)
    shutil.copytree(NGINX_SNIPPETS, conf_dir / 'snippets')
    for name in ('fastcgi_params', 'mime.types'):
        if not (NGINX_SYSTEM_CONF / name).exists():
            raise StackError(f'{NGINX_SYSTEM_CONF / name} missing (apt-get install nginx-common)')
        shutil.copy(NGINX_SYSTEM_CONF / name, conf_dir / name)
    values = {
        'DIR': str(stack.dir),
        'HTTP_PORT': str(info['http_port']),
        'HTTPS_PORT': str(info['https_port']),
        'OTHER_SITE_PORT': str(info['other_site_port']),
        'STOA_ORIGIN': info['https_url'],
        'FCGI_SOCKET': info['fcgi_socket'],
        'FCGI_HASH_SOCKET': info['fcgi_hash_socket'],
        'WEB_ROOT': str(WEB_ROOT),
        'SITE_ROOT': str(WEB_ROOT / 'demo'),
        'LIMIT_RATE': info['nginx_limit_rate'],
        'USER_DIRECTIVE': ('user root;  # the checkout may be in /root' if is_root()
                           else '# (not root: the workers run as the current user)'),
    }
    text = NGINX_TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace(f'@{key}@', value)
    left = sorted(set(re.findall(r'@[A-Z_]+@', text)))
    if left:
        raise StackError(f'{NGINX_TEMPLATE}: no value for {", ".join(left)}')
    (conf_dir / 'nginx.conf').write_text(text)


def start_nginx_on_free_ports(stack, fixed_http, fixed_https, fixed_other=None):
    """Starts nginx; ports picked here are picked again if taken meanwhile.
    The third port serves the demo site as another origin (the cross-origin embed)."""
    for attempt in range(5):
        stack.info['http_port'] = fixed_http or free_port()
        stack.info['https_port'] = fixed_https or free_port()
        while stack.info['https_port'] == stack.info['http_port']:
            stack.info['https_port'] = free_port()
        stack.info['other_site_port'] = fixed_other or free_port()
        while stack.info['other_site_port'] in (stack.info['http_port'], stack.info['https_port']):
            stack.info['other_site_port'] = free_port()
        stack.info['https_url'] = f'https://127.0.0.1:{stack.info["https_port"]}'
        stack.info['http_url'] = f'http://127.0.0.1:{stack.info["http_port"]}'
        stack.info['other_site_url'] = f'https://127.0.0.1:{stack.info["other_site_port"]}'
        stack.save()
        render_nginx(stack)
        try:
            stack.start_nginx()
            return
        except StackError as e:
            taken = 'Address already in use' in str(e)
            if taken and not (fixed_http and fixed_https) and attempt < 4:
                continue  # another process took a port we picked: pick again
            if taken:
                raise StackError(f'{e}\nport {stack.info["http_port"]}, '
                                 f'{stack.info["https_port"]} or {stack.info["other_site_port"]} is taken '
                                 '(choose others with STOA_HTTP_PORT / STOA_HTTPS_PORT / '
                                 'STOA_OTHER_SITE_PORT)') from None
            raise


def pg_home_for(directory):
    """Where the cluster lives: DIR/pg when the postgres user can work there
    and the socket path fits, else a private temporary directory that DIR/pg
    links to (removed on stop). Returns (home, temporary dir or None)."""
    home = directory / 'pg'
    longest_socket = home / 'sock' / '.s.PGSQL.65535'
    home.mkdir()
    give_to_pg_owner(home)
    if len(str(longest_socket)) <= SUN_PATH_MAX and postgres_can_use(home):
        return home, None
    home.rmdir()
    tmp = Path(tempfile.mkdtemp(prefix='stoa-pg-'))
    give_to_pg_owner(tmp)
    home.symlink_to(tmp)
    return tmp, tmp


def remove_cluster(directory):
    pg = directory / 'pg'
    if pg.is_symlink():
        shutil.rmtree(os.readlink(pg), ignore_errors=True)
        pg.unlink()
    elif pg.exists():
        shutil.rmtree(pg)


def setup_postgres(stack, keep_data, durable, previous_port=None):
    info = stack.info
    pg = stack.dir / 'pg'
    reuse = keep_data and (pg / 'data' / 'PG_VERSION').exists()
    if reuse:
        home = pg.resolve()
        info['pg_tmp'] = str(home) if pg.is_symlink() else None
        log(f'PostgreSQL: reusing the cluster in {home}')
    else:
        remove_cluster(stack.dir)
        home, tmp = pg_home_for(stack.dir)
        info['pg_tmp'] = str(tmp) if tmp else None
        log(f'PostgreSQL: initdb in {home}')
        run_checked(as_pg_owner([str(Path(info['pg_bin_dir'], 'initdb')), '-D', str(home / 'data'),
                                 '-A', 'trust', '-U', 'postgres', '--no-sync',
                                 '--encoding=UTF8', '--locale=C.UTF-8']),
                    'initdb', cwd=home, env=pg_env())
        with open(home / 'data' / 'postgresql.conf', 'a') as conf:
            conf.write("\ninclude 'stoa.conf'  # written by tools/stack.py at each start\n")
    info['pg_home'] = str(home)
    info['pg_data'] = str(home / 'data')
    sock_dir = home / 'sock'
    sock_dir.mkdir(exist_ok=True)
    give_to_pg_owner(sock_dir)
    info['pg_socket_dir'] = str(sock_dir)
    # The port only names the socket file (no TCP); a kept cluster keeps it.
    info['pg_port'] = previous_port if reuse and previous_port else free_port()
    settings = {
        'listen_addresses': "''",
        'port': str(info['pg_port']),
        'unix_socket_directories': f"'{sock_dir}'",
        'max_connections': str(max(100, 2 * (info['workers'] + info.get('hash_workers', 0)) + 20)),
        'log_line_prefix': "'%m [%p] '",
    }
    if not durable:
        settings.update(fsync='off', synchronous_commit='off', full_page_writes='off')
    conf = home / 'data' / 'stoa.conf'
    conf.write_text(''.join(f'{k} = {v}\n' for k, v in settings.items()))
    give_to_pg_owner(conf)
    info['database_url'] = f'host={sock_dir} port={info["pg_port"]} dbname=stoa user=postgres'
    stack.save()
    stack.start_postgres()

    psql = [str(Path(info['pg_bin_dir'], 'psql')), '-h', str(sock_dir), '-p',
            str(info['pg_port']), '-U', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1']
    exists = run_checked([*psql, '-d', 'postgres', '-tAc',
                          "SELECT 1 FROM pg_database WHERE datname = 'stoa'"],
                         'psql', env=pg_env())
    if exists.stdout.strip() != '1':
        run_checked([*psql, '-d', 'postgres', '-c', 'CREATE DATABASE stoa'], 'CREATE DATABASE',
                    env=pg_env())


def worker_env(stack, stoa_env):
    origin = stack.info['https_url']
    # The demo site on its second origin embeds the widget from this one.
    origins = f"{origin},{stack.info['other_site_url']}" if stack.info.get('other_site_url') else origin
    env = {
        'STOA_ENV': stoa_env,
        'DATABASE_URL': stack.info['database_url'],
        'JWT_SECRET': jwt_secret(stack.dir),
        'COOKIE_SECURE': 'true',
        'ALLOWED_ORIGINS': origins,
        'SITE_ORIGINS': origins,
        'PUBLIC_BASE_URL': origin,
        'STORAGE_LOCAL_DIR': str(stack.dir / 'files'),
        'LOG_LEVEL': 'info',
        # Mail goes to DIR/mail/, one .eml file per message.
        'MAIL_TRANSPORT': 'sendmail',
        'MAIL_SENDMAIL': str(REPO / 'tools' / 'sendmail-to-dir'),
        'STOA_MAIL_DIR': str(stack.dir / 'mail'),
        'MAIL_FROM': 'Stoa <no-reply@localhost>',
    }
    if stoa_env == 'test':
        # Small project quotas, so the tests reach each limit cheaply
        # (test_projects_quotas.py reads them from stack.json's env).
        env.update({'PROJECT_MAX_STEPS': '12', 'PROJECT_MAX_BOM_ITEMS': '12', 'PROJECT_MAX_FILES': '4',
                    'PROJECT_MAX_IMAGES': '4', 'PROJECT_MAX_BYTES': str(3 * 1024 * 1024)})
    if stack.info.get('smb'):
        env.update(smbd.Smbd(stack.info['smb']['dir']).env())
    env.update({k: v for k, v in os.environ.items() if passed_through(k)})
    return env


def migrate(stack):
    stoactl = str(Path(stack.info['bin_dir'], 'stoactl'))
    result = subprocess.run([stoactl, 'migrate', 'up'], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, env=stack._spawn_env(), cwd=stack.dir)
    (stack.dir / 'logs' / 'migrate.log').write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise StackError(f'stoactl migrate up failed (exit {result.returncode}):\n'
                         f'{(result.stdout + result.stderr).strip()}')


def wait_ready(stack, timeout=READY_TIMEOUT):
    """Polls GET /ready through nginx until it answers 200."""
    context = stack.ssl_context()
    deadline = time.monotonic() + timeout
    last = 'no answer'
    while time.monotonic() < deadline:
        down = [n for n in ('nginx', 'postgres') if n not in stack.running()]
        if down or not stack.worker_pids():
            raise StackError(f'{", ".join(down) or "all workers"} exited while starting')
        try:
            with urllib.request.urlopen(stack.url('/ready'), context=context, timeout=5) as r:
                if r.status == 200:
                    return
                last = f'HTTP {r.status}'
        except urllib.error.HTTPError as e:
            last = f'HTTP {e.code}: {e.read(300).decode("utf-8", "replace")}'
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.1)
    raise StackError(f'GET {stack.url("/ready")} not 200 after {timeout:.0f} s (last: {last})')


def print_log_tails(directory):
    for path in sorted(Path(directory, 'logs').glob('*.log')):
        text = tail(path)
        if text:
            print(f'--- {path} (tail) ---\n{text}', file=sys.stderr)


def start_stack(directory, bin_dir, http_port=None, https_port=None, workers=None,
                hash_workers=None, stoa_env='test', keep_data=False, durable=False,
                limit_rate=DEFAULT_LIMIT_RATE, timeout=READY_TIMEOUT, with_smbd=False,
                other_site_port=None):
    """Starts PostgreSQL, migrations, workers and nginx; returns the Stack
    once /ready answers 200. On failure stops what it started and raises."""
    directory = Path(directory).resolve()
    bin_dir = Path(bin_dir).resolve()
    check_path(directory, 'stack directory')
    check_path(REPO, 'repository')
    for binary in ('stoa-fcgi', 'stoactl'):
        if not os.access(bin_dir / binary, os.X_OK):
            raise StackError(f'{bin_dir / binary}: missing or not executable (build first)')
    nginx = shutil.which('nginx', path=f'{os.environ.get("PATH", "")}:/usr/sbin:/sbin')
    if not nginx or not shutil.which('spawn-fcgi'):
        raise StackError('nginx or spawn-fcgi not found (apt-get install nginx-light spawn-fcgi)')

    previous = {}
    if (directory / 'stack.json').exists():
        old = Stack(directory)
        previous = old.info
        if old.running():
            log(f'stopping what is left of the stack in {directory}')
        old.stop()
    directory.mkdir(parents=True, exist_ok=True)
    logs = directory / 'logs'
    shutil.rmtree(logs, ignore_errors=True)  # so their tails are about this start
    logs.mkdir()
    if not keep_data:
        shutil.rmtree(directory / 'files', ignore_errors=True)
        shutil.rmtree(directory / 'smb', ignore_errors=True)  # share, passdb, password
    (directory / 'files').mkdir(exist_ok=True)

    sock_dir, sock_tmp = directory, None
    if len(str(directory / 'stoa-hash.sock')) > SUN_PATH_MAX:
        sock_tmp = tempfile.mkdtemp(prefix='stoa-sock-')
        sock_dir = Path(sock_tmp)
    fcgi_socket, fcgi_hash_socket = sock_dir / 'stoa.sock', sock_dir / 'stoa-hash.sock'
    stack = Stack.create(directory, {
        'dir': str(directory),
        'bin_dir': str(bin_dir),
        'repo': str(REPO),
        'workers': workers or default_workers(),
        'hash_workers': hash_workers or default_hash_workers(),
        'fcgi_socket': str(fcgi_socket),
        'fcgi_hash_socket': str(fcgi_hash_socket),
        'sock_tmp': sock_tmp,
        'ca_cert': str(directory / 'tls' / 'ca.pem'),
        'nginx_conf': str(directory / 'nginx' / 'nginx.conf'),
        'nginx_bin': nginx,
        'nginx_limit_rate': limit_rate,
        'pg_bin_dir': pg_bin_dir(),
        'env_file': str(directory / 'stoa.env'),
        'worker_log': str(logs / 'workers.log'),
        'logs': {
            'nginx_error': str(logs / 'nginx-error.log'),
            'nginx_access': str(logs / 'nginx-access.log'),
            'postgres': str(logs / 'postgres.log'),
            'workers': str(logs / 'workers.log'),
            'migrate': str(logs / 'migrate.log'),
            'mailer': str(logs / 'mailer.log'),
        },
        'pids': {},
        'pid_start_times': {},
        'ready': False,
        'started_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
    })
    try:
        make_certificates(directory / 'tls')
        start_nginx_on_free_ports(stack, http_port, https_port, other_site_port)
        log(f'nginx on {stack.https_url} (pid {stack.pids["nginx"]})')
        setup_postgres(stack, keep_data, durable, previous.get('pg_port'))
        log(f'PostgreSQL on {stack.pg_socket_dir} port {stack.pg_port} '
            f'(pid {stack.pids["postgres"]})')
        if with_smbd:
            if is_root():
                stack.info['smb'] = {'dir': str(directory / 'smb')}
                stack.save()
                stack.start_smbd()
                log(f'smbd on {smbd.Smbd(directory / "smb").url} (pid {stack.pids["smbd"]})')
            else:
                log('smbd needs root: the file store stays local (STORAGE_LOCAL_DIR only)')
        stack.info['env'] = worker_env(stack, stoa_env)
        write_env_file(directory / 'stoa.env', stack.info['env'])
        stack.save()
        migrate(stack)
        stack.start_workers()
        log(f'{stack.workers} workers on {stack.fcgi_socket}, {stack.hash_workers} password-hashing '
            f'workers on {stack.fcgi_hash_socket}')
        (directory / 'mail').mkdir(exist_ok=True)
        stack.start_mailer()
        wait_ready(stack, timeout)
        stack.info['ready'] = True
        stack.save()
        return stack
    except BaseException as e:
        if isinstance(e, StackError):
            print_log_tails(directory)
        log('start failed; stopping what was started')
        try:
            stack.save()  # stop() re-reads stack.json
            stack.stop()
        except StackError as stop_error:
            log(f'stop: {stop_error}')
        raise


# --- command line ------------------------------------------------------------------

def cmd_start(args):
    workers = args.workers or int(os.environ.get('STOA_WORKERS', default_workers()))
    hash_workers = args.hash_workers or int(os.environ.get('STOA_HASH_WORKERS', default_hash_workers()))
    stack = start_stack(args.dir, args.bin_dir, args.http_port, args.https_port, workers,
                        hash_workers=hash_workers, stoa_env='test', limit_rate=args.nginx_rate, timeout=args.timeout,
                        with_smbd=os.environ.get('STOA_SMBD', '1') != '0')
    log(f'ready: {stack.https_url} ({stack.path})')


def cmd_stop(args):
    directory = Path(args.dir)
    if not (directory / 'stack.json').exists():
        log(f'nothing to stop in {directory}')
        return
    Stack(directory).stop()
    log(f'stopped {directory.resolve()}')


class Stop(Exception):
    pass


def raise_stop(signum, frame):
    raise Stop()


def cmd_run(args):
    env = os.environ
    http_port = args.http_port or int(env.get('STOA_HTTP_PORT', '8080'))
    https_port = args.https_port or int(env.get('STOA_HTTPS_PORT', '8443'))
    workers = args.workers or int(env.get('STOA_WORKERS', default_workers()))
    hash_workers = args.hash_workers or int(env.get('STOA_HASH_WORKERS', default_hash_workers()))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_stop)
    signal.signal(signal.SIGHUP, raise_stop)
    stack = None
    try:
        stack = start_stack(args.dir, args.bin_dir, http_port, https_port, workers,
                            hash_workers=hash_workers, stoa_env='development', keep_data=True, durable=True,
                            limit_rate=args.nginx_rate, timeout=args.timeout,
                            other_site_port=int(env.get('STOA_OTHER_SITE_PORT', '8444')))
        rel = os.path.relpath(stack.dir)
        rel = stack.dir if rel.startswith('..') else rel
        stoactl = ('    ./dev stoactl ... uses them' if stack.dir == REPO / '.run' else '')
        print(f'''
Stoa is running ({stack.env["STOA_ENV"]}), {workers} workers and {hash_workers} for password hashing:
  {stack.https_url}/          the demo site (web/demo), with the comment widget
  {stack.other_site_url}/          the same site on another origin (cross-origin embed)
  {stack.https_url}/stoa/     Stoa's pages (web/stoa)
  {stack.https_url}/api/v1/   the API    {stack.https_url}/ready   readiness
  {stack.http_url}/           redirects to HTTPS
  certificate authority: {rel}/tls/ca.pem   (curl --cacert {rel}/tls/ca.pem ...)
  logs: {rel}/logs/    settings: {rel}/stoa.env{stoactl}
  mail: {rel}/mail/ (one .eml file per message, sent by stoactl mail --follow)
  database: psql "{stack.database_url}"
Ctrl-C stops everything.''', flush=True)
        reported = set()
        while True:
            time.sleep(1)
            stack.reload()
            if not stack.pids:
                log('stopped from elsewhere')
                return 0
            up = stack.running()
            for name in stack.pids:
                if name not in up and name not in reported:
                    reported.add(name)
                    log(f'{name} exited (see {rel}/logs/); Ctrl-C to stop the rest')
    except (KeyboardInterrupt, Stop):
        print(file=sys.stderr)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # let the stop finish
        if stack:
            log('stopping')
            stack.stop()
            log('stopped')
        return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)

    def common(p, dir_default=None):
        run = dir_default is not None
        p.add_argument('--dir', required=not run, default=dir_default,
                       help='stack directory (state, logs, sockets)')
        p.add_argument('--http-port', type=int,
                       help='default: $STOA_HTTP_PORT or 8080' if run else 'default: a free port')
        p.add_argument('--https-port', type=int,
                       help='default: $STOA_HTTPS_PORT or 8443' if run else 'default: a free port')
        p.add_argument('--workers', type=int,
                       help=f'stoa-fcgi workers (default: $STOA_WORKERS or 4 x CPUs = '
                            f'{default_workers()})')
        p.add_argument('--hash-workers', type=int,
                       help=f'workers of the password-hashing pool (default: $STOA_HASH_WORKERS or '
                            f'one per CPU, at least 2 = {default_hash_workers()})')
        p.add_argument('--nginx-rate', default=os.environ.get('STOA_NGINX_RATE',
                                                              DEFAULT_LIMIT_RATE),
                       help='nginx limit_req rate per client address (default %(default)s)')
        p.add_argument('--timeout', type=float, default=READY_TIMEOUT,
                       help='seconds to wait for /ready (default %(default).0f)')

    start = sub.add_parser('start', help='start in the background, write DIR/stack.json')
    common(start)
    start.add_argument('--bin-dir', required=True, help='build dir with stoa-fcgi and stoactl')
    start.set_defaults(func=cmd_start)

    run = sub.add_parser('run', help='start in the foreground until Ctrl-C (for ./dev run)')
    common(run, dir_default=str(REPO / '.run'))
    run.add_argument('--bin-dir', default=str(REPO / 'build'))
    run.set_defaults(func=cmd_run)

    stop = sub.add_parser('stop', help='stop the stack of DIR (by PID; idempotent)')
    stop.add_argument('--dir', required=True)
    stop.set_defaults(func=cmd_stop)

    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except StackError as e:
        log(f'error: {e}')
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == '__main__':
    sys.exit(main())
