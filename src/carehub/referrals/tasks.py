"""Periodic work of the referrals app, run by the worker's schedule (and by
`carehub notify_due`)."""

from __future__ import annotations

from carehub.jobs.queue import task
from carehub.referrals import notices


@task()
def notify_overdue_task() -> dict[str, int]:
    """Daily: each team's count of overdue open referrals, told once a day."""
    return {"notices": notices.notify_overdue()}
