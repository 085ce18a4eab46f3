"""The installed nginx site (/etc/nginx/sites-available/stoa with the
installed /etc/nginx/snippets), run by a private nginx: same file, with only
what ties it to a real server replaced (ports, certbot's certificate paths,
/var/log/nginx). The workers' socket stays /run/stoa/stoa.sock."""

import http.client
import os
import re
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

SITE = Path('/etc/nginx/sites-available/stoa')
NGINX_CONF = Path('/etc/nginx')

MAIN_CONF = """user www-data;
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/logs/error.log notice;
events {{
    worker_connections 1024;
}}
http {{
    include mime.types;
    default_type application/octet-stream;
    client_body_temp_path {dir}/tmp/body;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    proxy_temp_path {dir}/tmp/proxy;
    scgi_temp_path {dir}/tmp/scgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    access_log {dir}/logs/access.log;
    include {dir}/site.conf;
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Site:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix='stoa-package-nginx-'))
        self.dir.chmod(0o755)  # nginx's workers (www-data) use tmp/ under it
        for sub in ('logs', 'tmp'):
            (self.dir / sub).mkdir()
        # Relative includes (snippets/..., fastcgi_params) resolve next to
        # nginx.conf: point them at the installed files.
        for name in ('snippets', 'fastcgi_params', 'mime.types'):
            (self.dir / name).symlink_to(NGINX_CONF / name)
        self.cert, self.key = self.dir / 'cert.pem', self.dir / 'key.pem'
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
                        'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
                        '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', str(self.key),
                        '-out', str(self.cert)], check=True, capture_output=True)
        self.http_port, self.https_port = free_port(), free_port()
        self.conf = self.dir / 'nginx.conf'
        self.conf.write_text(MAIN_CONF.format(dir=self.dir))
        (self.dir / 'site.conf').write_text(self.render(SITE.read_text()))
        self.error_log = self.dir / 'logs' / 'stoa.error.log'
        self.pid = None

    def render(self, text):
        def sub(pattern, replacement, required=True):
            nonlocal text
            text, n = re.subn(pattern, replacement, text, flags=re.M)
            assert n or not required, f'{SITE}: nothing matches {pattern!r}; update test/package/site.py'
        sub(r'^(\s*)listen\s+\[::\]:\d+[^;]*;', r'\1# (IPv6 listen removed by the test)', required=False)
        sub(r'^(\s*)listen\s+80\b([^;]*);', rf'\1listen 127.0.0.1:{self.http_port}\2;')
        sub(r'^(\s*)listen\s+443\b([^;]*);', rf'\1listen 127.0.0.1:{self.https_port}\2;')
        sub(r'/etc/letsencrypt/live/[^/\s]+/(fullchain|chain)\.pem', str(self.cert))
        sub(r'/etc/letsencrypt/live/[^/\s]+/privkey\.pem', str(self.key))
        sub(r'/var/log/nginx/', f'{self.dir}/logs/', required=False)
        return text

    def nginx(self, *args):
        return subprocess.run(['nginx', '-c', str(self.conf), '-e', str(self.dir / 'logs' / 'startup.log'),
                               *args], capture_output=True, text=True, stdin=subprocess.DEVNULL)

    def start(self):
        r = self.nginx()
        assert r.returncode == 0, f'nginx did not start:\n{r.stdout}{r.stderr}'
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (self.dir / 'nginx.pid').exists():
            time.sleep(0.02)
        self.pid = int((self.dir / 'nginx.pid').read_text())

    def stop(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGQUIT)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and Path(f'/proc/{self.pid}').exists():
                time.sleep(0.05)
            self.pid = None

    def connection(self, timeout=30):
        context = ssl.create_default_context(cafile=str(self.cert))
        return http.client.HTTPSConnection('127.0.0.1', self.https_port, context=context,
                                           timeout=timeout)

    def get(self, path):
        conn = self.connection()
        try:
            conn.request('GET', path)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()
