"""Writing readiness: assessments, the technical-assistance plan, capacity funds (a
fixed-price contract paid by milestones, made through the contracts services) and the
resource library. Every write is atomic and audited; each checks who may make it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.http import Http404

from carehub.audit import services as audit
from carehub.contracts import services as contracts
from carehub.contracts.models import Contract, Stage
from carehub.core.money import fmt
from carehub.reporting import readiness_questions as questions
from carehub.reporting.models.readiness import (
    CapacityFund,
    ReadinessAnswer,
    ReadinessAssessment,
    ResourceDocument,
    TaStatus,
    TaTask,
)
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind, Role

HUB_WRITERS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Allowed uploads: extension -> (content type served, how the first bytes must look).
UPLOAD_TYPES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             b"PK\x03\x04"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             b"PK\x03\x04"),
    "csv": ("text/csv; charset=utf-8", None),
    "txt": ("text/plain; charset=utf-8", None),
    "md": ("text/markdown; charset=utf-8", None),
}


class ReadinessError(ValueError):
    """A write refused: `field` names the form field at fault ("" for the whole form)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def library_dir() -> Path:
    return Path(settings.VAR_DIR) / "reporting" / "library"


def hub_cbo(acting: Acting, cbo: Organisation) -> Organisation:
    """The acting hub itself, after checking `cbo` is in its network (404 otherwise)."""
    if not acting.has_role(*HUB_WRITERS) or not network_cbos(acting.organisation).filter(
            pk=cbo.pk).exists():
        raise Http404("Not found")
    return acting.organisation


# -- assessments ----------------------------------------------------------------------
@transaction.atomic
def record_assessment(cbo: Organisation, assessed_on: date,
                      answers: dict[str, tuple[int, str]], notes: str = "", *,
                      acting: Acting) -> ReadinessAssessment:
    """Record a complete assessment (question key -> (0-2, note)), scored at once."""
    hub = hub_cbo(acting, cbo)
    try:
        scores = questions.score({key: value for key, (value, _note) in answers.items()})
    except ValueError as exc:
        raise ReadinessError(str(exc)) from None
    assessment = ReadinessAssessment.objects.create(
        hub=hub, cbo=cbo, assessed_on=assessed_on, assessed_by=acting.user, notes=notes,
        overall=scores.overall, by_domain=scores.by_domain)
    ReadinessAnswer.objects.bulk_create([
        ReadinessAnswer(assessment=assessment, domain=questions.QUESTION_DOMAIN[key],
                        question=key, value=value, note=note[:500])
        for key, (value, note) in answers.items()])
    audit.record("create", acting=acting, object_type="readiness_assessment",
                 object_id=str(assessment.pk),
                 detail={"cbo": cbo.pk, "assessed_on": assessed_on.isoformat(),
                         "overall": scores.overall, "by_domain": scores.by_domain})
    return assessment


# -- technical-assistance plan -----------------------------------------------------------
@transaction.atomic
def add_task(cbo: Organisation, title: str, *, acting: Acting, domain: str = "",
             owner: Any = None, owner_name: str = "", due: date | None = None,
             assessment: ReadinessAssessment | None = None) -> TaTask:
    hub = hub_cbo(acting, cbo)
    if not title.strip():
        raise ReadinessError("Say what the task is.", "title")
    if domain and domain not in questions.DOMAIN_KEYS:
        raise ReadinessError(f"Unknown domain {domain!r}.", "domain")
    task = TaTask.objects.create(hub=hub, cbo=cbo, title=title.strip(), domain=domain,
                                 owner=owner, owner_name=owner_name, due=due,
                                 assessment=assessment)
    audit.record("create", acting=acting, object_type="ta_task", object_id=str(task.pk),
                 detail={"cbo": cbo.pk, "title": task.title, "due": str(due or "")})
    return task


def may_update_task(acting: Acting, task: TaTask) -> bool:
    """The hub's admins and coordinators; the CBO's supervisor for its own tasks."""
    if acting.has_role(*HUB_WRITERS):
        return task.hub_id == acting.organisation.pk
    return acting.has_role(Role.CBO_SUPERVISOR) and task.cbo_id == acting.organisation.pk


@transaction.atomic
def set_task_status(task: TaTask, status: str, *, acting: Acting,
                    done_on: date | None = None) -> TaTask:
    """Move a task. Done records the day; for a milestone of a fund that day is the
    milestone's event, which the engine pays in that month's settlement, so a reached
    milestone is never reopened (an issued statement has paid, or will pay, it)."""
    if not may_update_task(acting, task):
        raise Http404("Not found")
    if status not in TaStatus.values:
        raise ReadinessError(f"Unknown status {status!r}.", "status")
    locked = TaTask.objects.select_for_update().get(pk=task.pk)
    if locked.fund_id and locked.status == TaStatus.DONE and status != TaStatus.DONE:
        raise ReadinessError("This milestone was reached and is paid through settlement; "
                             "it cannot be reopened.", "status")
    if locked.status == status:
        return locked
    before = locked.status
    locked.status = status
    locked.done_on = (done_on or date.today()) if status == TaStatus.DONE else None
    locked.save(update_fields=["status", "done_on"])
    detail: dict[str, Any] = {"status": [before, status], "cbo": locked.cbo_id}
    if locked.fund is not None and status == TaStatus.DONE:
        detail["milestone"] = {"contract": locked.fund.contract.code, "name": locked.title,
                               "amount": fmt(locked.milestone_amount or Decimal(0)),
                               "reached": locked.done_on.isoformat() if locked.done_on else ""}
    audit.record("update", acting=acting, object_type="ta_task", object_id=str(locked.pk),
                 detail=detail)
    return locked


def milestone_events(contract: Contract, start: date, end: date) -> list[dict[str, Any]]:
    """The milestone events of a capacity fund's contract up to `end`: each reached
    milestone task, once, on the day it was marked done (referrals.activity calls this)."""
    rows = (TaTask.objects.filter(fund__contract=contract, status=TaStatus.DONE,
                                  done_on__isnull=False, done_on__lte=end)
            .order_by("done_on", "pk").values_list("pk", "title", "done_on"))
    return [{"type": "milestone", "name": title, "date": day.isoformat(), "id": f"ta-{pk}"}
            for pk, title, day in rows if day is not None]


# -- capacity funds ---------------------------------------------------------------------
@dataclass(frozen=True)
class MilestonePlan:
    title: str
    amount: Decimal
    due: date | None = None
    domain: str = ""


def fund_terms(code: str, funder: Organisation, cbo: Organisation, starts: date, ends: date,
               milestones: list[MilestonePlan]) -> str:
    """The fund's terms in YAML: one fixed-price component paid by milestone."""
    total = sum((m.amount for m in milestones), Decimal("0.00"))
    document = {
        "contract": code, "payer": funder.slug, "provider": cbo.slug,
        "effective": starts.isoformat(), "ends": ends.isoformat(), "billing": "invoice",
        "components": [{
            "id": "capacity", "type": "fixed_price", "label": "Capacity building",
            "mlr": "quality", "amount": fmt(total), "schedule": "milestones",
            "milestones": [{"name": m.title, "amount": fmt(m.amount)} for m in milestones],
        }],
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


@transaction.atomic
def create_fund(cbo: Organisation, purpose: str, milestones: list[MilestonePlan], *,
                starts: date, ends: date, acting: Acting) -> CapacityFund:
    """The acting hub funds `cbo`: a fixed-price contract (hub pays, CBO is paid) with
    one milestone per task, proposed through the contracts services; the CBO accepts it
    like any contract, and from then on reached milestones are settled by the engine."""
    hub = hub_cbo(acting, cbo)
    if not acting.has_role(Role.HUB_ADMIN):
        raise Http404("Not found")
    if not purpose.strip():
        raise ReadinessError("Say what the funding is for.", "purpose")
    if not milestones:
        raise ReadinessError("Add at least one milestone with an amount.", "milestones")
    names = [m.title for m in milestones]
    for number, milestone in enumerate(milestones, start=1):
        if not milestone.title.strip():
            raise ReadinessError(f"Milestone {number}: give it a name.", "milestones")
        if milestone.amount <= 0 or milestone.amount != milestone.amount.quantize(Decimal("0.01")):
            raise ReadinessError(f"Milestone {number} ({milestone.title}): the amount must be "
                                 "more than 0 and in whole cents.", "milestones")
        if names.count(milestone.title) > 1:
            raise ReadinessError(f"Milestone {number}: {milestone.title!r} is named twice.",
                                 "milestones")
    if ends < starts:
        raise ReadinessError("The funding cannot end before it starts.", "ends")
    total = sum((m.amount for m in milestones), Decimal("0.00"))
    code = f"CAP-{cbo.slug.upper()[:24]}-{uuid.uuid4().hex[:6].upper()}"
    contract = contracts.create_contract(Contract(
        code=code, name=f"Capacity building: {purpose.strip()}"[:200], payer=hub, provider=cbo,
        stage=Stage.IMPLEMENTATION, starts=starts, ends=ends), acting=acting)
    try:
        contracts.add_terms_version(contract, fund_terms(code, hub, cbo, starts, ends, milestones),
                                    note="capacity-building fund", acting=acting)
    except contracts.TermsProblem as exc:
        raise ReadinessError("; ".join(f"{where}: {message}" for where, message in exc.errors),
                             "milestones") from None
    fund = CapacityFund.objects.create(hub=hub, cbo=cbo, funder=hub, amount=total,
                                       purpose=purpose.strip(), contract=contract,
                                       created_by=acting.user)
    for milestone in milestones:
        TaTask.objects.create(hub=hub, cbo=cbo, title=milestone.title, domain=milestone.domain,
                              due=milestone.due, fund=fund, milestone_amount=milestone.amount)
    audit.record("create", acting=acting, object_type="capacity_fund", object_id=str(fund.pk),
                 detail={"cbo": cbo.pk, "contract": code, "amount": fmt(total),
                         "milestones": {m.title: fmt(m.amount) for m in milestones}})
    return fund


# -- resource library ---------------------------------------------------------------------
def check_upload(filename: str, head: bytes, size: int) -> tuple[str, str]:
    """(extension, content type) of an acceptable upload, or ReadinessError saying why."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in UPLOAD_TYPES:
        raise ReadinessError(f"{filename}: only PDF, DOCX, XLSX, CSV, TXT or MD files can be "
                             "shared.", "file")
    if size > MAX_UPLOAD_BYTES:
        limit = (f"{MAX_UPLOAD_BYTES / (1024 * 1024):g} MB" if MAX_UPLOAD_BYTES >= 1024 * 1024
                 else f"{MAX_UPLOAD_BYTES:,} bytes")
        raise ReadinessError(f"{filename}: {size:,} bytes is over the {limit} limit.", "file")
    if size == 0:
        raise ReadinessError(f"{filename}: the file is empty.", "file")
    content_type, magic = UPLOAD_TYPES[extension]
    if magic is not None and not head.startswith(magic):
        raise ReadinessError(f"{filename}: the content is not a {extension.upper()} file.",
                             "file")
    if magic is None and (b"\x00" in head or not _is_utf8(head)):
        raise ReadinessError(f"{filename}: a {extension.upper()} file must be UTF-8 text.",
                             "file")
    return extension, content_type


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is fine.
        return exc.start >= len(head) - 3
    return True


@transaction.atomic
def save_document(title: str, kind: str, *, acting: Acting, description: str = "",
                  text: str = "", upload: Any = None, shared: bool = True) -> ResourceDocument:
    """Write a document (text) or store an uploaded file under VAR_DIR; one of the two."""
    if not acting.has_role(*HUB_WRITERS) or acting.organisation.kind != OrganisationKind.HUB:
        raise Http404("Not found")
    if not title.strip():
        raise ReadinessError("Give the document a title.", "title")
    if bool(text.strip()) == (upload is not None):
        raise ReadinessError("Write the document's text or choose a file, not both.", "text")
    document = ResourceDocument(hub=acting.organisation, title=title.strip(), kind=kind,
                                description=description, shared=shared, created_by=acting.user)
    stored: Path | None = None
    if upload is not None:
        head = upload.read(2048)
        upload.seek(0)
        extension, content_type = check_upload(upload.name, head, upload.size)
        document.filename = Path(upload.name).name[:200]
        document.stored_name = f"{uuid.uuid4().hex}.{extension}"
        document.content_type = content_type
        document.size = upload.size
        folder = library_dir()
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / document.stored_name
        with stored.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    else:
        document.text = text
        document.content_type = "text/markdown; charset=utf-8"
        document.size = len(text.encode("utf-8"))
    try:
        document.full_clean()
        document.save()
    except Exception:
        # Nothing half-saved: the file goes when its row is not written.
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise
    audit.record("create", acting=acting, object_type="resource_document",
                 object_id=str(document.pk),
                 detail={"title": document.title, "kind": kind, "shared": shared,
                         "file": document.filename, "size": document.size})
    return document
