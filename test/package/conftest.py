"""Fixtures of the package test: the package built once from the working
tree, installed onto this machine (root only; purged again at the end)."""

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(os.environ.get('STOA_SOURCE_DIR', Path(__file__).resolve().parents[2]))
WORK = Path(os.environ.get('STOA_PACKAGE_DIR', SOURCE / 'build-package'))

# What of the checkout the package is not built from (.gitignore, and the
# debhelper leftovers of a build made in the checkout itself).
COPY_EXCLUDES = ['./.git', './build*', './.run', './.pytest_cache', './bench/out', '__pycache__',
                 '*.pyc', './obj-*', './debian/stoa', './debian/.debhelper', './debian/files',
                 './debian/*.substvars', './debian/*.debhelper.log',
                 './debian/debhelper-build-stamp', './debian/stoactl.8']

# Where a stoa installation leaves files; after a purge nothing new may match.
LEFTOVER_ROOTS = ['/etc', '/lib/systemd', '/usr/lib', '/usr/sbin', '/usr/share', '/var/lib',
                  '/var/log', '/var/cache', '/run']


@dataclass
class Package:
    deb: Path
    version: str
    arch: str
    tree: Path  # debian/stoa of the build: the files as packaged
    build_seconds: float


def run(cmd, check=True, **kwargs):
    kwargs.setdefault('capture_output', True)
    kwargs.setdefault('text', True)
    kwargs.setdefault('stdin', subprocess.DEVNULL)
    result = subprocess.run([str(c) for c in cmd], **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f'{" ".join(map(str, cmd))} failed ({result.returncode}):\n'
                             f'{result.stdout}\n{result.stderr}')
    return result


def copy_source(dest):
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    excludes = [f'--exclude={e}' for e in COPY_EXCLUDES]
    tar = subprocess.Popen(['tar', '-C', SOURCE, *excludes, '--warning=no-file-ignored', '-cf',
                            '-', '.'], stdout=subprocess.PIPE)
    run(['tar', '-C', dest, '-xf', '-'], stdin=tar.stdout)
    assert tar.wait() == 0, 'tar of the checkout failed'


@pytest.fixture(scope='session')
def package():
    """dpkg-buildpackage -us -uc -b in a copy of the checkout under WORK/src,
    so the .deb and friends land in WORK, not next to the checkout."""
    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob('stoa*_*'):
        old.unlink()
    src = WORK / 'src'
    copy_source(src)
    env = dict(os.environ, DEB_BUILD_OPTIONS=f'parallel={os.cpu_count() or 1}')
    if shutil.which('ccache'):
        # Same build path every run, so an unchanged file is not compiled again.
        env.update(CMAKE_CXX_COMPILER_LAUNCHER='ccache', CCACHE_DIR=str(WORK / 'ccache'))
    started = time.monotonic()
    with open(WORK / 'build.log', 'w') as log:
        result = subprocess.run(['dpkg-buildpackage', '-us', '-uc', '-b'], cwd=src, env=env,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                timeout=1800)
    seconds = time.monotonic() - started
    tail = '\n'.join((WORK / 'build.log').read_text(errors='replace').splitlines()[-40:])
    assert result.returncode == 0, f'dpkg-buildpackage failed (see {WORK}/build.log):\n{tail}'
    version = run(['dpkg-parsechangelog', '-S', 'Version'], cwd=src).stdout.strip()
    arch = run(['dpkg', '--print-architecture']).stdout.strip()
    deb = WORK / f'stoa_{version}_{arch}.deb'
    assert deb.exists(), f'no {deb.name} in {WORK}: {sorted(p.name for p in WORK.iterdir())}'
    return Package(deb, version, arch, src / 'debian' / 'stoa', seconds)


def stoa_paths():
    """Every path under LEFTOVER_ROOTS whose name mentions stoa."""
    found = set()
    for root in LEFTOVER_ROOTS:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                if 'stoa' in name:
                    found.add(os.path.join(dirpath, name))
            dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
    return found


def stoa_account():
    users = run(['getent', 'passwd', 'stoa'], check=False).stdout.strip()
    groups = run(['getent', 'group', 'stoa'], check=False).stdout.strip()
    return users, groups


def package_state():
    r = run(['dpkg-query', '-W', '-f=${db:Status-Abbrev}', 'stoa'], check=False)
    return r.stdout.strip() if r.returncode == 0 else ''


def dpkg(*args):
    """dpkg, waiting for a lock another apt or dpkg run holds."""
    deadline = time.monotonic() + 300
    while True:
        r = run(['dpkg', *args], check=False, env=dict(os.environ, DEBIAN_FRONTEND='noninteractive'))
        locked = r.returncode != 0 and re.search(r'locked by another process', r.stderr)
        if not locked or time.monotonic() > deadline:
            return r
        time.sleep(3)


# Written while this test has the package installed: a run that was killed
# before purging leaves it, and the next run purges what it left.
MARKER = WORK / 'installed-by-test'


@dataclass
class Installation:
    before: set  # stoa paths that existed before installing
    package: Package
    purged: bool = False


@pytest.fixture(scope='session')
def installed(package):
    """The package installed with dpkg -i onto this machine, purged at the
    end (by test_purge_leaves_nothing, or here if a test stopped early).
    Skipped where that could harm a real installation."""
    if os.geteuid() != 0:
        pytest.skip('installing needs root (CI runs ./dev test as root)')
    if MARKER.exists() and package_state() not in ('', 'un'):
        r = dpkg('--purge', 'stoa')
        assert r.returncode == 0, f'purging what an interrupted run left failed:\n{r.stdout}{r.stderr}'
    MARKER.unlink(missing_ok=True)
    if package_state() not in ('', 'un'):
        pytest.skip(f'package stoa is on this machine ({package_state()}): not touching it')
    if any(stoa_account()):
        pytest.skip('a stoa user or group exists on this machine: not touching it')
    if Path('/run/stoa').exists() or Path('/etc/stoa').exists():
        pytest.skip('/run/stoa or /etc/stoa exists: is Stoa running here?')
    before = stoa_paths()
    MARKER.write_text(f'{package.deb}\n')
    r = dpkg('-i', package.deb)
    installation = Installation(before, package)
    try:
        assert r.returncode == 0, f'dpkg -i failed:\n{r.stdout}\n{r.stderr}'
        yield installation
    finally:
        if not installation.purged and package_state():
            dpkg('--purge', 'stoa')
        if package_state() in ('', 'un'):
            MARKER.unlink(missing_ok=True)
