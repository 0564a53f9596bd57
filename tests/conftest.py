"""Shared test setup.

Tests marked `postgres` need PostgreSQL, `browser` need Debian's chromium and `spark`
need pyspark with Java. Outside CI they skip when what they need is missing; with
CI=true they fail instead, so CI never passes by skipping.
"""

from __future__ import annotations

import itertools
import os
import shutil

import pytest

# A fixed audit key for tests, also inherited by the commands tests run as subprocesses.
TEST_AUDIT_KEY = "test-audit-key-for-carehub-tests-only-0123456789"
os.environ.setdefault("CAREHUB_AUDIT_KEY", TEST_AUDIT_KEY)
_checkpoint_files = itertools.count(1)

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("CAREHUB_CHROMIUM", "/usr/bin/chromium")


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true and {reason}: this test must not skip in CI", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            _missing("the test database is not PostgreSQL (set DATABASE_URL)")
    if item.get_closest_marker("browser"):
        if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
            _missing(f"chromium is not installed at {CHROMIUM}")
    if item.get_closest_marker("spark"):
        try:
            import pyspark  # noqa: F401
        except ImportError:
            _missing("pyspark is not installed (pip install -e '.[spark]')")
        if not shutil.which("java"):
            _missing("java is not installed")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> object:
    """Argon2 at low work factors for test users (tests/hashers.py); the production
    hasher and its format are unchanged."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=[
            "tests.hashers.FastArgon2PasswordHasher",
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """Put back the reference rows that data migrations create.

    A transactional test ends by flushing every table, migration-seeded reference data
    (service types, checklist rows) included; the next transactional test needs them.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    for module, function in (
        ("carehub.network.migrations.0002_service_types_and_rls", "seed_types"),
        ("carehub.contracts.migrations.0003_checklist_and_rls", "seed_checklist"),
        ("carehub.billing.migrations.0003_shipped_fee_schedules", "load_shipped"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _audit_settings(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Each test seals with the test key into its own checkpoint file (its database is
    fresh, so a checkpoint left by another test would not match it)."""
    from django.conf import settings

    saved = settings.AUDIT_KEY, settings.AUDIT_CHECKPOINTS
    base = tmp_path_factory.getbasetemp() / "audit-checkpoints"
    settings.AUDIT_KEY = TEST_AUDIT_KEY
    settings.AUDIT_CHECKPOINTS = base / f"{next(_checkpoint_files)}.log"
    yield settings.AUDIT_CHECKPOINTS
    settings.AUDIT_KEY, settings.AUDIT_CHECKPOINTS = saved
