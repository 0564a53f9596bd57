"""The FHIR API's periodic work (scheduled in carehub/schedule.py): expired access and
refresh tokens and spent client-assertion ids are removed each night, so the token tables
hold only what can still be used."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from oauth2_provider.models import clear_expired

from carehub.fhir.models import UsedAssertion
from carehub.jobs.models import Job
from carehub.jobs.progress import Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting


def _clear(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Expired tokens")
    clear_expired()
    spent, _ = UsedAssertion.objects.filter(expires_at__lt=timezone.now()).delete()
    return Outcome(summary={"assertions": spent},
                   message=f"Expired tokens removed; {spent:,} spent assertion ids removed.")


@task(queue_name="periodic")
def clear_tokens_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, _clear)
