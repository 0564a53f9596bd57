from __future__ import annotations

import os
import subprocess
import sys


def clean_environ() -> dict[str, str]:
    # Browser tests relax Django's async guard in this process; a deployment never would.
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_carehub(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {**clean_environ(), **env}
    return subprocess.run([sys.executable, "-m", "carehub.cli", *args], capture_output=True, text=True, env=full_env, timeout=120)


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_carehub(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="carehub.settings_production",
        CAREHUB_SECRET_KEY="k" * 20 + "Zq9!x" * 12, CAREHUB_VAR=str(tmp_path), DATABASE_URL="",
        CAREHUB_ALLOWED_HOSTS="carehub.example.org", CAREHUB_AUDIT_KEY="a" * 40,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_key(tmp_path):
    env = {k: v for k, v in clean_environ().items() if k != "CAREHUB_SECRET_KEY"}
    result = subprocess.run([sys.executable, "-m", "carehub.cli", "check"], capture_output=True, text=True,
                            env={**env, "DJANGO_SETTINGS_MODULE": "carehub.settings_production", "CAREHUB_VAR": str(tmp_path)})
    assert result.returncode != 0
    assert "CAREHUB_SECRET_KEY must be set" in result.stderr


def test_unknown_database_scheme_fails_at_start(tmp_path):
    result = run_carehub("check", DATABASE_URL="mysql://root@localhost/carehub", CAREHUB_VAR=str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "carehub: DATABASE_URL scheme 'mysql' is not supported; "
        "use sqlite:///PATH or postgresql://USER@HOST/DB"
    ]


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    env = {k: v for k, v in clean_environ().items() if k != "CAREHUB_AUDIT_KEY"}
    result = subprocess.run([sys.executable, "-m", "carehub.cli", "check"], capture_output=True, text=True,
                            env={**env, "DJANGO_SETTINGS_MODULE": "carehub.settings_production",
                                 "CAREHUB_SECRET_KEY": "k" * 20 + "Zq9!x" * 12, "CAREHUB_VAR": str(tmp_path)})
    assert result.returncode != 0
    assert "CAREHUB_AUDIT_KEY must be set in production" in result.stderr
