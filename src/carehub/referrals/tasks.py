"""The referrals app's background work: job kinds (a ranked list's import and
assignment, the bulk assignment of a stored list) and the periodic tasks `carehub worker` runs (scheduled in carehub/schedule.py).

Each job body works in chunks, each one transaction with the job's checkpoint, and checks
for a cancel between chunks; a job resumed after its worker died carries on from the
checkpoint, and one run twice makes nothing twice (see services.bulk_jobs). The cron
command `carehub referrals_escalate` calls the same service as the escalation task.
A contract's month is settled by billing's job (`billing.settle`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.members import jobfiles
from carehub.members.imports import MAX_ERRORS, ImportProblem, read_table
from carehub.members.streaming import check_ranked, ranked_chunks
from carehub.referrals import notices
from carehub.referrals.models import RankedList, RankedListEntry
from carehub.referrals.services import bulk_jobs, move_up_overdue
from carehub.referrals.services.base import ReferralError
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner

RANKED_KIND = "referrals.ranked_import"
ASSIGN_KIND = "referrals.assign_ranked_list"


def _org(pk: Any, kind: str) -> Organisation | None:
    if pk is None:
        return None
    with scopes_disabled():
        return Organisation.objects.filter(pk=pk, kind=kind).first()


# --- ranked list import (and assignment) ---------------------------------------------

def ranked_import_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    try:
        return _ranked_import(job, acting, progress)
    finally:
        jobfiles.forget_upload(job)


def _ranked_import(job: Job, acting: Acting, progress: Progress) -> Outcome:
    params = job.params
    name = params.get("file", "ranked list")
    plan = _org(params["plan"], "payer")
    hub = _org(params.get("hub"), "hub")
    if plan is None:
        raise JobFailed("The plan for this list no longer exists.")
    path = jobfiles.job_file(job)
    point = progress.checkpoint
    size = jobfiles.chunk_rows(job)
    try:
        rows = read_table(path)
        progress.stage("Checking", len(rows))
        count = check_ranked(name, rows, every=progress.advance)
        if not point.get("ranked"):
            missing: list[tuple[int, str, str]] = []
            for chunk in ranked_chunks(rows, size):
                missing += bulk_jobs.off_roster(plan, chunk)[:MAX_ERRORS - len(missing)]
            if missing:
                raise ImportProblem(name, missing)
    except ImportProblem as exc:
        raise jobfiles.failed(exc, name) from None
    try:  # after the rows, as save_ranked_list checks them
        contract, service = bulk_jobs.list_contract(plan, params.get("contract_code", ""),
                                                    params.get("service_code", ""))
    except ReferralError as exc:
        raise JobFailed(str(exc)) from None
    ranked_pk = point.get("ranked")
    made = bool(point.get("made"))
    if ranked_pk is None:
        existing = bulk_jobs.stored_list(plan, contract, params["sha256"])
        ranked_pk = existing.pk if existing else None
    start = int(point.get("next", 0))
    progress.stage("Saving the list", count, done=start)
    for chunk in ranked_chunks(rows, size, start=start):
        progress.check_cancelled()
        with transaction.atomic():
            if ranked_pk is None:
                ranked = bulk_jobs.create_list(
                    plan, contract, service, name=name, digest=params["sha256"],
                    service_type=params.get("service_type", ""), hub=hub, rows=count,
                    acting=acting)
                ranked_pk, made = ranked.pk, True
            else:
                with scopes_disabled():
                    ranked = RankedList.objects.get(pk=ranked_pk)
            bulk_jobs.save_entries(ranked, chunk)
            start += len(chunk)
            progress.commit(done=start, checkpoint={"ranked": ranked_pk, "made": made,
                                                    "next": start})
    if ranked_pk is None:  # a checked file has rows; this is only for the type checker
        raise JobFailed(f"{name}: the file has no rows")
    summary: dict[str, Any] = {"rows": count, "ranked_list": ranked_pk,
                               "ranked_list_new": made}
    url = reverse("referrals:ranked_list", args=[ranked_pk])
    message = f"{name}: ranked list {'stored' if made else 'already stored'}"
    if params.get("assign"):
        with scopes_disabled():
            ranked = RankedList.objects.select_related("plan", "hub", "contract",
                                                       "service").get(pk=ranked_pk)
        done = _assign(job, acting, progress, ranked, hub, base={"ranked": ranked_pk,
                                                                "made": made, "next": start})
        summary.update(done.summary)
        url, message = done.url, f"{message}; {done.message}"
    point = progress.checkpoint
    if params.get("upload") and not point.get("upload_audited"):
        with transaction.atomic():
            audit.record("create" if made or summary.get("assigned") else "update",
                         acting=acting, object_type="ranked_upload", object_id=name,
                         detail={"plan": plan.pk, **{k: v for k, v in summary.items()
                                                     if k != "refused"}})
            progress.commit(checkpoint={**point, "upload_audited": True})
    return Outcome(summary=summary, url=url, message=message)


@task()
def ranked_import_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, ranked_import_body)


# --- bulk assignment of a stored ranked list -----------------------------------------

def assignment_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    with scopes_disabled():
        ranked = (RankedList.objects.select_related("plan", "hub", "contract", "service")
                  .filter(pk=job.params["ranked"]).first())
    if ranked is None:
        raise JobFailed("The ranked list for this assignment no longer exists.")
    return _assign(job, acting, progress, ranked, _org(job.params.get("hub"), "hub"), base={})


def _assign(job: Job, acting: Acting, progress: Progress, ranked: RankedList,
            hub: Organisation | None, *, base: dict[str, Any]) -> Outcome:
    """Assign the list's selected members in chunks; `base`: checkpoint of the stages
    before (an import), kept beside the assignment's own."""
    from django.utils import timezone

    if hub is None:
        raise JobFailed("Choose the hub whose network receives the referrals.")
    cbos = list(network_cbos(hub).order_by("name"))
    if not cbos:
        raise JobFailed(f"{hub.name}'s network has no CBO to assign to.")
    if ranked.hub_id is None:
        # The list is the plan's: under row-level security the hub's role cannot see it
        # until it names the hub, so the (checked) claim is written as the owner.
        with scopes_disabled(), as_owner():
            RankedList.objects.filter(pk=ranked.pk, hub__isnull=True).update(hub=hub)
        ranked.hub = hub
    elif ranked.hub_id != hub.pk:
        raise JobFailed("This list was already stored for another hub.")
    try:
        _, allowed, skipped = bulk_jobs.assignment_door(ranked, cbos, timezone.localdate())
    except ReferralError as exc:
        raise JobFailed(str(exc)) from None
    point = progress.checkpoint.get("assign", {})
    counts = bulk_jobs.AssignCounts(**point.get("counts", {}))
    after = tuple(point["after"]) if point.get("after") else None
    with scopes_disabled():
        total = bulk_jobs.selected_entries(ranked).count()
        not_selected = RankedListEntry.objects.filter(ranked_list=ranked,
                                                      selected=False).count()
    done = int(point.get("done", 0))
    progress.stage("Assigning", total, done=done)
    size = jobfiles.chunk_rows(job)
    while not point.get("audited"):
        page = bulk_jobs.entry_page(ranked, after, size)  # type: ignore[arg-type]
        progress.check_cancelled()
        with transaction.atomic():
            if page:
                bulk_jobs.assign_chunk(ranked, allowed, page, counts, acting=acting)
                after, done = (page[-1][2], page[-1][0]), done + len(page)
            else:
                bulk_jobs.finish_assignment(ranked, counts, not_selected=not_selected,
                                            cbos_skipped=skipped, acting=acting)
            point = {"after": after, "done": done, "counts": counts.as_dict(),
                     "audited": not page}
            progress.commit(done=done, checkpoint={**base, "assign": point})
    summary = {"assigned": counts.created, "already_owned": counts.already_owned,
               "not_selected": not_selected, "do_not_contact": counts.do_not_contact,
               "refused_count": counts.refused_count, "refused": counts.refused,
               "cbos_skipped": skipped, "ranked_list": ranked.pk}
    url = reverse("referrals:ranked_list", args=[ranked.pk]) + f"?job={job.pk}"
    return Outcome(summary=summary, url=url,
                   message=f"{counts.created:,} referrals created, {counts.already_owned:,} "
                           f"already referred, {counts.refused_count:,} refused by the "
                           "contract's rules")


@task()
def assignment_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, assignment_body)


# --- periodic ----------------------------------------------------------------------

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


def overdue_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    progress.stage("Overdue work per team")
    given = notices.notify_overdue()
    return Outcome(summary={"notices": given}, message=f"{given} overdue-work notices given.")


@task(queue_name="periodic")
def notify_overdue_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, overdue_body)
