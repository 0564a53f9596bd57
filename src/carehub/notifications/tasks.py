"""Periodic work of the notifications app, run by `carehub worker` on its schedule
(carehub/schedule.py); `carehub notify_due digest` calls the same function."""

from __future__ import annotations

from typing import Any

from carehub.jobs.models import Job
from carehub.jobs.progress import Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.notifications import services
from carehub.tenancy.access import Acting


def digest_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Daily digests")
    sent = services.send_digests()
    return Outcome(summary={"digests": sent}, message=f"{sent} digest e-mails sent.")


@task(queue_name="periodic")
def send_digests_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, digest_body)
