"""Pick the engine an analytics job runs on: DuckDB (embedded, default) or Spark."""

from __future__ import annotations

from typing import Any

import ibis
from ibis.backends import BaseBackend

ENGINES = ("duckdb", "spark")


class EngineError(RuntimeError):
    pass


def spark_session(master: str = "local[2]") -> Any:
    """The active SparkSession, or a small local one (few shuffle partitions, no UI)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the [spark] extra is not installed
        raise EngineError("engine spark needs the [spark] extra (pyspark)") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    return (
        SparkSession.builder.master(master)
        .appName("carehub-analytics")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        # dates must not shift with the machine's zone
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def connect(engine: str = "duckdb") -> BaseBackend:
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if engine == "spark":
        return ibis.pyspark.connect(spark_session())
    raise EngineError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")


def engine_name(con: BaseBackend) -> str:
    return "spark" if con.name == "pyspark" else con.name
