"""One pass of the file exchange (`carehub exchange run`, and the worker every few
minutes as `exchange.run`): for each active data set, pull what waits on its SFTP server,
process what waits in its drop folder's in/, and write the outbound file of the latest
ended period from its due day on, when none was sent for it yet. Each file gives one `Line` (its receipt in
one line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.exchange.models import DataSet, Delivery, DeliveryStatus, Direction, Transport
from carehub.exchange.services import folders, sftp
from carehub.exchange.services.deliveries import process, receive
from carehub.exchange.services.deliveries_out import send
from carehub.exchange.services.deliveries_periods import DataPeriod, due_on, latest_ended
from carehub.tenancy.access import Acting


@dataclass(frozen=True)
class Line:
    data_set: str
    file: str
    text: str
    ok: bool = True

    def __str__(self) -> str:
        return f"{self.data_set}: {self.file}: {self.text}"


def summary(delivery: Delivery) -> str:
    """A receipt in one line."""
    status = delivery.get_status_display().lower()
    text = (f"{status}; {delivery.rows_read:,} rows read, {delivery.rows_accepted:,} "
            f"{'written' if delivery.direction == Direction.OUT else 'accepted'}, "
            f"{delivery.rows_refused:,} refused; sha256 {delivery.sha256[:12]}; "
            f"delivery {delivery.pk}")
    if delivery.duplicate_of_id:
        text += f" (duplicate of {delivery.duplicate_of_id})"
    for row, column, message in delivery.problems[:5]:
        where = f"row {row}" + (f", column {column}" if column else "") if row else "file"
        text += f"\n  {where}: {message}"
    if len(delivery.problems) > 5:
        text += f"\n  ... {len(delivery.problems) - 5} more in the receipt"
    return text


def data_sets(*, data_set_id: int | None = None, org_slug: str | None = None) -> list[DataSet]:
    with scopes_disabled():
        found = (DataSet.objects.filter(active=True)
                 .select_related("contract", "contract__payer", "contract__provider",
                                 "counterparty").order_by("pk"))
        if data_set_id is not None:
            found = found.filter(pk=data_set_id)
        if org_slug:
            found = found.filter(contract__parties__organisation__slug=org_slug).distinct()
        return list(found)


def _delivered_by(data_set: DataSet, pulled: bool) -> str:
    if pulled:
        return (f"SFTP sftp://{data_set.sftp_username}@{data_set.sftp_host}:"
                f"{data_set.sftp_port}/{data_set.sftp_path.lstrip('/')}")
    return f"drop folder of {data_set.counterparty.name}"


def run_inbound(data_set: DataSet, *, settle: float | None = None,
                show_progress: bool = False) -> list[Line]:
    lines: list[Line] = []
    pulled: set[str] = set()
    if data_set.transport == Transport.SFTP:
        try:
            pulled = {p.name for p in sftp.pull(data_set, folders.ensure(data_set) / "in")}
        except sftp.SftpProblem as exc:
            lines.append(Line(data_set.name, "(SFTP)", str(exc), ok=False))
    acting = Acting.system(data_set.counterparty)
    for path in folders.waiting(data_set, settle=settle):
        delivery = receive(data_set, path, transport=(Transport.SFTP if path.name in pulled
                                                      else Transport.FOLDER),
                           delivered_by=_delivered_by(data_set, path.name in pulled),
                           acting=acting)
        if delivery.status == DeliveryStatus.RECEIVED:
            delivery = process(delivery, path, show_progress=show_progress)
        lines.append(Line(data_set.name, path.name, summary(delivery),
                          ok=delivery.status != DeliveryStatus.REFUSED))
    return lines


def run_outbound(data_set: DataSet, today: date | None = None) -> list[Line]:
    """The latest ended period's file, written on its due day (so services recorded within
    the days after the period are in it) or later, unless one already stands for it (a
    failed put is tried again)."""
    day = today or timezone.localdate()
    period = latest_ended(data_set.cadence, day)
    if period.start < data_set.starts or day < due_on(period, data_set.due_days):
        return []
    with scopes_disabled():
        done = Delivery.objects.filter(
            data_set=data_set, period_start=period.start,
            status__in=(DeliveryStatus.SENT, DeliveryStatus.DUPLICATE)).exists()
    if done:
        return []
    try:
        return [send_line(data_set, period, delivered_by="carehub exchange run")]
    except ValueError as exc:
        return [Line(data_set.name, "(not written)", str(exc), ok=False)]


def send_line(data_set: DataSet, period: DataPeriod, *, delivered_by: str) -> Line:
    delivery = send(data_set, period, acting=Acting.system(data_set.contract.provider),
                    delivered_by=delivered_by)
    return Line(data_set.name, delivery.file_name, summary(delivery) + f"; {delivery.message}",
                ok=delivery.status != DeliveryStatus.FAILED)


def run_exchange(*, data_set_id: int | None = None, org_slug: str | None = None,
                 settle: float | None = None, today: date | None = None,
                 outbound: bool = True, show_progress: bool = False) -> list[Line]:
    lines: list[Line] = []
    for data_set in data_sets(data_set_id=data_set_id, org_slug=org_slug):
        if data_set.direction == Direction.IN:
            lines += run_inbound(data_set, settle=settle, show_progress=show_progress)
        elif outbound:
            lines += run_outbound(data_set, today)
    return lines
