"""Reads of bill lines, given the acting organisation: a CBO sees its own lines, the hub
the lines of the contracts it provides."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.billing.models import BillLine, LineStatus
from carehub.contracts.models import Contract, TermsVersion
from carehub.contracts.selectors import is_in_effect
from carehub.core.money import round_cents
from carehub.tenancy.access import Acting

# The CBO page's sections: (key, title, statuses).
SECTIONS = (
    ("fix", "Needs a fix", (LineStatus.FAILING,)),
    ("ready", "Ready to bill", (LineStatus.READY,)),
    ("submitted", "Submitted", (LineStatus.SUBMITTED, LineStatus.PENDED, LineStatus.APPROVED,
                                LineStatus.DENIED)),
    ("paid", "Paid", (LineStatus.PAID,)),
)


def cbo_lines(acting: Acting, period: str) -> QuerySet[BillLine]:
    with scopes_disabled():
        return (BillLine.objects.filter(cbo=acting.organisation, period=period)
                .select_related("member", "bill").order_by("service_date", "pk"))


def cbo_periods(acting: Acting) -> list[str]:
    with scopes_disabled():
        return list(BillLine.objects.filter(cbo=acting.organisation)
                    .values_list("period", flat=True).distinct().order_by("-period"))


def get_line(acting: Acting, pk: int) -> BillLine:
    """A line of the acting CBO, or of a contract the acting hub provides; else 404."""
    org = acting.organisation
    with scopes_disabled():
        found = (BillLine.objects.filter(Q(cbo=org) | Q(hub=org), pk=pk)
                 .select_related("member", "contract").first())
    if found is None:
        raise Http404("Not found")
    return found


def hub_contracts(acting: Acting) -> QuerySet[Contract]:
    with scopes_disabled():
        return Contract.objects.filter(provider=acting.organisation).order_by("code")


def default_contract(contracts: list[Contract]) -> Contract | None:
    """The contract the console opens on: the one with the latest lines still to bill,
    else the first in effect with payment terms, else the first."""
    if not contracts:
        return None
    with scopes_disabled():
        waiting = (BillLine.objects.filter(contract__in=contracts, bill__isnull=True)
                   .order_by("-period").values_list("contract_id", flat=True).first())
        with_terms = set(TermsVersion.objects.filter(contract__in=contracts)
                         .values_list("contract_id", flat=True))
    by_pk = {c.pk: c for c in contracts}
    if waiting in by_pk:
        return by_pk[waiting]
    return next((c for c in contracts if c.pk in with_terms and is_in_effect(c)), contracts[0])


def default_month(contract: Contract | None, today: date) -> str:
    """The month the console opens on: the latest with lines still to bill, else last
    month (the one a hub bills at the start of this one)."""
    if contract is not None:
        with scopes_disabled():
            waiting = (BillLine.objects.filter(contract=contract, bill__isnull=True)
                       .order_by("-period").values_list("period", flat=True).first())
        if waiting:
            return waiting
    first = today.replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def get_hub_contract(acting: Acting, pk: int | str) -> Contract:
    with scopes_disabled():
        found = hub_contracts(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


@dataclass
class MonthSummary:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    amount_by_status: dict[str, Decimal] = field(default_factory=dict)
    failing: int = 0
    clean: int = 0
    failures_by_code: list[tuple[str, str, int]] = field(default_factory=list)
    by_cbo: list[dict[str, Any]] = field(default_factory=list)

    @property
    def clean_rate(self) -> Decimal | None:
        """Clean lines (passed every edit when checked) as a percent of the lines checked."""
        if not self.total:
            return None
        return (Decimal(100 * self.clean) / Decimal(self.total)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def status_rows(self) -> list[tuple[str, int, Decimal]]:
        """(label, lines, amount) per status, in the order of the line's life."""
        return [(label, self.by_status[value], self.amount_by_status[value])
                for value, label in LineStatus.choices if value in self.by_status]

    @property
    def ready(self) -> int:
        return self.by_status.get(LineStatus.READY, 0)


def month_summary(contract: Contract, period: str) -> MonthSummary:
    """Counts by status, the clean-line rate, failures by edit code and a split per CBO."""
    from carehub.core.billing.edits import EDIT_CODES

    found = MonthSummary()
    with scopes_disabled():
        lines = BillLine.objects.filter(contract=contract, period=period)
        for status, count, amount in (lines.values("status").annotate(n=Count("pk"),
                                                                      a=Sum("amount"))
                                      .values_list("status", "n", "a")):
            found.by_status[status] = count
            # SQLite sums decimals as floats: back to cents.
            found.amount_by_status[status] = round_cents(Decimal(str(amount or 0)))
        found.total = sum(found.by_status.values())
        found.failing = found.by_status.get(LineStatus.FAILING, 0)
        found.clean = found.total - found.failing
        tally: Counter[str] = Counter()
        for failures in lines.filter(status=LineStatus.FAILING).values_list("failures",
                                                                           flat=True):
            tally.update({f["code"] for f in failures})
        found.failures_by_code = [(code, EDIT_CODES[code].title if code in EDIT_CODES else "",
                                   count) for code, count in sorted(tally.items())]
        rows: dict[str, dict[str, Any]] = {}
        for name, status, count in (lines.values("cbo__name", "status")
                                    .annotate(n=Count("pk"))
                                    .values_list("cbo__name", "status", "n")):
            row = rows.setdefault(name, {"cbo": name, "total": 0, "failing": 0, "ready": 0,
                                         "billed": 0})
            row["total"] += count
            if status == LineStatus.FAILING:
                row["failing"] += count
            elif status == LineStatus.READY:
                row["ready"] += count
            else:
                row["billed"] += count
        found.by_cbo = [rows[k] for k in sorted(rows)]
    return found
