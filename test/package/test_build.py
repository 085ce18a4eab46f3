"""The package as built: name, control fields, contents, lintian, hardening
(issue 7, "Package")."""

import re
import stat
import subprocess

import pytest

from conftest import SOURCE, run

# path in the package -> (mode, owner): what an operator and the units rely on.
EXPECTED_FILES = {
    './usr/sbin/stoactl': (0o755, 'root'),
    './usr/lib/stoa/stoa-fcgi': (0o755, 'root'),
    './usr/share/stoa/stoa.env.example': (0o644, 'root'),
    './usr/share/man/man8/stoactl.8.gz': (0o644, 'root'),
    './usr/share/doc/stoa/copyright': (0o644, 'root'),
    './usr/share/doc/stoa/operating.md.gz': (0o644, 'root'),  # the units' Documentation=
    './etc/nginx/sites-available/stoa': (0o644, 'root'),
    './lib/systemd/system/stoa.target': (0o644, 'root'),
    './lib/systemd/system/stoa-fcgi.socket': (0o644, 'root'),
    './lib/systemd/system/stoa-fcgi@.service': (0o644, 'root'),
    './lib/systemd/system/stoa-fcgi-hash.socket': (0o644, 'root'),  # systemd/hash-pool.sed
    './lib/systemd/system/stoa-fcgi-hash@.service': (0o644, 'root'),
    './lib/systemd/system/stoa-migrate.service': (0o644, 'root'),
    './lib/systemd/system/stoa-mailer.service': (0o644, 'root'),
    './lib/systemd/system/stoa-cleanup.service': (0o644, 'root'),
    './lib/systemd/system/stoa-cleanup.timer': (0o644, 'root'),
    './lib/systemd/system/stoa-storage-sync.service': (0o644, 'root'),
    './lib/systemd/system/stoa-storage-sync.timer': (0o644, 'root'),
}
# Every top-level directory the package may write to.
ALLOWED_PREFIXES = ('./etc/nginx/sites-available/', './etc/nginx/snippets/', './lib/systemd/system/',
                    './usr/lib/stoa/', './usr/sbin/', './usr/share/stoa/', './usr/share/doc/stoa/',
                    './usr/share/man/man8/', './usr/share/lintian/overrides/')


def deb_members(deb):
    """[(path, mode, owner, type)] from `dpkg-deb -c`."""
    members = []
    for line in run(['dpkg-deb', '-c', deb]).stdout.splitlines():
        perms, owner, _size, _date, _time, path, *_ = line.split()
        mode = 0
        for bit, char in zip((0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1), perms[1:]):
            mode |= bit if char != '-' else 0
        members.append((path, mode, owner.split('/')[0], perms[0]))
    return members


def cmake_project_version():
    m = re.search(r'project\(\s*stoa\s+VERSION\s+([0-9.]+)', (SOURCE / 'CMakeLists.txt').read_text())
    assert m, 'CMakeLists.txt: no project(stoa VERSION ...)'
    return m.group(1)


def test_deb_is_named_after_changelog_version_and_architecture(package):
    assert package.deb.name == f'stoa_{package.version}_{package.arch}.deb'
    upstream = package.version.split('-')[0]
    assert upstream == cmake_project_version(), (
        f'debian/changelog says {package.version}, CMakeLists.txt {cmake_project_version()}: '
        'add a changelog entry (dch -v VERSION) when the project version changes')
    print(f'built {package.deb.name} in {package.build_seconds:.0f} s')


def test_control_fields(package):
    fields = run(['dpkg-deb', '-f', package.deb, 'Depends', 'Recommends', 'Architecture']).stdout
    depends = re.search(r'^Depends: (.*)$', fields, re.M).group(1)
    # shlibs: every library the binaries link, found by dpkg-shlibdeps.
    for lib in ('libpq5', 'libsodium23', 'libfcgi0ldbl', 'libjansson4', 'libc6', 'adduser'):
        assert re.search(rf'\b{lib}\b', depends), f'Depends lacks {lib}: {depends}'
    assert re.search(r'^Recommends: nginx, postgresql$', fields, re.M), fields
    assert f'Architecture: {package.arch}' in fields


def test_contents(package):
    members = deb_members(package.deb)
    by_path = {path: (mode, owner, kind) for path, mode, owner, kind in members}
    for path, (mode, owner) in EXPECTED_FILES.items():
        assert path in by_path, f'{path} missing from the package'
        assert by_path[path][:2] == (mode, owner), f'{path}: {oct(by_path[path][0])} {by_path[path][1]}'
    for path, mode, owner, kind in members:
        assert owner == 'root', f'{path} owned by {owner}'
        assert not mode & (stat.S_ISUID | stat.S_ISGID), f'{path} is setuid/setgid'
        if kind != 'd':
            assert path.startswith(ALLOWED_PREFIXES), f'unexpected file {path}'
    snippets = {p for p in by_path if p.startswith('./etc/nginx/snippets/') and by_path[p][2] != 'd'}
    shipped = {f'./etc/nginx/snippets/{p.name}' for p in (SOURCE / 'nginx' / 'snippets').glob('stoa-*.conf')}
    assert snippets == shipped, f'nginx snippets: packaged {sorted(snippets)}, in nginx/ {sorted(shipped)}'
    migrations = {p for p in by_path if p.startswith('./usr/share/stoa/migrations/') and p.endswith('.sql')}
    in_tree = {f'./usr/share/stoa/migrations/{p.name}' for p in (SOURCE / 'migrations').glob('*.sql')}
    assert migrations == in_tree
    # Not installed by dpkg: postinst writes it, with a secret of its own.
    assert './etc/stoa/stoa.env' not in by_path
    assert not any('sites-enabled' in p for p in by_path), 'the nginx site must not be enabled'


def test_units_point_at_packaged_files(package):
    """ExecStart= binaries and Documentation= files of every unit are in the package."""
    for unit in sorted((package.tree / 'lib/systemd/system').iterdir()):
        for line in unit.read_text().splitlines():
            key, _, value = line.partition('=')
            if key == 'ExecStart':
                binary = value.split()[0]
                assert (package.tree / binary.lstrip('/')).is_file(), f'{unit.name}: {binary} not packaged'
            elif key == 'Documentation' and value.startswith('file://'):
                doc = value[len('file://'):]
                assert (package.tree / doc.lstrip('/')).is_file(), f'{unit.name}: {doc} not packaged'


def test_conffiles_are_the_nginx_files(package, tmp_path):
    run(['dpkg-deb', '-e', package.deb, tmp_path / 'control'])
    conffiles = set((tmp_path / 'control' / 'conffiles').read_text().split())
    expected = {'/etc/nginx/sites-available/stoa'} | {
        f'/etc/nginx/snippets/{p.name}' for p in (SOURCE / 'nginx' / 'snippets').glob('stoa-*.conf')}
    assert conffiles == expected


def test_worker_has_no_test_routes(package):
    binary = package.tree / 'usr/lib/stoa/stoa-fcgi'
    assert b'/api/v1/_test/' not in binary.read_bytes(), 'the packaged worker has STOA_TEST_ROUTES compiled in'


def test_lintian_reports_no_errors(package):
    r = run(['lintian', '--pedantic', '--show-overrides', '--tag-display-limit', '0', package.deb],
            check=False)
    tags = [line for line in r.stdout.splitlines() if re.match(r'^[EWIPXO]: ', line)]
    print('lintian:\n' + '\n'.join(tags))
    errors = [t for t in tags if t.startswith('E: ')]
    assert not errors, 'lintian errors:\n' + '\n'.join(errors)
    assert r.returncode == 0, f'lintian failed ({r.returncode}):\n{r.stdout}{r.stderr}'


@pytest.mark.parametrize('binary', ['usr/lib/stoa/stoa-fcgi', 'usr/sbin/stoactl'])
def test_hardening_check(package, binary):
    # --nocfprotection: bookworm's crt1.o/crti.o carry no IBT/SHSTK note, so
    # no bookworm binary has one (see debian/rules). Everything else counts.
    r = run(['hardening-check', '--nocfprotection', package.tree / binary], check=False)
    print(r.stdout)
    assert r.returncode == 0, f'hardening-check {binary}:\n{r.stdout}{r.stderr}'


def test_binaries_link_only_packaged_dependencies(package):
    """No library from a build directory or /usr/local leaks into the binaries."""
    for binary in ('usr/lib/stoa/stoa-fcgi', 'usr/sbin/stoactl'):
        out = run(['ldd', package.tree / binary]).stdout
        assert 'not found' not in out, out
        for line in out.splitlines():
            m = re.search(r'=> (/\S+)', line)
            if m:
                assert m.group(1).startswith(('/lib/', '/usr/lib/')), f'{binary}: {line.strip()}'
        rpath = run(['readelf', '-d', package.tree / binary]).stdout
        assert 'RPATH' not in rpath and 'RUNPATH' not in rpath, f'{binary} has an rpath'


def test_packaged_stoactl_runs(package):
    r = subprocess.run([package.tree / 'usr/sbin/stoactl', '--version'], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith('stoactl '), r

