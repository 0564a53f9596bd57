"""Job kinds of the file exchange: `exchange.inbound` (one inbound file through the
roster import, run by `carehub exchange run` in its own process or taken over by a
worker), and the periodic `exchange.run` (every few minutes) and `exchange.due_check`
(daily), scheduled in carehub/schedule.py."""

from __future__ import annotations

from typing import Any

from carehub.exchange.services.deliveries import inbound_body
from carehub.exchange.services.deliveries_due import check_due
from carehub.exchange.services.deliveries_run import run_exchange
from carehub.jobs.models import Job
from carehub.jobs.progress import Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting


@task()
def inbound_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, inbound_body)


def run_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Drop folders and SFTP")
    lines = run_exchange()
    refused = sum(1 for line in lines if not line.ok)
    return Outcome(summary={"files": len(lines), "problems": refused},
                   message=f"{len(lines)} file{'s' if len(lines) != 1 else ''}, "
                           f"{refused} refused or not sent.")


def due_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Files due")
    done = check_due()
    return Outcome(summary={"data_sets": done.data_sets, "periods": done.periods,
                            "late": done.late, "told": done.told},
                   message=f"{done.periods} periods of {done.data_sets} data sets checked; "
                           f"{done.late} without a file.")


@task(queue_name="periodic")
def exchange_run_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, run_body)


@task(queue_name="periodic")
def exchange_due_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, due_body)
