"""Runs installed systemd units the way systemd would, where systemd is not
PID 1 (CI machines, containers): what a unit file says about the process
(ExecStart=, User=, Group=, EnvironmentFile=, UMask=, NoNewPrivileges=,
CapabilityBoundingSet=, StandardInput=socket with its .socket unit,
Restart=, RestartSec=, RestartPreventExitStatus=) is applied with setpriv,
and the seccomp part of the sandbox (SystemCallFilter=,
SystemCallErrorNumber=, MemoryDenyWriteExecute=, RestrictAddressFamilies=)
with python3-seccomp when it is installed, built from systemd's own syscall
groups (`systemd-analyze syscall-filter`). The namespace directives
(ProtectSystem=, PrivateTmp=, PrivateUsers=, ...) are not applied; the test
checks them with `systemd-analyze security`.

Processes are tracked and signalled by PID only."""

import os
import pwd
import grp
import re
import json
import shlex
import signal
import socket
import errno
import subprocess
import threading
import time
from pathlib import Path

UNIT_DIR = Path('/lib/systemd/system')
# systemd's PATH for system services (systemd.exec(5), "Environment").
SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


class UnitFile:
    """The settings of one unit file: section -> key -> list of values."""

    def __init__(self, name, unit_dir=UNIT_DIR):
        self.name = name
        template = re.sub(r'@[^.]+\.', '@.', name)
        self.instance = name.split('@', 1)[1].rsplit('.', 1)[0] if '@' in name else ''
        self.path = Path(unit_dir) / template
        self.sections = {}
        section = None
        for raw in self.path.read_text().splitlines():
            line = raw.strip()
            if not line or line.startswith(('#', ';')):
                continue
            if line.startswith('[') and line.endswith(']'):
                section = self.sections.setdefault(line[1:-1], {})
                continue
            key, _, value = line.partition('=')
            values = section.setdefault(key.strip(), [])
            value = value.strip()
            if value == '':
                values.clear()  # an empty assignment resets the list
            else:
                values.append(value.replace('%i', self.instance))

    def get(self, section, key, default=None):
        values = self.sections.get(section, {}).get(key)
        return values[-1] if values else default

    def get_all(self, section, key):
        return list(self.sections.get(section, {}).get(key, []))

    def yes(self, section, key):
        return self.get(section, key, 'no').lower() in ('yes', 'true', '1', 'on')


# Loads the seccomp filters a policy describes, then execs the command. Runs
# as the unit's user after setpriv, given as -c code (the test's files may
# be where that user cannot read). Three filters, as systemd loads them.
SECCOMP_EXEC = r"""
import errno, json, os, sys
import seccomp
policy, argv = json.loads(sys.argv[1]), sys.argv[2:]
def add(f, action, name, *args):
    try:
        f.add_rule(action, name, *args)
    except (RuntimeError, ValueError, OSError):
        pass  # not a system call of this architecture
if policy['mdwe']:
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    wx = 0x2 | 0x4  # PROT_WRITE | PROT_EXEC
    add(f, seccomp.ERRNO(errno.EPERM), 'mmap', seccomp.Arg(2, seccomp.MASKED_EQ, wx, wx))
    for name in ('mprotect', 'pkey_mprotect'):
        add(f, seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(2, seccomp.MASKED_EQ, 0x4, 0x4))
    add(f, seccomp.ERRNO(errno.EPERM), 'shmat', seccomp.Arg(2, seccomp.MASKED_EQ, 0o100000, 0o100000))
    f.load()
if policy['families'] is not None:
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for family in range(64):
        if family not in policy['families']:
            add(f, seccomp.ERRNO(errno.EAFNOSUPPORT), 'socket', seccomp.Arg(0, seccomp.EQ, family))
    add(f, seccomp.ERRNO(errno.EAFNOSUPPORT), 'socket', seccomp.Arg(0, seccomp.GE, 64))
    f.load()
# Last: it denies seccomp() itself.
if policy['allow'] is not None:
    f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(policy['errno']))
    for name in policy['allow']:
        add(f, seccomp.ALLOW, name)
    f.load()
os.execv(argv[0], argv)
"""

ADDRESS_FAMILIES = {'AF_UNIX': 1, 'AF_INET': 2, 'AF_INET6': 10, 'AF_NETLINK': 16, 'AF_PACKET': 17}


def have_seccomp():
    return subprocess.run(['/usr/bin/python3', '-c', 'import seccomp'],
                          capture_output=True).returncode == 0


_groups = None


def syscall_groups():
    """{'@name': [entries]} as `systemd-analyze syscall-filter` lists them."""
    global _groups
    if _groups is None:
        out = subprocess.run(['systemd-analyze', 'syscall-filter', '--no-pager'], check=True,
                             capture_output=True, text=True).stdout
        _groups, current = {}, None
        for line in out.splitlines():
            if line.startswith('@'):
                current = _groups.setdefault(line.strip(), [])
            elif not line.startswith('    '):
                current = None
            elif current is not None and not line.strip().startswith('#'):
                current.append(line.strip())
    return _groups


def expand_syscalls(items):
    names, todo = set(), list(items)
    while todo:
        item = todo.pop()
        if item.startswith('@'):
            todo.extend(syscall_groups()[item])
        else:
            names.add(item.split(':')[0])
    return names


def seccomp_policy(unit):
    """What the unit's seccomp directives allow; None when it has none."""
    allow = None
    for line in unit.get_all('Service', 'SystemCallFilter'):
        if not line.startswith('~'):
            allow = expand_syscalls(line.split()) | (allow or set())
        elif allow is None:
            raise ValueError(f'{unit.name}: a SystemCallFilter= deny list alone is not emulated')
        else:
            allow -= expand_syscalls(line[1:].split())
    error = unit.get('Service', 'SystemCallErrorNumber', 'EPERM')
    families = unit.get('Service', 'RestrictAddressFamilies')
    if allow is None and not unit.yes('Service', 'MemoryDenyWriteExecute') and not families:
        return None
    return {
        'allow': sorted(allow) if allow is not None else None,
        'errno': getattr(errno, error),
        'mdwe': unit.yes('Service', 'MemoryDenyWriteExecute'),
        'families': [ADDRESS_FAMILIES[f] for f in families.split()] if families else None,
    }


def read_environment_file(path):
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments,
    blank lines, double or single quotes around a whole value)."""
    env = {}
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(('#', ';')):
            continue
        key, sep, value = line.partition('=')
        if not sep or not re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', key.strip()):
            raise ValueError(f'{path}: not KEY=VALUE: {raw!r}')
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
            value = value[1:-1]
        env[key.strip()] = value
    return env


class Service:
    """What the [Service] section of a unit asks of its processes."""

    def __init__(self, unit):
        self.unit = unit
        get = lambda key, default=None: unit.get('Service', key, default)  # noqa: E731
        self.user = get('User', 'root')
        self.group = get('Group') or grp.getgrgid(pwd.getpwnam(self.user).pw_gid).gr_name
        starts = unit.get_all('Service', 'ExecStart')
        if len(starts) != 1 or starts[0][:1] in '-@+!:':
            raise ValueError(f'{unit.name}: expected one plain ExecStart=, got {starts}')
        self.argv = shlex.split(starts[0])
        self.env_files = unit.get_all('Service', 'EnvironmentFile')
        self.umask = int(get('UMask', '0022'), 8)
        self.no_new_privileges = unit.yes('Service', 'NoNewPrivileges')
        caps = unit.sections.get('Service', {}).get('CapabilityBoundingSet')
        self.drop_all_caps = caps is not None and not caps
        self.stdin_socket = get('StandardInput') == 'socket'
        self.restart = get('Restart', 'no')
        self.restart_sec = parse_seconds(get('RestartSec', '100ms'))
        self.restart_prevent = {int(s) for v in unit.get_all('Service', 'RestartPreventExitStatus')
                                for s in v.split()}
        # The seccomp filters, when python3-seccomp can load them here.
        self.seccomp = seccomp_policy(unit) if have_seccomp() else None

    def environment(self, overrides=None):
        user = pwd.getpwnam(self.user)
        env = {'PATH': SYSTEMD_PATH, 'LANG': 'C.UTF-8', 'USER': user.pw_name,
               'LOGNAME': user.pw_name, 'HOME': user.pw_dir, 'SHELL': user.pw_shell}
        for f in self.env_files:
            optional = f.startswith('-')
            path = f.lstrip('-')
            if optional and not os.path.exists(path):
                continue
            env.update(read_environment_file(path))
        env.update(overrides or {})
        return {k: v for k, v in env.items() if v is not None}

    def command(self, argv=None):
        wrap = ['setpriv', f'--reuid={self.user}', f'--regid={self.group}', '--init-groups']
        if self.no_new_privileges:
            wrap.append('--no-new-privs')
        if self.drop_all_caps:
            wrap += ['--inh-caps=-all', '--bounding-set=-all']
        if self.seccomp:
            # seccomp needs no_new_privs without CAP_SYS_ADMIN; systemd sets it too.
            wrap += [] if self.no_new_privileges else ['--no-new-privs']
            wrap += ['--', '/usr/bin/python3', '-c', SECCOMP_EXEC, json.dumps(self.seccomp)]
            return [*wrap, *(argv or self.argv)]
        return [*wrap, '--', *(argv or self.argv)]

    def spawn(self, env=None, stdin=None, log=None, argv=None):
        umask = self.umask
        return subprocess.Popen(self.command(argv), env=self.environment(env), cwd='/',
                                stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                stdout=log or subprocess.PIPE, stderr=subprocess.STDOUT if log
                                else subprocess.PIPE, text=log is None,
                                preexec_fn=lambda: os.umask(umask), start_new_session=True)

    def run(self, env=None, timeout=120, argv=None):
        """Runs ExecStart (or `argv`) to completion: CompletedProcess."""
        proc = self.spawn(env=env, argv=argv)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def parse_seconds(text):
    m = re.fullmatch(r'(\d+(?:\.\d+)?)\s*(ms|s|min)?', text.strip())
    if not m:
        raise ValueError(f'unsupported time span {text!r}')
    return float(m.group(1)) * {'ms': 0.001, 's': 1, None: 1, 'min': 60}[m.group(2)]


class ListeningSocket:
    """A .socket unit's ListenStream= (a unix socket path), bound and
    chowned as systemd does; `fileno()` is what StandardInput=socket passes."""

    def __init__(self, unit):
        paths = unit.get_all('Socket', 'ListenStream')
        if len(paths) != 1 or not paths[0].startswith('/'):
            raise ValueError(f'{unit.name}: expected one unix ListenStream=, got {paths}')
        self.path = Path(paths[0])
        self.created_dir = not self.path.parent.exists()
        if self.path.exists():
            raise FileExistsError(f'{self.path} exists: is Stoa running on this machine?')
        self.path.parent.mkdir(mode=int(unit.get('Socket', 'DirectoryMode', '0755'), 8),
                               parents=True, exist_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(self.path))
        os.chown(self.path, pwd.getpwnam(unit.get('Socket', 'SocketUser', 'root')).pw_uid,
                 grp.getgrnam(unit.get('Socket', 'SocketGroup', 'root')).gr_gid)
        os.chmod(self.path, int(unit.get('Socket', 'SocketMode', '0666'), 8))
        self.sock.listen(int(unit.get('Socket', 'Backlog', str(socket.SOMAXCONN))))
        self.sock.set_inheritable(True)

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()
        self.path.unlink(missing_ok=True)
        if self.created_dir:
            try:
                self.path.parent.rmdir()
            except OSError:
                pass


class Pool:
    """N instances of a socket-activated template service on one socket,
    restarted as Restart= says when they exit: what systemd does for
    stoa-fcgi@1..N.service with stoa-fcgi.socket."""

    def __init__(self, template, count, listening, log_path, env=None):
        self.services = [Service(UnitFile(template.replace('@.', f'@{i}.'))) for i in
                         range(1, count + 1)]
        if not all(s.stdin_socket for s in self.services):
            raise ValueError(f'{template}: expected StandardInput=socket')
        self.listening = listening
        self.env = env
        self.log = open(log_path, 'ab')
        self.procs = [None] * count
        self.restarts = []  # (instance, exit status, seconds until replaced)
        self.stopping = False
        self.manual = set()  # instances being restarted by `restart`: not Restart='s business
        self.lock = threading.Lock()
        for i in range(count):
            self._spawn(i)
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def _spawn(self, i):
        self.procs[i] = self.services[i].spawn(env=self.env, stdin=self.listening, log=self.log)

    def pids(self):
        with self.lock:
            return [p.pid for p in self.procs if p and p.poll() is None]

    def _watch(self):
        due = {}  # instance index -> (monotonic time to respawn, exit status, died at)
        given_up = set()
        while not self.stopping:
            time.sleep(0.02)
            now = time.monotonic()
            for i, proc in enumerate(self.procs):
                if i in due or i in given_up or i in self.manual or proc.poll() is None:
                    continue
                service, status = self.services[i], proc.returncode
                restart = (service.restart == 'always' or
                           (service.restart == 'on-failure' and status != 0))
                if not restart or (status > 0 and status in service.restart_prevent):
                    given_up.add(i)
                    self.restarts.append((i + 1, status, None))
                else:
                    due[i] = (now + service.restart_sec, status, now)
            for i, (when, status, died) in list(due.items()):
                if now < when:
                    continue
                with self.lock:
                    if self.stopping:
                        return
                    self._spawn(i)
                del due[i]
                self.restarts.append((i + 1, status, time.monotonic() - died))

    def restart(self, instances, timeout=30):
        """`systemctl restart stoa-fcgi@N...` for the given 0-based instances:
        SIGTERM, wait for the exit, start again (no RestartSec)."""
        with self.lock:
            self.manual.update(instances)
            procs = [(i, self.procs[i]) for i in instances]
        for _, p in procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGTERM)
        codes = []
        for _, p in procs:
            try:
                codes.append(p.wait(timeout))
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                codes.append(p.wait())
        with self.lock:
            for i in instances:
                self._spawn(i)
            self.manual.difference_update(instances)
        return codes

    def stop(self, timeout=30):
        """SIGTERM (KillSignal=), then SIGKILL after `timeout`; exit codes."""
        with self.lock:
            self.stopping = True
        self.watcher.join(5)
        live = [p for p in self.procs if p and p.poll() is None]
        for p in live:
            os.kill(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for p in live:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        self.log.close()
        return [p.returncode for p in live]
