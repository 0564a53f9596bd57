"""Background work of member-level billing: building and checking a contract's month of
bill lines (job kind `billing.build_lines`, with progress). Building twice changes only
what changed (see services/lines.py), so a job taken over after its worker died is safe
to run again from the start."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.billing.services import lines
from carehub.contracts.models import Contract
from carehub.jobs import services as jobs
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting

BUILD_KIND = "billing.build_lines"


def build_lines_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    with scopes_disabled():
        contract = Contract.objects.filter(pk=job.params["contract"]).first()
    if contract is None:
        raise JobFailed("The contract no longer exists.")
    period = job.params["period"]
    try:
        result = lines.build_lines(contract, period, acting, progress)
    except lines.LineError as exc:
        raise JobFailed(str(exc)) from None
    url = reverse("billing:hub") + f"?contract={contract.pk}&period={period}"
    return Outcome(summary=result.as_dict(), url=url,
                   message=f"{contract.code} {period}: {result.ready} lines ready, "
                           f"{result.failing} need a fix ({result.created} new, "
                           f"{result.refreshed} refreshed, {result.dropped} dropped).")


@task()
def build_lines_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, build_lines_body)


def start_build(contract: Contract, period: str, acting: Acting) -> Job:
    return jobs.start_job(build_lines_task, kind=BUILD_KIND,
                          title=f"Bill lines for {contract.code} {period}", acting=acting,
                          params={"contract": contract.pk, "period": period})


def build_inline(contract: Contract, period: str, acting: Acting,
                 show_progress: bool = False) -> Job:
    return jobs.run_inline(build_lines_body, build_lines_task, kind=BUILD_KIND,
                           title=f"Bill lines for {contract.code} {period}", acting=acting,
                           params={"contract": contract.pk, "period": period},
                           show_progress=show_progress)
