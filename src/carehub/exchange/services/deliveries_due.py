"""Late and missing files (the daily `exchange.due_check`).

For every active data set and every period since its start whose due day has passed,
the scorecard's fact is brought up to date (delivered when, on time or not), and a
period whose file has not come (inbound) or gone (outbound) is told once to the hub and
the counterparty (`exchange_delivery_late`), for periods due in the last
`TELL_WITHIN_DAYS` days (a data set created with an old start does not flood anyone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.exchange.models import DataSet, Delivery, DeliveryStatus
from carehub.exchange.services.deliveries import administrators, told
from carehub.exchange.services.deliveries_periods import DataPeriod, due_on, periods_due
from carehub.notifications.kinds import Kind
from carehub.notifications.services import notify_once
from carehub.reporting.models import DeliveryFact
from carehub.reporting.services.scorecard import record_delivery_fact
from carehub.tenancy.access import Acting

TELL_WITHIN_DAYS = 31


@dataclass
class DueChecked:
    data_sets: int = 0
    periods: int = 0
    late: int = 0
    told: int = 0


def _delivered(data_set: DataSet) -> dict[date, object]:
    """Each period's first standing delivery time (accepted, sent, or a duplicate of
    one of those)."""
    standing = (DeliveryStatus.ACCEPTED, DeliveryStatus.SENT)
    with scopes_disabled():
        firsts = (Delivery.objects.filter(data_set=data_set, status__in=standing)
                  .values("period_start").annotate(first=Min("received_at")))
        repeats = (Delivery.objects.filter(data_set=data_set, status=DeliveryStatus.DUPLICATE,
                                           duplicate_of__status__in=standing)
                   .values("period_start").annotate(first=Min("received_at")))
        found: dict[date, object] = {}
        for row in [*firsts, *repeats]:
            day, at = row["period_start"], row["first"]
            if day not in found or at < found[day]:  # type: ignore[operator]
                found[day] = at
    return found


def check_due(today: date | None = None) -> DueChecked:
    day = today or timezone.localdate()
    done = DueChecked()
    with scopes_disabled():
        data_sets = list(DataSet.objects.filter(active=True)
                         .select_related("contract", "contract__provider", "counterparty")
                         .order_by("pk"))
    for data_set in data_sets:
        done.data_sets += 1
        delivered = _delivered(data_set)
        with scopes_disabled():
            facts = {f.period_start: f for f in DeliveryFact.objects.filter(data_set=data_set.pk)}
        acting = Acting.system(data_set.contract.provider)
        for period in periods_due(data_set.cadence, data_set.due_days, data_set.starts, day):
            done.periods += 1
            at = delivered.get(period.start)
            due = due_on(period, data_set.due_days)
            fact = facts.get(period.start)
            if fact is None or fact.delivered_at != at or fact.due_on != due:
                fact = record_delivery_fact(
                    data_set.contract, data_set=data_set.pk, data_set_name=data_set.name,
                    period_start=period.start, period_end=period.end, due_on=due,
                    delivered_at=at, acting=acting)  # type: ignore[arg-type]
            if at is None:
                done.late += 1
                if (day - due).days <= TELL_WITHIN_DAYS:
                    done.told += _tell_late(data_set, period, due)
    return done


def _tell_late(data_set: DataSet, period: DataPeriod, due: date) -> int:
    link = reverse("exchange:data_set", args=[data_set.pk])
    way = "has not come" if data_set.direction == "in" else "has not been sent"
    given = 0
    for org in told(data_set):
        given += bool(notify_once(
            f"exchange-late:{data_set.pk}:{period.start.isoformat()}:{org.pk}",
            Kind.EXCHANGE_DELIVERY_LATE, users=administrators(org), organisation=org,
            acting=Acting.system(org), link=link, merge=False,
            title=f"{data_set.contract.code}: the {data_set.name} file is late",
            body=f"The file for {period.code} was due on {due:%Y-%m-%d} and {way}.").rows)
    return given


def overdue_since(data_set: DataSet, today: date | None = None) -> list[DataPeriod]:
    """The data set's periods past their due day without a file (for its page)."""
    day = today or timezone.localdate()
    delivered = _delivered(data_set)
    return [p for p in periods_due(data_set.cadence, data_set.due_days, data_set.starts, day)
            if p.start not in delivered][-12:]


__all__ = ["DueChecked", "check_due", "overdue_since"]
