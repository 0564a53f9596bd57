"""Background work of the payer's review: bulk approval of a large filtered set."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carehub.billing.services import review
from carehub.jobs.models import Job
from carehub.jobs.progress import Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting

# More bills than this are approved as a job with a progress bar; fewer, at once.
INLINE_LIMIT = 2_000


def bulk_approve_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    ids = [int(pk) for pk in job.params["bill_ids"]]
    progress.stage("Approving bills", total=len(ids), done=progress.checkpoint.get("next", 0))
    result = review.bulk_approve(ids, acting=acting, progress=progress)
    return Outcome(summary={"approved": result.decided, "skipped": result.skipped,
                            "amount": str(result.amount)},
                   url=reverse("billing:review"),
                   message=review.bulk_message(result))


@task()
def bulk_approve_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, bulk_approve_body)
