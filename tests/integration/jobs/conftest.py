from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.jobs.processes import (
    QueueDatabase,
    migrated_sqlite_template,
    postgres_database,
    sqlite_database,
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("queue-template"))


@pytest.fixture
def queue_db(request: pytest.FixtureRequest, tmp_path: Path) -> QueueDatabase:
    """A migrated database that worker processes reach: a file SQLite copy in the SQLite
    pass, the PostgreSQL test database (committed rows) in the PostgreSQL pass."""
    from django.db import connection

    if connection.vendor == "postgresql":
        request.getfixturevalue("transactional_db")
        return postgres_database(connection.settings_dict, tmp_path)
    return sqlite_database(request.getfixturevalue("sqlite_template"), tmp_path)
