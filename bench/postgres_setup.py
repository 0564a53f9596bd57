"""Shared start of the PostgreSQL benchmarks: a database of their own, Django set up on
it and migrated."""

from __future__ import annotations

import os
import time


def django_on(host: str, db: str, *, reuse: bool) -> None:
    """Point Django at `host`/`db` (dropped and created again unless `reuse`), set it up
    and migrate, printing how long the migration took."""
    import psycopg

    if not reuse:
        with psycopg.connect(f"{host}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {db}")
            admin.execute(f"CREATE DATABASE {db}")
    os.environ["DATABASE_URL"] = f"{host}/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehub.settings")
    os.environ.setdefault("CAREHUB_VAR", "/tmp/carehub-bench-var")
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t0:.1f} s")
