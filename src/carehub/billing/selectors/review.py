"""Reads for the payer's review: the queue of its bills with filters, a bill with its lines
and decisions, the denial tally and the turnaround from service to payment.

The queue must stay fast at a million lines: it reads `Bill` only (never its lines,
unless the edit-results filter asks), walks the (payer, status, submitted_at) index
oldest first, and counts at most COUNT_CAP rows, never the whole table.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.billing.models import Bill, BillLine, BillStatus
from carehub.contracts.models import ContractParty
from carehub.core.money import CENT, ZERO
from carehub.listing import ListFilterSet, SortFilter
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind

COUNT_CAP = 1_000
MAX_PAGE = 200  # deeper than 10,000 bills: narrow the filter
PAGE_SIZE = 50


def plan_bills(acting: Acting) -> QuerySet[Bill]:
    """Every bill sent to the acting plan.

    Filtered by the plan itself, which is narrower than the scope's contract parties; the
    scope's join through the contracts' parties would cost the queue its index walk, so
    the queryset is built outside it (row-level security still applies on PostgreSQL)."""
    with scopes_disabled():
        return Bill.objects.filter(payer=acting.organisation)


def plan_bill(acting: Acting, pk: int) -> Bill:
    """One bill of the acting plan, or 404."""
    bill = (plan_bills(acting).select_related("cbo", "hub", "member", "contract", "decided_by")
            .filter(pk=pk).first())
    if bill is None:
        raise Http404("Not found")
    return bill


def hub_bill(acting: Acting, pk: int) -> Bill:
    bill = (Bill.objects.filter(hub=acting.organisation, pk=pk)
            .select_related("payer", "cbo", "member").first())
    if bill is None:
        raise Http404("Not found")
    return bill


def pended_for(acting: Acting) -> QuerySet[Bill]:
    """Bills of the acting hub waiting for its answer, the oldest question first."""
    return (Bill.objects.filter(hub=acting.organisation, status=BillStatus.PENDED)
            .select_related("payer", "cbo").order_by("decided_at", "pk"))


def plan_cbos(acting: Acting) -> QuerySet[Organisation]:
    """CBOs delivering under the acting plan's contracts (the CBO filter's choices)."""
    parties = ContractParty.objects.filter(contract__payer=acting.organisation)
    return Organisation.objects.filter(kind=OrganisationKind.CBO,
                                       pk__in=parties.values("organisation_id")).order_by("name")


class IndexedSort(SortFilter):
    """The queue's columns are never empty: plain ASC/DESC, so that the indexes
    (payer, status, submitted_at) and (payer, status, amount) give the order (NULLS LAST on
    a descending sort would not match them)."""

    def get_ordering_value(self, param: str) -> Any:  # type: ignore[override]
        name = param.removeprefix("-")
        column = F(self.param_map.get(name, name))
        return column.desc() if param.startswith("-") else column.asc()


EDIT_CHOICES = (("clean", "All lines clean"), ("notes", "Has edit notes"))
STATUS_CHOICES = [(s.value, s.label) for s in BillStatus]
KIND_CHOICES = (("claim", "Claims"), ("invoice", "Invoices"))


class QueueFilterSet(ListFilterSet):
    """The queue's filters: waiting bills unless another status is chosen."""

    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, label="Status",
                                         empty_label="Waiting for review", method="by_status")
    kind = django_filters.ChoiceFilter(choices=KIND_CHOICES, label="Kind", empty_label="All")
    cbo = django_filters.ModelChoiceFilter(queryset=Organisation.objects.none(), label="CBO",
                                           empty_label="All")
    service = django_filters.CharFilter(label="Service code", method="by_service",
                                        max_length=32)
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte",
                                             label="Amount from")
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte",
                                             label="Amount to")
    age_min = django_filters.NumberFilter(label="Waiting at least (days)", method="by_age",
                                          min_value=0, max_value=3650)
    edits = django_filters.ChoiceFilter(choices=EDIT_CHOICES, label="Edit results",
                                        empty_label="All", method="by_edits")
    sort = IndexedSort(fields=(("submitted_at", "submitted_at"), ("amount", "amount"),
                              ("first_service", "first_service")),
                      field_labels={"submitted_at": "Oldest first", "-submitted_at": "Newest first",
                                    "amount": "Smallest amount", "-amount": "Largest amount",
                                    "first_service": "Earliest service",
                                    "-first_service": "Latest service"},
                      default="submitted_at")

    def __init__(self, *args: Any, acting: Acting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["cbo"].queryset = plan_cbos(acting)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # The status filter applies even when empty (the default is the waiting bills).
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            qs = qs.filter(status=BillStatus.SUBMITTED)
        return qs

    def by_status(self, queryset: QuerySet[Bill], name: str, value: str) -> QuerySet[Bill]:
        return queryset.filter(status=value)

    def by_service(self, queryset: QuerySet[Bill], name: str, value: str) -> QuerySet[Bill]:
        code = value.strip().upper()
        if not code:
            return queryset
        # `services` is space separated: match a whole code.
        return queryset.filter(Q(services=code) | Q(services__startswith=f"{code} ")
                               | Q(services__endswith=f" {code}")
                               | Q(services__contains=f" {code} "))

    def by_age(self, queryset: QuerySet[Bill], name: str, value: Decimal) -> QuerySet[Bill]:
        return queryset.filter(submitted_at__lte=timezone.now() - timedelta(days=int(value)))

    def by_edits(self, queryset: QuerySet[Bill], name: str, value: str) -> QuerySet[Bill]:
        with scopes_disabled():  # the outer query is the plan's bills already
            noted = BillLine.objects.filter(bill_id=OuterRef("pk")).exclude(failures=[])
        return queryset.filter(~Exists(noted) if value == "clean" else Exists(noted))

    class Meta:
        model = Bill
        fields: list[str] = []


@dataclass
class QueuePage:
    filterset: QueueFilterSet
    rows: list[Bill]
    number: int
    has_next: bool
    count: int  # capped at COUNT_CAP + 1
    rejected: bool

    @property
    def count_label(self) -> str:
        return f"{COUNT_CAP:,}+" if self.count > COUNT_CAP else f"{self.count:,}"

    @property
    def form(self) -> forms.Form:
        return self.filterset.form

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.rows)


def queue_filterset(acting: Acting, params: Any) -> QueueFilterSet:
    return QueueFilterSet(params, queryset=plan_bills(acting), acting=acting)


def queue(acting: Acting, params: Any) -> QueuePage:
    """One page of the queue for the query string `params` (filters, sort, page)."""
    filterset = queue_filterset(acting, params)
    rejected = not filterset.is_valid()
    try:
        number = max(1, min(int(params.get("page") or 1), MAX_PAGE))
    except ValueError:
        number = 1
    if rejected:
        return QueuePage(filterset, [], 1, False, 0, True)
    at = (number - 1) * PAGE_SIZE
    # The page's ids first (narrow rows: the sort and limit stay cheap), then those bills
    # with their CBO and member. One row more than a page says whether there is a next
    # page without counting.
    ids = list(filterset.qs.values_list("pk", flat=True)[at:at + PAGE_SIZE + 1])
    found = {b.pk: b for b in plan_bills(acting).filter(pk__in=ids[:PAGE_SIZE])
             .select_related("cbo", "member")} if ids else {}
    rows = [found[pk] for pk in ids[:PAGE_SIZE]]
    count = filterset.qs.order_by()[:COUNT_CAP + 1].count()
    now = timezone.now()
    for bill in rows:
        bill.age_days = (now - bill.submitted_at).days  # type: ignore[attr-defined]
        bill.status_label = BillStatus(bill.status).label  # type: ignore[attr-defined]
    return QueuePage(filterset, rows, number, len(ids) > PAGE_SIZE and number < MAX_PAGE,
                     count, False)


def filtered_for_bulk(acting: Acting, params: Any) -> QuerySet[Bill] | None:
    """The waiting bills the filter shows (every page), or None for a refused filter."""
    filterset = queue_filterset(acting, params)
    if not filterset.is_valid():
        return None
    return filterset.qs.filter(status=BillStatus.SUBMITTED)


def denial_tally(acting: Acting) -> list[dict[str, Any]]:
    """Denied bills of the plan per reason code, the most frequent first."""
    from carehub.billing.services.review import DENIAL_REASONS

    rows = (plan_bills(acting).filter(status=BillStatus.DENIED).order_by()
            .values("reason_code").annotate(bills=Count("pk"), amount=Sum("amount"))
            .order_by("-bills", "reason_code"))
    return [{"code": r["reason_code"], "label": DENIAL_REASONS.get(r["reason_code"], ""),
             "bills": r["bills"], "amount": (r["amount"] or ZERO).quantize(CENT)} for r in rows]


@dataclass(frozen=True)
class Stage:
    label: str
    bills: int
    median: float | None
    p90: float | None


def _p90(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # Nearest rank: the smallest value at or above 90% of the bills.
    rank = max(1, -(-9 * len(ordered) // 10))
    return float(ordered[rank - 1])


TURNAROUND_SAMPLE = 20_000


def turnaround(acting: Acting) -> list[Stage]:
    """Days from service to submission, submission to decision and decision to payment
    (median and 90th percentile) over the plan's latest TURNAROUND_SAMPLE bills."""
    rows = list(plan_bills(acting).order_by("-submitted_at")
                .values_list("first_service", "submitted_at", "decided_at", "paid_at")
                [:TURNAROUND_SAMPLE])
    stages: dict[str, list[int]] = {"service": [], "decision": [], "payment": []}
    for served, submitted, decided, paid in rows:
        stages["service"].append((timezone.localdate(submitted) - served).days)
        if decided is not None:
            stages["decision"].append((decided - submitted).days)
            if paid is not None:
                stages["payment"].append((paid - decided).days)
    labels = {"service": "Service to submission", "decision": "Submission to decision",
              "payment": "Decision to payment"}
    return [Stage(labels[k], len(v), statistics.median(v) if v else None, _p90(v))
            for k, v in stages.items()]
