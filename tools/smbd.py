#!/usr/bin/python3
"""A private Samba server for Stoa's stack and tests: one share on loopback.

    smbd.py start --dir DIR [--port P]     start (or start again) and print the settings
    smbd.py stop  --dir DIR                stop it by PID (idempotent)
    smbd.py env   --dir DIR                the STORAGE_SMB_* lines for the workers

Everything lives under DIR: smb.conf, a private passdb with one user and a
generated password, the share's directory (DIR/share), Samba's lock, state,
cache and pid directories, and the log (DIR/smbd.log). smbd listens on
127.0.0.1 only, on a free port (`smb ports`), and is stopped by the PID it
was started with (its per-connection children by theirs), never by name.
DIR/smbd.json describes it; `Smbd(DIR)` reads it back. Standard library
only; smbd must run as root (it changes to the connecting user).
"""

import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

SHARE = 'stoa'
PREFIX = 'blobs'  # the workers' STORAGE_SMB_URL points below the share's root
START_TIMEOUT = 20.0
# A line of smbclient's `ls`: "  NAME   ATTRS   SIZE  Mon Jan  1 00:00:00 2026".
LS_LINE = re.compile(r'^  (\S+)\s+([A-Z]*)\s+(\d+)\s+\w{3} \w{3} ')

SMB_CONF = """# Written by tools/smbd.py: a private, loopback-only smbd for Stoa's tests.
[global]
    server role = standalone server
    workgroup = STOA
    netbios name = STOATEST
    interfaces = 127.0.0.1
    bind interfaces only = yes
    smb ports = {port}
    disable netbios = yes
    server min protocol = SMB2_10
    passdb backend = tdbsam:{dir}/private/passdb.tdb
    private dir = {dir}/private
    lock directory = {dir}/lock
    state directory = {dir}/state
    cache directory = {dir}/cache
    pid directory = {dir}/run
    ncalrpc dir = {dir}/run/ncalrpc
    log file = {dir}/smbd.log
    max log size = 1000
    log level = 1
    map to guest = never
    restrict anonymous = 2
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    rpc start on demand helpers = no
    usershare path =
    unix extensions = no

[{share}]
    path = {dir}/share
    read only = no
    browseable = no
    valid users = {user}
    create mask = 0640
    directory mask = 0750
"""


class SmbdError(Exception):
    """Starting or stopping failed; the message says why."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def proc_start_time(pid):
    """Start time of a live, non-zombie process (to never signal a reused PID)."""
    try:
        stat = Path(f'/proc/{pid}/stat').read_text()
    except (OSError, ValueError):
        return None
    fields = stat[stat.rindex(')') + 2:].split()
    return None if fields[0] in ('Z', 'X') else fields[19]


def children_of(pid):
    """PIDs whose parent is `pid` (smbd forks one child per connection)."""
    found = []
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / 'stat').read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(')') + 2:].split()
        if fields[1] == str(pid):
            found.append(int(entry.name))
    return found


def port_open(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=0.5):
            return True
    except OSError:
        return False


class Smbd:
    """The smbd described by DIR/smbd.json (after `start`)."""

    def __init__(self, directory):
        self.dir = Path(directory).resolve()
        self.path = self.dir / 'smbd.json'
        try:
            self.info = json.loads(self.path.read_text())
        except FileNotFoundError:
            self.info = {}

    # -- what clients need --

    @property
    def port(self):
        return self.info['port']

    @property
    def user(self):
        return self.info['user']

    @property
    def password(self):
        return self.info['password']

    @property
    def share_dir(self):
        """The share's directory on disk; blobs are under share_dir/PREFIX."""
        return Path(self.info['share_dir'])

    @property
    def url(self):
        return f'smb://127.0.0.1:{self.port}/{SHARE}/{PREFIX}'

    def env(self):
        """The workers' settings for this share."""
        return {'STORAGE_SMB_URL': self.url, 'STORAGE_SMB_USER': self.user,
                'STORAGE_SMB_PASSWORD': self.password, 'STORAGE_SMB_DOMAIN': 'STOA'}

    def smbclient(self, command, check=True):
        """Runs `smbclient -c COMMAND` against the share (an independent
        client); returns its stdout."""
        auth = self.dir / 'smbclient.auth'
        result = subprocess.run(
            ['smbclient', f'//127.0.0.1/{SHARE}', '-p', str(self.port), '-A', str(auth),
             '-s', str(self.dir / 'client.conf'), '-m', 'SMB3', '-c', command],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise SmbdError(f'smbclient -c {command!r} failed (exit {result.returncode}):\n'
                            f'{result.stdout}{result.stderr}')
        return result.stdout

    def list_files(self, directory=PREFIX):
        """Names of the regular files under `directory` of the share, recursively,
        as paths relative to it, listed over SMB."""
        out = self.smbclient(f'recurse ON; cd {directory}; ls')
        files, current = [], ''
        for line in out.splitlines():
            if line.startswith('\\'):
                current = line.strip().lstrip('\\').replace('\\', '/')
                current = current[len(directory):].lstrip('/') if current.startswith(directory) else current
                continue
            m = LS_LINE.match(line)
            if m and m.group(1) not in ('.', '..') and 'D' not in m.group(2):
                files.append(f'{current}/{m.group(1)}' if current else m.group(1))
        return files

    # -- lifecycle --

    def running(self):
        pid = self.info.get('pid')
        return bool(pid) and proc_start_time(pid) == self.info.get('pid_start_time')

    def save(self):
        tmp = self.path.with_suffix('.tmp')
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            json.dump(self.info, f, indent=2, sort_keys=True)
        os.replace(tmp, self.path)

    def start(self, port=None):
        """Starts smbd (again: same port, user and password when DIR has them)."""
        if self.running():
            return self
        if os.geteuid() != 0:
            raise SmbdError('smbd needs root (it changes to the connecting user)')
        smbd = shutil.which('smbd', path='/usr/sbin:/usr/bin:/sbin:/bin')
        if not smbd or not shutil.which('smbpasswd'):
            raise SmbdError('smbd or smbpasswd not found (apt-get install samba smbclient)')
        self.dir.mkdir(parents=True, exist_ok=True)
        for sub in ('private', 'lock', 'state', 'cache', 'run', 'share'):
            (self.dir / sub).mkdir(mode=0o700, exist_ok=True)
        (self.dir / 'share' / PREFIX).mkdir(exist_ok=True)
        user = self.info.get('user') or pwd.getpwuid(os.geteuid()).pw_name
        password = self.info.get('password') or 'Smb-' + secrets.token_urlsafe(18)
        port = self.info.get('port') or port or free_port()
        conf = self.dir / 'smb.conf'
        conf.write_text(SMB_CONF.format(dir=self.dir, port=port, share=SHARE, user=user))
        # smbclient reads its own config: a minimal one, so /etc/samba does not matter.
        (self.dir / 'client.conf').write_text(
            '[global]\n    client min protocol = SMB2_10\n    workgroup = STOA\n'
            f'    cache directory = {self.dir}/cache\n    lock directory = {self.dir}/lock\n'
            f'    state directory = {self.dir}/state\n    private dir = {self.dir}/private\n')
        auth = self.dir / 'smbclient.auth'
        fd = os.open(auth, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as f:
            f.write(f'username = {user}\npassword = {password}\ndomain = STOA\n')
        if not self.info.get('password'):
            result = subprocess.run(['smbpasswd', '-c', str(conf), '-s', '-a', user],
                                    input=f'{password}\n{password}\n', capture_output=True,
                                    text=True)
            if result.returncode != 0:
                raise SmbdError(f'smbpasswd -a {user} failed: {result.stdout}{result.stderr}')
        self.info.update({'dir': str(self.dir), 'port': port, 'user': user, 'password': password,
                          'share': SHARE, 'share_dir': str(self.dir / 'share'),
                          'url': f'smb://127.0.0.1:{port}/{SHARE}/{PREFIX}',
                          'log': str(self.dir / 'smbd.log')})
        self.save()
        with open(self.dir / 'smbd.out', 'ab') as out:
            proc = subprocess.Popen(
                [smbd, '--foreground', '--no-process-group', '-s', str(conf)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True)
        self.info['pid'] = proc.pid
        self.info['pid_start_time'] = proc_start_time(proc.pid)
        self.save()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SmbdError(f'smbd exited (status {proc.returncode}) while starting; '
                                f'see {self.dir}/smbd.out and smbd.log')
            if port_open(port):
                return self
            time.sleep(0.05)
        self.stop()
        raise SmbdError(f'smbd did not listen on 127.0.0.1:{port} within {START_TIMEOUT:.0f} s')

    def stop(self):
        """SIGTERM to smbd and its children by PID, then SIGKILL to what is left."""
        pid = self.info.get('pid')
        if not pid or not self.running():
            self.info.pop('pid', None)
            self.info.pop('pid_start_time', None)
            if self.info:
                self.save()
            return
        targets = {pid: self.info['pid_start_time']}
        for child in children_of(pid):
            targets[child] = proc_start_time(child)
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            alive = [p for p, t in targets.items() if t and proc_start_time(p) == t]
            if not alive:
                break
            for p in alive:
                try:
                    os.kill(p, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and any(
                    proc_start_time(p) == targets[p] for p in alive):
                time.sleep(0.05)
        # Our own child: reap it so it does not linger as a zombie.
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        left = [p for p, t in targets.items() if t and proc_start_time(p) == t]
        if left:
            raise SmbdError(f'smbd PIDs {left} did not exit')
        self.info.pop('pid', None)
        self.info.pop('pid_start_time', None)
        self.save()


def start(directory, port=None):
    """Starts (or starts again) the smbd of DIR; returns the Smbd."""
    return Smbd(directory).start(port)


def stop(directory):
    """Stops the smbd of DIR if one runs."""
    if Path(directory, 'smbd.json').exists():
        Smbd(directory).stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    for name in ('start', 'stop', 'env'):
        p = sub.add_parser(name)
        p.add_argument('--dir', required=True)
        if name == 'start':
            p.add_argument('--port', type=int)
    args = parser.parse_args(argv)
    try:
        if args.command == 'start':
            s = start(args.dir, args.port)
            print(f'smbd: {s.url} as {s.user} (pid {s.info["pid"]}); settings in {s.path}',
                  file=sys.stderr)
        elif args.command == 'stop':
            stop(args.dir)
        else:
            for k, v in Smbd(args.dir).env().items():
                print(f'{k}={v}')
        return 0
    except SmbdError as e:
        print(f'smbd: error: {e}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
