"""The settlement job (`billing.settle`): one month of a contract issued as a statement
(`services.statements.issue_statement`), with progress by stage. Started from the
settle page (`/billing/statements/settle/`) or inline by `carehub settle_contract`. Run
again or resumed after its worker died, it finds the statement it issued and issues
nothing twice."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.billing.services.statements import IssueError, issue_statement
from carehub.contracts.models import Contract
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.tenancy.access import Acting

SETTLE_KIND = "billing.settle"
STAGES = ("Reading the activity", "Settling", "Issuing the statement")


def settle_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    period = str(job.params["period"])
    with scopes_disabled():
        contract = (Contract.objects.select_related("payer", "provider")
                    .filter(pk=job.params["contract"]).first())
    if contract is None:
        raise JobFailed("The contract for this settlement no longer exists.")

    def stage(name: str) -> None:
        progress.check_cancelled()
        progress.stage(name, len(STAGES), done=STAGES.index(name))

    try:
        statement = issue_statement(contract, period, acting=acting, job=job, stage=stage)
    except IssueError as exc:
        raise JobFailed(exc.message, exc.errors) from None
    progress.commit(done=len(STAGES))
    if statement is None:
        return Outcome(summary={"contract": contract.code, "period": period, "issued": False},
                       url=reverse("billing:statements") + f"?contract={contract.pk}"
                                                            f"&period={period}",
                       message=f"{contract.code} {period}: nothing differs from the "
                               "statements already issued; nothing was issued.")
    kind = "adjustment" if statement.sequence > 1 else "statement"
    lines = statement.document.get("lines", [])
    return Outcome(summary={"contract": contract.code, "period": period, "issued": True,
                            "statement": statement.pk, "sequence": statement.sequence,
                            "kind": statement.kind, "total": str(statement.total),
                            "by_mlr": statement.by_mlr, "lines": len(lines)},
                   url=reverse("billing:statement", args=[statement.pk]),
                   message=f"{contract.code} {period}: {kind} {statement.sequence} issued, "
                           f"{len(lines)} lines, total {statement.total}")


@task()
def settle_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, settle_body)
