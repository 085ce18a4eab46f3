"""A throw-away PostgreSQL cluster set up the way operating.md tells an
operator to: peer authentication on a unix socket, a role and a database
named stoa owned by it. initdb and pg_ctl run as the postgres user; the
cluster lives in a temporary directory and is removed by `stop()`."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def pg_bin_dir():
    found = sorted((int(Path(d).parent.name), d) for d in glob.glob('/usr/lib/postgresql/*/bin')
                   if Path(d).parent.name.isdigit() and Path(d, 'pg_ctl').exists())
    if not found:
        raise RuntimeError('no PostgreSQL in /usr/lib/postgresql/*/bin (apt-get install postgresql)')
    return Path(found[-1][1])


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self):
        self.bin = pg_bin_dir()
        self.home = Path(tempfile.mkdtemp(prefix='stoa-package-pg-'))
        self.home.chmod(0o755)  # the stoa user reaches the socket through it
        owner = pwd.getpwnam('postgres')
        os.chown(self.home, owner.pw_uid, owner.pw_gid)
        self.data = self.home / 'data'
        self.socket_dir = self.home / 'sock'
        self.port = free_port()  # names the socket only: no TCP
        self.log = self.home / 'postgres.log'
        self.started = False

    def _as_postgres(self, *cmd, check=True):
        env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8'}
        result = subprocess.run(['runuser', '-u', 'postgres', '--', *map(str, cmd)],
                                cwd=self.home, env=env, capture_output=True, text=True,
                                stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise RuntimeError(f'{cmd[0]} failed ({result.returncode}): {result.stdout}{result.stderr}')
        return result

    def start(self):
        self._as_postgres(self.bin / 'initdb', '-D', self.data, '-U', 'postgres', '--no-sync',
                          '--auth-local=peer', '--auth-host=reject', '--encoding=UTF8',
                          '--locale=C.UTF-8')
        self._as_postgres('mkdir', '-m', '0755', self.socket_dir)
        options = (f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
                   f"-c port={self.port} -c fsync=off -c synchronous_commit=off")
        self._as_postgres(self.bin / 'pg_ctl', 'start', '-w', '-t', '60', '-D', self.data,
                          '-l', self.log, '-o', options)
        self.started = True
        # As operating.md says: createuser stoa; createdb -O stoa stoa.
        self.psql('CREATE ROLE stoa LOGIN')
        self.psql('CREATE DATABASE stoa OWNER stoa')
        return self

    def psql(self, sql, database='postgres'):
        return self._as_postgres(self.bin / 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h',
                                 self.socket_dir, '-p', self.port, '-d', database, '-tAc',
                                 sql).stdout.strip()

    @property
    def database_url(self):
        return f'host={self.socket_dir} port={self.port} dbname=stoa user=stoa'

    def stop(self):
        if self.started:
            self._as_postgres(self.bin / 'pg_ctl', 'stop', '-w', '-m', 'fast', '-D', self.data,
                              check=False)
            self.started = False
        shutil.rmtree(self.home, ignore_errors=True)
