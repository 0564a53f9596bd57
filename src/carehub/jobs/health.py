"""What /healthz reports: the database, the queue and the workers. Counts and ages only,
never tenant or member data."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Max, Min
from django.utils import timezone

from carehub.jobs.models import WorkerHeartbeat

logger = logging.getLogger("carehub.health")

# A worker not seen for this long does not count as live; with tasks waiting and no live
# worker the site is degraded.
WORKER_SILENT_AFTER = timedelta(minutes=2)


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round(max((now - moment).total_seconds(), 0.0), 1)


def health_report(now: datetime | None = None) -> dict[str, Any]:
    """{"status": "ok" | "degraded", "database": ..., "queue": ..., "workers": ...}."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    try:
        connection.ensure_connection()
        ready = DBTaskResult.objects.ready()
        queue = ready.aggregate(oldest=Min("enqueued_at"))
        depth = ready.count()
        beats = WorkerHeartbeat.objects.aggregate(latest=Max("seen_at"))
        live = WorkerHeartbeat.objects.filter(seen_at__gte=now - WORKER_SILENT_AFTER).count()
    except DatabaseError as exc:
        logger.error("health check: the database is not reachable: %s", exc.__class__.__name__)
        return {"status": "degraded", "database": "unreachable", "queue": None,
                "workers": None, "problems": ["the database is not reachable"]}
    problems = []
    if depth and not live:
        problems.append(f"{depth} tasks wait and no worker has been seen for "
                        f"{int(WORKER_SILENT_AFTER.total_seconds())} seconds")
    return {
        "status": "degraded" if problems else "ok",
        "database": "ok",
        "queue": {"ready": depth, "oldest_waiting_seconds": _age(queue["oldest"], now)},
        "workers": {"live": live, "latest_heartbeat_seconds": _age(beats["latest"], now)},
        "problems": problems,
    }
