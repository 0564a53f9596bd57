"""Background work of member-level billing: building and checking a contract's month of
bill lines (job kind `billing.build_lines`, with progress) and submitting it (job kind
`billing.submit_month`: reading the ready lines, writing the 837P files, checking them
with pyx12, storing). Building twice changes only what changed (see services/lines.py),
and a submission stores everything or nothing and finds nothing ready the second time,
so a job taken over after its worker died is safe to run again from the start."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.billing.services import lines, submissions
from carehub.contracts.models import Contract
from carehub.jobs import services as jobs
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting

BUILD_KIND = "billing.build_lines"
SUBMIT_KIND = "billing.submit_month"


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


def submit_month_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    with scopes_disabled():
        contract = Contract.objects.filter(pk=job.params["contract"]).first()
    if contract is None:
        raise JobFailed("The contract no longer exists.")
    period = job.params["period"]
    try:
        result = submissions.submit_month(contract, period, acting, progress)
    except submissions.SubmissionError as exc:
        raise JobFailed(f"{contract.code} {period} was not submitted; nothing was stored "
                        "or sent.", [{"where": where, "message": message}
                                     for where, message in exc.errors]) from None
    url = reverse("billing:hub") + f"?contract={contract.pk}&period={period}"
    return Outcome(summary=result.as_dict(), url=url,
                   message=f"{contract.code} {period}: {result.message}")


@task()
def submit_month_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, submit_month_body)


def start_submit(contract: Contract, period: str, acting: Acting) -> Job:
    return jobs.start_job(submit_month_task, kind=SUBMIT_KIND,
                          title=f"Submit {contract.code} {period}", acting=acting,
                          params={"contract": contract.pk, "period": period})


def submit_inline(contract: Contract, period: str, acting: Acting,
                  show_progress: bool = False) -> Job:
    return jobs.run_inline(submit_month_body, submit_month_task, kind=SUBMIT_KIND,
                           title=f"Submit {contract.code} {period}", acting=acting,
                           params={"contract": contract.pk, "period": period},
                           show_progress=show_progress)
