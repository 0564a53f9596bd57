"""A small world on its own database for the SIGKILL tests, driven from the test in
subprocesses (the worker among them is killed with SIGKILL):

    python -m tests.integration.kinds.killworld seed FOLDER ROWS
    python -m tests.integration.kinds.killworld start KIND CHUNK      -> job id
    python -m tests.integration.kinds.killworld worker JOB_ID         (runs the job)
    python -m tests.integration.kinds.killworld takeover              -> job ids
    python -m tests.integration.kinds.killworld state JOB_ID          -> JSON

KIND is roster, assign or settle. The database and var folder come from DATABASE_URL and
CAREHUB_VAR, as for any carehub process."""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import django

django.setup()

from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from carehub.jobs import services as jobs  # noqa: E402
from carehub.jobs.models import Job  # noqa: E402
from carehub.jobs.runner import run_job  # noqa: E402
from carehub.members.models import EnrolmentSpan, Member, MemberAccess  # noqa: E402
from carehub.referrals.models import (  # noqa: E402
    RankedList,
    RankedListEntry,
    Referral,
    ReferralEvent,
    ServiceDelivery,
)
from carehub.tenancy.models import Organisation  # noqa: E402
from tests.integration.conftest import acting_as, make_tenant  # noqa: E402
from tests.integration.kinds.helpers import ranked_text, roster_text, upload  # noqa: E402
from tests.integration.referrals.conftest import (  # noqa: E402
    contract_with_terms,
    directory_service,
)

PERIOD = date.today().strftime("%Y-%m")


def _plan() -> Organisation:
    with scopes_disabled():
        return Organisation.objects.get(slug="kill-plan")


def seed(folder: str, rows: int) -> None:
    """The tenant, its contract, a roster file for the import, and for the assignment
    and the settlement: a stored ranked list of `rows` members, and `rows` referrals in
    service with a meal a day logged this month."""
    from carehub.members.tasks import roster_import_body
    from carehub.referrals import uploads
    from carehub.referrals.tasks import ranked_import_body

    t = make_tenant("Kill")
    directory_service(t.cbo)
    contract = contract_with_terms(t, "T-MEALS", hub_may_upload_members=True)
    manager = acting_as(t.users["payer_manager"])
    Path(folder, "roster.csv").write_text(roster_text(rows, prefix="K"))
    # The assignment's list: members already on the roster.
    job = uploads.start_upload(manager, kind="roster", plan=t.payer,
                               upload=upload(roster_text(rows, prefix="A")))
    run_job(str(job.pk), roster_import_body)
    ids = [f"A{i:06d}" for i in range(rows)]
    job = uploads.start_upload(manager, kind="ranked", plan=t.payer,
                               upload=upload(ranked_text(ids), "ranked.csv"),
                               contract_code="T-MEALS", service_code="HDM", hub=t.hub)
    run_job(str(job.pk), ranked_import_body)
    # The settlement's activity: members S… enrolled, a meal logged each day this month.
    job = uploads.start_upload(manager, kind="roster", plan=t.payer,
                               upload=upload(roster_text(rows, prefix="S")))
    run_job(str(job.pk), roster_import_body)
    today = timezone.localdate()
    with scopes_disabled():
        from carehub.contracts.models import ServiceDefinition

        service = ServiceDefinition.objects.get(contract=contract, code="HDM")
        members = list(Member.objects.filter(plan=t.payer, member_id__startswith="S"))
        Referral.objects.bulk_create([
            Referral(member=m, plan=t.payer, hub=t.hub, organisation=t.cbo, contract=contract,
                     service=service, contract_code="T-MEALS", service_code="HDM",
                     service_type="nutrition", source="settle-world", state="in_service",
                     enrolled_on=today.replace(day=1), due_at=timezone.now())
            for m in members])
        made = list(Referral.objects.filter(source="settle-world"))
        ServiceDelivery.objects.bulk_create([
            ServiceDelivery(referral=r, member_id=r.member_id, organisation=t.cbo,
                            contract=contract, service=service, contract_code="T-MEALS",
                            service_code="HDM", date=today.replace(day=1) + timedelta(days=d),
                            units=1, setting="home", at=timezone.now())
            for r in made for d in range(min(today.day, 3))])
    print(json.dumps({"plan": t.payer.pk}))


def start(kind: str, chunk: int, folder: str) -> None:
    from carehub.billing.tasks_statements import SETTLE_KIND, settle_task
    from carehub.members import jobfiles
    from carehub.members.tasks import KIND, roster_import_task
    from carehub.referrals.tasks import ASSIGN_KIND, assignment_task

    plan = _plan()
    with scopes_disabled():
        from carehub.accounts.models import User

        acting = acting_as(User.objects.get(username="Kill-manager"))
        hub = Organisation.objects.get(slug="kill-hub")
        ranked = RankedList.objects.get(plan=plan)
        from carehub.contracts.models import Contract

        contract = Contract.objects.get(code="T-MEALS")
    if kind == "roster":
        path = Path(folder, "roster.csv")
        job = jobs.start_job(roster_import_task, kind=KIND, title="kill roster", acting=acting,
                             params={"plan": plan.pk, "file": "roster.csv",
                                     "path": str(path), "sha256": jobfiles.sha256_of(path),
                                     "chunk": chunk})
    elif kind == "assign":
        job = jobs.start_job(assignment_task, kind=ASSIGN_KIND, title="kill assign",
                             acting=acting, params={"ranked": ranked.pk, "hub": hub.pk,
                                                    "chunk": chunk})
    else:
        job = jobs.start_job(settle_task, kind=SETTLE_KIND, title="kill settle",
                             acting=acting, params={"contract": contract.pk, "period": PERIOD})
    print(job.pk)


def worker(job_id: str) -> None:
    from carehub.jobs import runner

    runner.CURRENT_WORKER_ID = f"kill-test-{job_id[:8]}"
    with scopes_disabled():
        job = Job.objects.get(pk=job_id)
    print(json.dumps(import_string(job.task_path).func(job_id), default=str))


def takeover() -> None:
    print(json.dumps([str(j.pk) for j in jobs.take_over_stale(stale_after=timedelta(0))]))


def state(job_id: str) -> None:
    from carehub.billing.models import Statement

    plan = _plan()
    with scopes_disabled():
        job = Job.objects.get(pk=job_id)
        members = Member.objects.filter(plan=plan, member_id__startswith="K0")
        referrals = Referral.objects.filter(source="ranked_list")
        dupes = (Referral.objects.values("member_id", "service_code")
                 .annotate(n=Count("id")).filter(n__gt=1).count())
        issued = Statement.objects.filter(contract__code="T-MEALS", period=PERIOD)
        mine = issued.filter(job=job).first()
        out: dict[str, Any] = {
            "status": job.status, "done": job.done, "stage": job.stage,
            "checkpoint": job.checkpoint, "result": job.result, "message": job.message,
            "members": members.count(),
            "spans": EnrolmentSpan.objects.filter(member__in=members).count(),
            "access": MemberAccess.objects.filter(member__in=members,
                                                  organisation=plan).count(),
            "referrals": referrals.count(),
            "events": ReferralEvent.objects.filter(referral__in=referrals,
                                                   kind="assigned").count(),
            "hub_access": MemberAccess.objects.filter(
                member__in=referrals.values("member_id"),
                organisation__slug="kill-hub").count(),
            "duplicate_referrals": dupes,
            "entries": RankedListEntry.objects.count(),
            "statement": mine.document if mine else None,
            "statements": issued.count(),
        }
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "seed":
        seed(args[0], int(args[1]))
    elif command == "start":
        start(args[0], int(args[1]), args[2])
    elif command == "worker":
        worker(args[0])
    elif command == "takeover":
        takeover()
    else:
        state(args[0])
