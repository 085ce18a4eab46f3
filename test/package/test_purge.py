"""Purging the package removes everything it and its postinst created,
including the links `systemctl enable` makes (issue 7, "Tests"). Runs last:
test_install.py's processes are gone by then."""

from pathlib import Path

from conftest import dpkg, package_state, run, stoa_account, stoa_paths


def test_purge_leaves_nothing(installed):
    # As an operator would have (systemctl works offline on files).
    r = run(['systemctl', 'enable', 'stoa.target', 'stoa-fcgi@1.service', 'stoa-fcgi@2.service'],
            check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert Path('/etc/systemd/system/stoa.target.wants/stoa-fcgi@2.service').is_symlink()
    assert not run(['pgrep', '-u', 'stoa'], check=False).stdout, 'a process still runs as stoa'

    r = dpkg('--purge', 'stoa')
    installed.purged = True
    assert r.returncode == 0, r.stdout + r.stderr
    assert package_state() in ('', 'un'), f'dpkg still knows stoa: {package_state()}'
    assert stoa_account() == ('', ''), f'user or group left: {stoa_account()}'
    left = sorted(stoa_paths() - installed.before)
    assert not left, 'left after purge:\n' + '\n'.join(left)
