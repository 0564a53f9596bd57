"""Data sets and inbound deliveries: the writers.

`save_data_set` creates or changes a contract's data set. `receive` records a file that
arrived (drop folder or SFTP) as a delivery: the same content delivered again to the
same data set is a duplicate and changes nothing. `process` runs the inbound member list
through the roster import as a job (`exchange.inbound`): the whole file is checked first
with the same rules as the upload page (members.imports / members.streaming), a file
with any problem is refused whole with every row and column named and nothing saved;
a good one is saved in chunks by the roster import service (members.services). The job
ends by writing the receipt, moving the file to done/ or refused/ with its receipt
beside it, telling the hub and the counterparty, and counting the delivery for its
period on the scorecard.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Contract, ContractParty
from carehub.contracts.selectors import in_effect
from carehub.exchange.models import (
    DataSet,
    DataSetKind,
    Delivery,
    DeliveryStatus,
    Direction,
    FileFormat,
    Transport,
)
from carehub.exchange.models.deliveries import KIND_DIRECTION
from carehub.exchange.services import folders
from carehub.exchange.services.deliveries_periods import DataPeriod, due_on, latest_ended
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.runner import Outcome
from carehub.members import jobfiles
from carehub.members.imports import ImportProblem, Table, read_table
from carehub.members.services import RosterCounts, record_roster_import, save_roster_chunk
from carehub.members.streaming import check_roster, digest, roster_chunks
from carehub.notifications.kinds import Kind
from carehub.notifications.services import notify, people_with_role
from carehub.reporting.services.scorecard import record_delivery_fact
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind, Role

INBOUND_KIND = "exchange.inbound"
SUFFIX = {FileFormat.CSV: ".csv", FileFormat.XLSX: ".xlsx", FileFormat.PARQUET: ".parquet"}


class DataSetProblem(ValueError):
    """A data set that cannot be saved as asked; `field` names the form field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


# --- data sets ----------------------------------------------------------------------------

def may_edit(acting: Acting, contract: Contract) -> bool:
    """A contract's data sets are kept by its hub's administrators and its plan's
    managers (the payer or the provider of the contract)."""
    return (acting.organisation is not None
            and acting.organisation.pk in (contract.payer_id, contract.provider_id)
            and acting.role in (Role.HUB_ADMIN, Role.PAYER_MANAGER))


def save_data_set(data_set: DataSet, *, acting: Acting) -> DataSet:
    """Create or change a data set (its contract is set); audited. DataSetProblem names
    the field when the data set is not consistent."""
    contract = data_set.contract
    if not may_edit(acting, contract):
        raise DataSetProblem("", "You may not change this contract's data sets.")
    data_set.direction = KIND_DIRECTION[DataSetKind(data_set.kind)]
    with scopes_disabled():
        parties = set(ContractParty.objects.filter(contract=contract)
                      .values_list("organisation_id", flat=True))
    if data_set.counterparty_id not in parties:
        raise DataSetProblem("counterparty", "The counterparty must be a party of the contract.")
    if data_set.kind == DataSetKind.MEMBER_LIST and data_set.counterparty_id != contract.payer_id:
        raise DataSetProblem("counterparty", "A member list comes from the contract's plan "
                                             f"({contract.payer.name}).")
    if data_set.transport == Transport.SFTP:
        for name, label in (("sftp_host", "SFTP host"), ("sftp_username", "SFTP user name"),
                            ("sftp_secret", "SFTP key or password"),
                            ("sftp_host_key", "SFTP host key fingerprint")):
            if not getattr(data_set, name):
                raise DataSetProblem(name, f"{label} is required for SFTP.")
    new = data_set.pk is None
    with transaction.atomic():
        if new:
            data_set.folder = "pending"
            data_set.save()
            data_set.folder = f"{data_set.pk}-{slugify(data_set.name)[:100] or 'data-set'}"
            data_set.save(update_fields=["folder"])
        else:
            data_set.save()
        audit.record("create" if new else "update", object_type="exchange_data_set",
                     object_id=str(data_set.pk), acting=acting,
                     detail={"contract": contract.code, "name": data_set.name,
                             "kind": data_set.kind, "transport": data_set.transport})
    folders.ensure(data_set)
    return data_set


# --- receiving ----------------------------------------------------------------------------

def period_for(data_set: DataSet, received: dt.datetime) -> DataPeriod:
    """The period an inbound file is for: the latest ended by the day it arrived."""
    return latest_ended(data_set.cadence, timezone.localdate(received))


def _origin(data_set: DataSet, sha: str) -> Delivery | None:
    with scopes_disabled():
        return Delivery.objects.filter(data_set=data_set, sha256=sha,
                                       duplicate_of__isnull=True).first()


def receive(data_set: DataSet, path: Path, *, transport: str, delivered_by: str,
            acting: Acting) -> Delivery:
    """Record the file at `path` (in the data set's in/ folder) as a delivery. A file
    whose content this data set already received is a duplicate: its receipt names the
    first delivery, the file moves to done/ and nothing else changes. A delivery still
    waiting (a run stopped before processing it) is returned to be processed again."""
    sha = jobfiles.sha256_of(path)
    size = path.stat().st_size
    now = timezone.now()
    period = period_for(data_set, now)
    first = _origin(data_set, sha)
    if first is not None and first.status == DeliveryStatus.RECEIVED:
        return first
    fields: dict[str, Any] = {
        "data_set": data_set, "contract_id": data_set.contract_id,
        "direction": data_set.direction, "file_name": path.name[:255], "sha256": sha,
        "size": size, "period_start": period.start, "period_end": period.end,
        "received_at": now, "transport": transport, "delivered_by": delivered_by[:200]}
    if first is None:
        try:
            with transaction.atomic(), scopes_disabled():
                delivery = Delivery.objects.create(**fields)
                audit.record("create", object_type="exchange_delivery",
                             object_id=str(delivery.pk), acting=acting,
                             detail={"data_set": data_set.pk, "file": delivery.file_name,
                                     "sha256": sha, "size": size})
            return delivery
        except IntegrityError:  # another run recorded the same content a moment ago
            first = _origin(data_set, sha)
            assert first is not None
    return _duplicate(data_set, path, first, fields, acting=acting)


def _duplicate(data_set: DataSet, path: Path, first: Delivery, fields: dict[str, Any], *,
               acting: Acting) -> Delivery:
    with transaction.atomic(), scopes_disabled():
        delivery = Delivery.objects.create(
            **fields, status=DeliveryStatus.DUPLICATE, duplicate_of=first,
            processed_at=timezone.now(),
            message=f"The same file (SHA-256 {first.sha256[:16]}…) as delivery {first.pk} "
                    f"of {timezone.localtime(first.received_at):%Y-%m-%d %H:%M}; nothing "
                    "changed.")
        audit.record("create", object_type="exchange_delivery", object_id=str(delivery.pk),
                     acting=acting, detail={"data_set": data_set.pk, "duplicate_of": first.pk,
                                            "sha256": first.sha256})
    if path.exists():
        finish_file(delivery, path)
    refresh_fact(data_set, DataPeriod(delivery.period_start, delivery.period_end),
                 acting=acting)
    return delivery


def process(delivery: Delivery, path: Path, *, show_progress: bool = False) -> Delivery:
    """Import an inbound member list delivery as a job, run here (`exchange.inbound`);
    the delivery with its receipt."""
    from carehub.exchange.tasks_exchange import inbound_task
    from carehub.jobs.services import run_inline

    data_set = delivery.data_set
    with scopes_disabled():
        plan = Organisation.objects.get(pk=data_set.contract.payer_id)
    params = {"delivery": delivery.pk, "plan": plan.pk, "file": delivery.file_name,
              "path": str(path.resolve()), "sha256": delivery.sha256}
    job = run_inline(inbound_body, inbound_task, kind=INBOUND_KIND,
                     title=f"File exchange: {data_set.name}: {delivery.file_name}",
                     acting=Acting.system(plan), params=params, show_progress=show_progress)
    with scopes_disabled():
        delivery.refresh_from_db()
        if delivery.job_id is None:
            Delivery.objects.filter(pk=delivery.pk).update(job=job)
            delivery.job = job
        if delivery.status == DeliveryStatus.RECEIVED:  # the job failed before the receipt
            _refuse(delivery, [(0, "", job.message or "the import failed")], rows_read=0,
                    acting=Acting.system(plan))
            if path.exists():
                finish_file(delivery, path)
    return delivery


# --- the job ------------------------------------------------------------------------------

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_to_csv(source: Path, target: Path, name: str) -> None:
    """The first sheet of a workbook as CSV with the same row numbers (empty rows at the
    end are left out); ImportProblem when it is not a readable workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a bad file
        raise ImportProblem(name, [(0, "", f"not a readable Excel workbook: {exc}")]) from None
    try:
        sheet = book.worksheets[0]
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            empty: list[list[str]] = []
            for values in sheet.iter_rows(values_only=True):
                row = [_cell(v) for v in values]
                if not any(row):
                    empty.append(row)
                    continue
                writer.writerows(empty)
                empty = []
                writer.writerow(row)
    finally:
        book.close()


def _table(job: Job, path: Path, data_set: DataSet, name: str) -> Table:
    expected = SUFFIX[FileFormat(data_set.format)]
    if path.suffix.lower() != expected:
        raise ImportProblem(name, [(0, "", f"the data set takes {data_set.get_format_display()} "
                                           f"files ({expected}); this file is "
                                           f"{path.suffix or 'without a suffix'}")])
    if data_set.format == FileFormat.XLSX:
        folder = jobfiles.job_folder(job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        converted = folder / "sheet.csv"
        xlsx_to_csv(path, converted, name)
        path = converted
    try:
        return read_table(path)
    except ImportProblem as exc:
        raise ImportProblem(name, exc.errors) from None


def inbound_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    params = job.params
    with scopes_disabled():
        delivery = (Delivery.objects.select_related("data_set", "data_set__contract",
                                                    "data_set__counterparty")
                    .filter(pk=params["delivery"]).first())
        plan = Organisation.objects.filter(pk=params["plan"], kind="payer").first()
    if delivery is None or plan is None:
        raise JobFailed("The delivery or its plan no longer exists.")
    if delivery.status != DeliveryStatus.RECEIVED:
        return Outcome(message=f"{delivery.file_name}: already {delivery.get_status_display()}")
    data_set, name = delivery.data_set, delivery.file_name
    path = jobfiles.job_file(job)
    point = progress.checkpoint
    rows_read = 0
    try:
        if not in_effect().filter(pk=data_set.contract_id).exists():
            raise ImportProblem(name, [(0, "", f"contract {data_set.contract.code} is not in "
                                               "effect (both parties have not accepted it)")])
        rows = _table(job, path, data_set, name)
        rows_read = len(rows)
        progress.stage("Checking", rows_read)
        count, repeats = check_roster(name, rows, every=progress.advance)
    except ImportProblem as exc:
        _refuse(delivery, exc.errors, rows_read=rows_read, acting=acting, job=job)
        finish_file(delivery, path)
        _tell(delivery, acting)
        refresh_fact(data_set, _period(delivery), acting=acting)
        return Outcome(summary={"delivery": delivery.pk, "status": "refused",
                                "problems": len(exc.errors)},
                       url=reverse("exchange:delivery", args=[delivery.pk]),
                       message=f"{name}: refused, {len(exc.errors)} problem"
                               f"{'s' if len(exc.errors) != 1 else ''}; nothing saved")
    counts = RosterCounts(**point.get("counts", {}))
    seen = set(point.get("seen", []))
    start = int(point.get("next", 0))
    progress.stage("Saving", count, done=start)

    def may_repeat(member_id: str) -> bool:
        return digest(member_id) in repeats

    for chunk in roster_chunks(rows, jobfiles.chunk_rows(job), start=start):
        progress.check_cancelled()
        with transaction.atomic():
            save_roster_chunk(plan, chunk, counts, seen, may_repeat)
            start += len(chunk)
            progress.commit(done=start, checkpoint={"next": start, "counts": counts.as_dict(),
                                                    "seen": sorted(seen)})
    with transaction.atomic():
        record_roster_import(plan, counts, rows=count, acting=acting,
                             source=f"exchange:{delivery.pk}:{name}")
        with scopes_disabled():
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.ACCEPTED, processed_at=timezone.now(), rows_read=count,
                rows_accepted=count, rows_refused=0, counts=counts.as_dict(), job=job,
                message=f"{counts.created:,} members created, {counts.updated:,} updated, "
                        f"{counts.unchanged:,} unchanged.")
            delivery.refresh_from_db()
        audit.record("update", object_type="exchange_delivery", object_id=str(delivery.pk),
                     acting=acting, detail={"status": "accepted", "rows": count,
                                            **counts.as_dict()})
    finish_file(delivery, path)
    _tell(delivery, acting)
    refresh_fact(data_set, _period(delivery), acting=acting)
    return Outcome(summary={"delivery": delivery.pk, "status": "accepted", "rows": count,
                            **counts.as_dict()},
                   url=reverse("exchange:delivery", args=[delivery.pk]),
                   message=f"{name}: accepted, {count:,} rows; {delivery.message}")


def _period(delivery: Delivery) -> DataPeriod:
    return DataPeriod(delivery.period_start, delivery.period_end)


def _refuse(delivery: Delivery, errors: list[tuple[int, str, str]], *, rows_read: int,
            acting: Acting, job: Job | None = None) -> None:
    refused_rows = len({row for row, _, _ in errors if row and row > 1})
    message = (f"Refused whole: {len(errors)} problem{'s' if len(errors) != 1 else ''} "
               "found; nothing was saved.")
    with transaction.atomic(), scopes_disabled():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.REFUSED, processed_at=timezone.now(), rows_read=rows_read,
            rows_accepted=0, rows_refused=refused_rows,
            problems=[[row, column, text] for row, column, text in errors],
            message=message, **({"job": job} if job is not None else {}))
        audit.record("update", object_type="exchange_delivery", object_id=str(delivery.pk),
                     acting=acting, detail={"status": "refused", "problems": len(errors)})
        delivery.refresh_from_db()


# --- the receipt, the file, the notice and the fact --------------------------------------

def receipt_text(delivery: Delivery) -> str:
    """The receipt written beside the file: what came, what happened, every problem."""
    data_set = delivery.data_set
    lines = [
        f"carehub delivery receipt {delivery.pk}",
        f"data set: {data_set.name} ({data_set.get_kind_display()}), contract "
        f"{data_set.contract.code}",
        f"file: {delivery.file_name}",
        f"sha256: {delivery.sha256}",
        f"size: {delivery.size} bytes",
        f"period: {delivery.period_start.isoformat()} to {delivery.period_end.isoformat()}",
        f"received: {timezone.localtime(delivery.received_at).isoformat(timespec='seconds')}",
        "processed: " + (timezone.localtime(delivery.processed_at).isoformat(timespec='seconds')
                         if delivery.processed_at else ""),
        f"delivered by: {delivery.delivered_by}",
        f"status: {delivery.get_status_display()}",
        f"rows read: {delivery.rows_read}",
        f"rows accepted: {delivery.rows_accepted}",
        f"rows refused: {delivery.rows_refused}",
    ]
    if delivery.duplicate_of_id:
        lines.append(f"duplicate of delivery: {delivery.duplicate_of_id}")
    if delivery.message:
        lines.append(f"message: {delivery.message}")
    for row, column, text in delivery.problems:
        where = f"row {row}" + (f", column {column}" if column else "") if row else "file"
        lines.append(f"problem: {where}: {text}")
    return "\n".join(lines) + "\n"


def problems_csv_rows(delivery: Delivery) -> list[list[Any]]:
    return [[row or "", column, text] for row, column, text in delivery.problems]


def finish_file(delivery: Delivery, path: Path) -> None:
    """Move the file to done/ or refused/ with its receipt beside it; remember where."""
    data_set = delivery.data_set
    where = "refused" if delivery.status == DeliveryStatus.REFUSED else "done"
    target = folders.move(path, data_set, where, f"{delivery.pk}")
    folders.write_beside(target, ".receipt.txt", receipt_text(delivery))
    with scopes_disabled():
        Delivery.objects.filter(pk=delivery.pk).update(stored_path=folders.relative(target))
    delivery.stored_path = folders.relative(target)


def administrators(org: Organisation) -> list[Any]:
    if org.kind == OrganisationKind.PAYER:
        return people_with_role(org, Role.PAYER_MANAGER)
    if org.kind == OrganisationKind.HUB:
        return people_with_role(org, Role.HUB_ADMIN)
    return people_with_role(org, Role.CBO_SUPERVISOR)


def told(data_set: DataSet) -> list[Organisation]:
    """Who hears of a data set's deliveries: the contract's provider (the hub) and the
    counterparty."""
    with scopes_disabled():
        contract = Contract.objects.select_related("provider").get(pk=data_set.contract_id)
        counterparty = Organisation.objects.get(pk=data_set.counterparty_id)
    orgs = [contract.provider]
    if counterparty.pk != contract.provider_id:
        orgs.append(counterparty)
    return orgs


def _tell(delivery: Delivery, acting: Acting) -> None:
    data_set = delivery.data_set
    refused = delivery.status == DeliveryStatus.REFUSED
    kind = Kind.EXCHANGE_DELIVERY_REFUSED if refused else Kind.EXCHANGE_DELIVERY_RECEIVED
    link = reverse("exchange:delivery", args=[delivery.pk])
    title = (f"{data_set.contract.code}: a {data_set.name} file was "
             f"{'refused' if refused else 'accepted'}")
    body = (f"{delivery.rows_read} rows read, {delivery.rows_accepted} accepted, "
            f"{len(delivery.problems)} problems." if refused else
            f"{delivery.rows_accepted} rows accepted.")
    for org in told(data_set):
        notify(kind, users=administrators(org), organisation=org, acting=acting,
               title=title, body=body, link=link, merge=False)


def counting(data_set: DataSet, period: DataPeriod) -> dt.datetime | None:
    """When the data set's file for `period` came or went: the first delivery that
    stands for it (accepted or sent, or the same file again as one that was)."""
    with scopes_disabled():
        found = (Delivery.objects.filter(data_set=data_set, period_start=period.start)
                 .filter(status__in=(DeliveryStatus.ACCEPTED, DeliveryStatus.SENT,
                                     DeliveryStatus.DUPLICATE))
                 .select_related("duplicate_of").order_by("received_at", "pk"))
        for delivery in found:
            if delivery.status != DeliveryStatus.DUPLICATE or (
                    delivery.duplicate_of is not None
                    and delivery.duplicate_of.status in (DeliveryStatus.ACCEPTED,
                                                         DeliveryStatus.SENT)):
                return delivery.received_at
    return None


def refresh_fact(data_set: DataSet, period: DataPeriod, *, acting: Acting) -> None:
    """Count the data set's file for `period` on the scorecard (reporting's fact)."""
    delivered = counting(data_set, period)
    record_delivery_fact(data_set.contract, data_set=data_set.pk, data_set_name=data_set.name,
                         period_start=period.start, period_end=period.end,
                         due_on=due_on(period, data_set.due_days), delivered_at=delivered,
                         acting=acting)


__all__ = ["INBOUND_KIND", "DataSetProblem", "Direction", "finish_file", "inbound_body",
           "may_edit", "process", "receipt_text", "receive", "refresh_fact", "save_data_set"]
