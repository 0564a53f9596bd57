"""The referrals app's background work: periodic tasks run by `carehub worker`
(scheduled in carehub/schedule.py). The cron command `carehub referrals_escalate` calls
the same service."""

from __future__ import annotations

from typing import Any

from carehub.jobs.models import Job
from carehub.jobs.progress import Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.referrals.services import move_up_overdue
from carehub.tenancy.access import Acting


def escalate_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Moving overdue escalations up")
    run = move_up_overdue(acting=acting)
    return Outcome(
        summary={"moved": len(run.moved), "at_top": len(run.at_top), "mails": run.mails},
        message=f"{len(run.moved)} moved up, {len(run.at_top)} overdue at the last level, "
                f"{run.mails} notices mailed.")


@task(queue_name="periodic")
def escalate_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, escalate_body)
