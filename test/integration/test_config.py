"""The worker and stoactl refuse bad configurations with one clear line each."""
import json
import os
import subprocess

GOOD_SECRET = "q7Vb2mK9xP4wL8nR3tY6uZ1aC5dF0gHjKeMsNvBq"


def base_env(info, **overrides):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env.update(info["env"])
    env.update({"STOA_ENV": "production", "JWT_SECRET": GOOD_SECRET, "COOKIE_SECURE": "true",
                "ALLOWED_ORIGINS": "https://example.org", "SITE_ORIGINS": "https://example.org",
                "PUBLIC_BASE_URL": "https://example.org"})
    for k, v in overrides.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def run(info, binary, args, env):
    return subprocess.run([os.path.join(info["bin_dir"], binary), *args], env=env, capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)


BAD = [
    ({"COOKIE_SECURE": "false"}, "COOKIE_SECURE"),
    ({"ALLOWED_ORIGINS": "*"}, "ALLOWED_ORIGINS"),
    ({"JWT_SECRET": "short"}, "JWT_SECRET"),
    ({"JWT_SECRET": "changeme-changeme-changeme-changeme"}, "JWT_SECRET"),
    ({"JWT_SECRET": None}, "JWT_SECRET"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
    ({"STOA_ENV": "prod"}, "STOA_ENV"),
    ({"LOCKOUT_THRESHOLD": "many"}, "LOCKOUT_THRESHOLD"),
]


def test_check_config_accepts_a_good_production_config(info):
    r = run(info, "stoactl", ["check-config"], base_env(info))
    assert r.returncode == 0, r.stderr
    assert "ok" in r.stdout


def test_check_config_refuses_each_bad_setting_naming_the_variable(info):
    for overrides, var in BAD:
        r = run(info, "stoactl", ["check-config"], base_env(info, **overrides))
        assert r.returncode != 0, overrides
        lines = [line for line in r.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1, (overrides, r.stderr)
        assert var in lines[0], (overrides, r.stderr)


def test_worker_refuses_to_start_on_bad_config(info):
    for overrides, var in BAD:
        r = run(info, "stoa-fcgi", ["--socket", "/nonexistent/never-used.sock"], base_env(info, **overrides))
        assert r.returncode == 78, (overrides, r.returncode, r.stderr)
        errors = [json.loads(line) for line in r.stderr.splitlines() if line.startswith("{")]
        errors = [e for e in errors if e.get("event") == "config_invalid"]
        assert len(errors) == 1 and var in errors[0]["error"], (overrides, r.stderr)


def test_secret_never_appears_in_refusals(info):
    secret = "tooshort-but-secret"
    r = run(info, "stoactl", ["check-config"], base_env(info, JWT_SECRET=secret))
    assert secret not in r.stderr + r.stdout
