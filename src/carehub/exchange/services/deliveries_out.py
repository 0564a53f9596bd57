"""Outbound files: the service report and the referral status file of a contract for a
period, written in the data set's format (CSV with the csv module, Excel with openpyxl,
Parquet with pyarrow) to its out/ folder and, for SFTP, put on the counterparty's server.
Columns are documented in docs/exchange.md.

Each file is a delivery with a receipt (rows written, checksum). Writing the same period
again with the same content is a duplicate (its receipt names the first; no file is
replaced); different content for the same period is a new file beside the first
(`-2`, `-3` ...), never written over it. A file whose SFTP put failed is put again by
the next run.

A data set whose counterparty is a CBO carries only that CBO's referrals. Consent is
enforced as on the pages: a row about a referral another organisation works goes out
only while the member has an active data-sharing consent on the day the file is
written; the rows left out are counted on the receipt ("withheld").
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.selectors import in_effect
from carehub.exchange.models import DataSet, DataSetKind, Delivery, DeliveryStatus, Transport
from carehub.exchange.services import folders, sftp
from carehub.exchange.services.deliveries import refresh_fact
from carehub.exchange.services.deliveries_periods import DataPeriod
from carehub.members import jobfiles
from carehub.referrals.models import Consent, ConsentKind, Referral, ServiceDelivery
from carehub.tenancy.access import Acting
from carehub.tenancy.models import OrganisationKind

SERVICE_REPORT_COLUMNS = ("contract", "referral_id", "member_id", "service_code",
                          "service_date", "units", "setting", "delivered_by",
                          "referral_state", "referral_made_on")
REFERRAL_STATUS_COLUMNS = ("contract", "referral_id", "member_id", "service_code", "state",
                           "close_reason", "organisation", "made_on", "enrolled_on",
                           "completed_on", "updated_at")


def _cbo_only(data_set: DataSet) -> int | None:
    with scopes_disabled():
        counterparty = data_set.counterparty
    return counterparty.pk if counterparty.kind == OrganisationKind.CBO else None


def _consenting(member_ids: set[int]) -> set[int]:
    """Members with an active data-sharing consent today."""
    day = timezone.localdate()
    ids = sorted(member_ids)
    found: set[int] = set()
    with scopes_disabled():
        for i in range(0, len(ids), 2000):
            found.update(Consent.objects.filter(
                member_id__in=ids[i:i + 2000], kind=ConsentKind.DATA_SHARING,
                revoked_at__isnull=True, given_on__lte=day)
                .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=day))
                .values_list("member_id", flat=True))
    return found


def shared(data_set: DataSet, rows: list[tuple[int, int, dict[str, Any]]]
           ) -> tuple[list[dict[str, Any]], int, list[int]]:
    """(member pk, owning organisation, row): the rows that may go to the counterparty,
    how many were withheld for want of consent, and the members whose rows go."""
    to = data_set.counterparty_id
    consenting = _consenting({member for member, owner, _ in rows if owner != to})
    kept = [(member, row) for member, owner, row in rows
            if owner == to or member in consenting]
    return ([row for _, row in kept], len(rows) - len(kept),
            sorted({member for member, _ in kept}))


def service_report(data_set: DataSet, period: DataPeriod) -> list[tuple[int, int, dict[str, Any]]]:
    """One row per service delivered under the contract in the period."""
    with scopes_disabled():
        found = (ServiceDelivery.objects.filter(contract_id=data_set.contract_id,
                                                date__gte=period.start, date__lte=period.end)
                 .select_related("referral", "member", "organisation", "contract")
                 .order_by("date", "pk"))
        cbo = _cbo_only(data_set)
        if cbo is not None:
            found = found.filter(organisation_id=cbo)
        return [(s.member_id, s.referral.organisation_id, {
                 "contract": s.contract.code if s.contract else s.contract_code,
                 "referral_id": s.referral_id, "member_id": s.member.member_id,
                 "service_code": s.service_code, "service_date": s.date, "units": s.units,
                 "setting": s.setting, "delivered_by": s.organisation.name,
                 "referral_state": s.referral.state,
                 "referral_made_on": timezone.localdate(s.referral.created_at)})
                for s in found]


def referral_status(data_set: DataSet, period: DataPeriod) -> list[tuple[int, int, dict[str, Any]]]:
    """Every referral of the contract made by the period's end that was open at its end
    or changed during it, with its state now."""
    with scopes_disabled():
        contract = data_set.contract
        end = timezone.make_aware(datetime.combine(period.end, datetime.max.time()))
        start = timezone.make_aware(datetime.combine(period.start, datetime.min.time()))
        found = (Referral.objects.filter(contract=contract, created_at__lte=end)
                 .exclude(state="closed", updated_at__lt=start)
                 .select_related("member", "organisation").order_by("created_at", "pk"))
        cbo = _cbo_only(data_set)
        if cbo is not None:
            found = found.filter(organisation_id=cbo)
        return [(r.member_id, r.organisation_id, {
                 "contract": contract.code, "referral_id": r.pk,
                 "member_id": r.member.member_id, "service_code": r.service_code,
                 "state": r.state, "close_reason": r.close_reason,
                 "organisation": r.organisation.name,
                 "made_on": timezone.localdate(r.created_at), "enrolled_on": r.enrolled_on,
                 "completed_on": r.completed_on,
                 "updated_at": timezone.localtime(r.updated_at).isoformat(timespec="seconds")})
                for r in found]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def write_file(path: Path, fmt: str, columns: Iterable[str], rows: list[dict[str, Any]]) -> None:
    """Rows in `fmt` at `path`: every column even with no rows."""
    names = list(columns)
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(names)
            writer.writerows([[_text(r[c]) for c in names] for r in rows])
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("data")
        sheet.append(names)
        for r in rows:
            sheet.append([r[c] if isinstance(r[c], int) else _text(r[c]) for c in names])
        book.save(path)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrays = {c: pa.array([r[c] if isinstance(r[c], int) else _text(r[c]) for r in rows],
                              type=pa.int64() if rows and all(isinstance(r[c], int)
                                                              and not isinstance(r[c], bool)
                                                              for r in rows) else pa.string())
                  for c in names}
        pq.write_table(pa.table(arrays), path)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def _name(data_set: DataSet, period: DataPeriod) -> str:
    base = slugify(data_set.name) or "data-set"
    return f"{base}_{period.start.isoformat()}.{data_set.format}"


def send(data_set: DataSet, period: DataPeriod, *, acting: Acting,
         delivered_by: str = "carehub") -> Delivery:
    """Write the data set's file for `period`, keep it in out/, put it on SFTP when the
    data set says so; the delivery with its receipt."""
    if data_set.kind == DataSetKind.MEMBER_LIST:
        raise ValueError(f"{data_set.name} is an inbound data set; nothing is sent")
    if not in_effect().filter(pk=data_set.contract_id).exists():
        raise ValueError(f"{data_set.name}: contract {data_set.contract.code} is not in effect "
                         "(both parties have not accepted it); nothing is sent")
    builder, columns = ((service_report, SERVICE_REPORT_COLUMNS)
                        if data_set.kind == DataSetKind.SERVICE_REPORT
                        else (referral_status, REFERRAL_STATUS_COLUMNS))
    rows, withheld, members = shared(data_set, builder(data_set, period))
    outbox = folders.ensure(data_set) / "out"
    handle, temp_name = tempfile.mkstemp(dir=outbox, prefix=".", suffix=".tmp")
    os.close(handle)
    temp = Path(temp_name)
    try:
        write_file(temp, data_set.format, columns, rows)
        sha = jobfiles.sha256_of(temp)
        size = temp.stat().st_size
        with scopes_disabled():
            first = Delivery.objects.filter(data_set=data_set, sha256=sha,
                                            duplicate_of__isnull=True).first()
        if first is not None and first.status != DeliveryStatus.FAILED:
            temp.unlink()
            return _duplicate(data_set, period, first, size, acting=acting,
                              delivered_by=delivered_by)
        if first is not None:  # its put failed before: try it again
            temp.unlink()
            return _put(first, acting=acting)
        name = _name(data_set, period)
        target = outbox / name
        n = 1
        while target.exists():
            n += 1
            target = outbox / f"{Path(name).stem}-{n}{Path(name).suffix}"
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    now = timezone.now()
    try:
        with transaction.atomic(), scopes_disabled():
            delivery = Delivery.objects.create(
                data_set=data_set, contract_id=data_set.contract_id,
                direction=data_set.direction, status=DeliveryStatus.RECEIVED,
                file_name=target.name, sha256=sha, size=size, period_start=period.start,
                period_end=period.end, received_at=now, transport=data_set.transport,
                delivered_by=delivered_by[:200], rows_read=len(rows) + withheld,
                rows_accepted=len(rows), rows_refused=withheld,
                counts={"withheld": withheld}, stored_path=folders.relative(target))
            audit.record("read", object_type="exchange_file", object_id=str(delivery.pk),
                         acting=acting, detail={"data_set": data_set.pk, "rows": len(rows),
                                                "withheld": withheld, "period": period.code,
                                                "sha256": sha, "member_ids": members})
    except IntegrityError:  # the same content written by another run a moment ago
        target.unlink(missing_ok=True)
        with scopes_disabled():
            first = Delivery.objects.get(data_set=data_set, sha256=sha,
                                         duplicate_of__isnull=True)
        return _duplicate(data_set, period, first, size, acting=acting,
                          delivered_by=delivered_by)
    return _put(delivery, acting=acting)


def _put(delivery: Delivery, *, acting: Acting) -> Delivery:
    """Send the written file (SFTP), then write its receipt and count it."""
    data_set = delivery.data_set
    path = folders.absolute(delivery.stored_path)
    status, message = DeliveryStatus.SENT, f"{delivery.rows_accepted:,} rows written"
    if delivery.rows_refused:
        message += (f", {delivery.rows_refused:,} withheld (no active data-sharing consent "
                    "for a referral another organisation works)")
    if data_set.transport == Transport.SFTP and path is not None:
        try:
            remote = sftp.push(data_set, path)
            message += f"; put on {data_set.sftp_host} as {remote}"
        except sftp.SftpProblem as exc:
            status, message = DeliveryStatus.FAILED, f"Not sent: {exc}"
    else:
        message += "; waiting in the drop folder's out/"
    with transaction.atomic(), scopes_disabled():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status, message=message[:500], processed_at=timezone.now())
        delivery.refresh_from_db()
        audit.record("update", object_type="exchange_delivery", object_id=str(delivery.pk),
                     acting=acting, detail={"status": status})
    if path is not None:
        folders.write_beside(path, ".receipt.txt", _receipt(delivery))
    refresh_fact(data_set, DataPeriod(delivery.period_start, delivery.period_end),
                 acting=acting)
    return delivery


def _receipt(delivery: Delivery) -> str:
    from carehub.exchange.services.deliveries import receipt_text

    return receipt_text(delivery).replace("rows accepted:", "rows written:")


def _duplicate(data_set: DataSet, period: DataPeriod, first: Delivery, size: int, *,
               acting: Acting, delivered_by: str) -> Delivery:
    with transaction.atomic(), scopes_disabled():
        delivery = Delivery.objects.create(
            data_set=data_set, contract_id=data_set.contract_id, direction=data_set.direction,
            status=DeliveryStatus.DUPLICATE, duplicate_of=first, file_name=first.file_name,
            sha256=first.sha256, size=size, period_start=period.start,
            period_end=period.end, received_at=timezone.now(), processed_at=timezone.now(),
            transport=data_set.transport, delivered_by=delivered_by[:200],
            rows_read=first.rows_read, stored_path=first.stored_path,
            message=f"The same content as delivery {first.pk} ({first.file_name}); no file "
                    "was written or sent again.")
        audit.record("create", object_type="exchange_delivery", object_id=str(delivery.pk),
                     acting=acting, detail={"data_set": data_set.pk, "duplicate_of": first.pk})
    refresh_fact(data_set, period, acting=acting)
    return delivery
