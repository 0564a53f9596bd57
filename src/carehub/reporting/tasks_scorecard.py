"""The scorecard's periodic work (scheduled in carehub/schedule.py): bring every
contract's precomputed facts up to date, incrementally every few minutes and in full
each night."""

from __future__ import annotations

from typing import Any

from carehub.jobs.models import Job
from carehub.jobs.progress import Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.reporting.services.scorecard import refresh_facts
from carehub.tenancy.access import Acting


def _body(full: bool):  # type: ignore[no-untyped-def]
    def body(job: Job, acting: Acting, progress: Progress) -> Outcome:
        progress.stage("Scorecard facts" + (" (full)" if full else ""))
        done = refresh_facts(acting=acting, full=full)
        return Outcome(summary={"contracts": done.contracts, "referrals": done.referrals},
                       message=f"{done.referrals:,} referrals reread for "
                               f"{done.contracts} contracts.")
    return body


@task(queue_name="periodic")
def scorecard_facts_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, _body(full=False))


@task(queue_name="periodic")
def scorecard_facts_full_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, _body(full=True))
