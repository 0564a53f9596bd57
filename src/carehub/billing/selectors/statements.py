"""Reads of issued statements, always given the acting organisation: a contract's payer
and provider see its statements; CBOs do not (a contract statement is between the plan
and the hub). Also the month's net (original and adjustments together) and the MLR
report per contract and year from the issued lines' `mlr` labels (the arithmetic is
`core.billing.mlr`'s)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.billing.models import Statement, StatementLine
from carehub.contracts import selectors as contract_selectors
from carehub.contracts.models import Contract
from carehub.core.billing import mlr as core_mlr
from carehub.core.billing.mlr import MlrReport
from carehub.core.money import ZERO
from carehub.core.terms import MLR_CATEGORIES
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Role

READERS = (Role.HUB_ADMIN, Role.PAYER_MANAGER, Role.PAYER_ANALYST)
SETTLERS = (Role.HUB_ADMIN, Role.PAYER_MANAGER)
MLR_NAMES = {"medical": "Medical (clinical services)", "quality": "Quality improvement",
             "admin": "Administrative"}


def _mine(acting: Acting) -> Q:
    org = acting.organisation
    return Q(payer=org) | Q(provider=org)


def contracts_for(acting: Acting) -> QuerySet[Contract]:
    """Contracts the organisation pays or provides (statements are theirs)."""
    with scopes_disabled():
        return (Contract.objects.filter(_mine(acting)).select_related("payer", "provider")
                .order_by("code"))


def contracts_to_settle(acting: Acting) -> list[Contract]:
    """Contracts in effect the organisation pays or provides."""
    org = acting.organisation
    with scopes_disabled():
        return list(contract_selectors.contracts_in_effect(org)
                    .filter(Q(payer=org) | Q(provider=org))
                    .select_related("payer", "provider").order_by("code"))


def statements_for(acting: Acting) -> QuerySet[Statement]:
    with scopes_disabled():
        return (Statement.objects.filter(_mine(acting))
                .select_related("contract", "payer", "provider", "terms_version"))


def get_statement(acting: Acting, pk: int) -> Statement:
    with scopes_disabled():
        found = statements_for(acting).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def lines_of(statement: Statement) -> list[StatementLine]:
    with scopes_disabled():
        return list(StatementLine.objects.filter(statement=statement).order_by("position"))


def month_of(statement: Statement) -> list[Statement]:
    """The original and every adjustment of the statement's contract and month."""
    with scopes_disabled():
        return list(Statement.objects.filter(contract_id=statement.contract_id,
                                             period=statement.period)
                    .order_by("sequence").prefetch_related("lines"))


@dataclass
class NetLine:
    component: str
    label: str
    mlr: str
    amounts: list[Decimal] = field(default_factory=list)  # per statement of the month

    @property
    def net(self) -> Decimal:
        return sum(self.amounts, ZERO)


def month_net(statements: list[Statement]) -> tuple[list[NetLine], list[Decimal], Decimal]:
    """Per (component, label): the amount on each statement of the month and the net; an
    adjustment's line counts against the line it names. With the totals per statement
    and the month's net total."""
    rows: dict[tuple[str, str], NetLine] = {}
    for index, statement in enumerate(statements):
        for line in statement.lines.all():
            key = (line.component, line.label.removeprefix("Adjustment: "))
            row = rows.setdefault(key, NetLine(key[0], key[1], line.mlr,
                                               [ZERO] * len(statements)))
            row.amounts[index] += line.amount
    totals = [s.total for s in statements]
    return list(rows.values()), totals, sum(totals, ZERO)


@dataclass
class MlrPage:
    """The core report (`core.billing.mlr`) with what the page shows beside it."""

    contract: Contract
    year: int
    statements: int
    by_category: list[dict[str, Any]]  # category, name, amount, percent (of the total)
    report: MlrReport

    @property
    def total(self) -> Decimal:
        return self.report.total

    @property
    def premium(self) -> Decimal | None:
        return self.report.premium

    @property
    def ratio(self) -> Decimal | None:
        """(medical + quality improvement) ÷ premium, as a percentage to two decimals."""
        return None if self.report.ratio is None else _percent(self.report.ratio)


def mlr_report(acting: Acting, contract_pk: int, year: int,
               premium: Decimal | None = None) -> MlrPage:
    """Medical, quality-improvement and administrative spending on the contract's issued
    statements (originals and adjustments) for months of `year`, by the lines' `mlr`
    labels, with each category's share and, given the premium, the medical loss ratio
    (`core.billing.mlr.mlr_report`)."""
    contract = contracts_for(acting).filter(pk=contract_pk).first()
    if contract is None:
        raise Http404("Not found")
    with scopes_disabled():
        chosen = Statement.objects.filter(contract=contract, period__startswith=f"{year:04d}-")
        entries = [(start, mlr, amount) for start, mlr, amount in
                   StatementLine.objects.filter(statement__in=chosen)
                   .values_list("statement__period_start", "mlr", "amount")]
        count = chosen.count()
    report = core_mlr.mlr_report(entries, year, contract=contract.code, premium=premium)
    rows = [{"category": category, "name": MLR_NAMES[category],
             "amount": report.totals[category],
             "percent": None if report.shares[category] is None
             else _percent(report.shares[category])}  # type: ignore[arg-type]
            for category in MLR_CATEGORIES]
    return MlrPage(contract, year, count, rows, report)


def _percent(fraction: Decimal) -> Decimal:
    """A share written to four decimals (0.0545) as a percentage (5.45)."""
    return (fraction * 100).quantize(Decimal("0.01"))
