"""Periodic work of the contracts app, run by the worker's schedule (and by
`carehub notify_due`)."""

from __future__ import annotations

from carehub.contracts import notices
from carehub.jobs.queue import task


@task()
def notify_renewals_task() -> dict[str, int]:
    """Daily: contracts ending within 90, 60 and 30 days, told once per threshold."""
    return {"notices": notices.notify_renewals()}


@task()
def notify_credentials_task() -> dict[str, int]:
    """Daily: staff credentials expiring within 30 days, told once each."""
    return {"notices": notices.notify_credentials()}
