"""Periodic work of the notifications app, run by the worker's schedule (and by
`carehub notify_due`)."""

from __future__ import annotations

from carehub.jobs.queue import task
from carehub.notifications import services


@task()
def send_digests_task() -> dict[str, int]:
    """Daily: one e-mail per person whose notifications wait for the digest."""
    return {"digests": services.send_digests()}
