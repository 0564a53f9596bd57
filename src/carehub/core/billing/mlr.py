"""The medical loss ratio report of a contract for a year, from the `mlr` label every
payment component carries (medical care, quality improvement, administration; see
`carehub.core.terms.MLR_CATEGORIES`).

The input is any iterable of (date or period, mlr label, amount): statement lines with
their statement's period, or dated amounts. A period counts in the year it falls in; one
that crosses a new year is refused (split it by month first). The MLR numerator is
medical care plus quality improvement; the ratio is the numerator over premium revenue
when the premium is given. Shares and the ratio are written to four decimals (0.8512 is
85.12%), half-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from carehub.core.money import ZERO, money, round_to
from carehub.core.periods import Span
from carehub.core.settlement.statement import Statement
from carehub.core.terms import MLR_CATEGORIES
from carehub.core.validation import InputError

RATIO_PLACES = Decimal("0.0001")
NUMERATOR = ("medical", "quality")


class MlrError(InputError):
    """Entries that cannot be reported; `.errors` names each (entry 3: ...)."""


@dataclass(frozen=True)
class MlrReport:
    contract: str
    year: int
    totals: dict[str, Decimal]  # every category, 0.00 when nothing was labelled so
    total: Decimal
    shares: dict[str, Decimal | None]  # of the total; None when the total is zero
    numerator: Decimal  # medical + quality
    premium: Decimal | None
    ratio: Decimal | None  # numerator / premium, when the premium is given

    def to_json_dict(self) -> dict[str, object]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {"contract": self.contract, "year": self.year,
                "totals": {category: str(amount) for category, amount in self.totals.items()},
                "total": str(self.total),
                "shares": {category: text(share) for category, share in self.shares.items()},
                "numerator": str(self.numerator), "premium": text(self.premium),
                "ratio": text(self.ratio)}


def _year_of(when: object) -> int | None:
    if isinstance(when, date):
        return when.year
    if isinstance(when, Span):
        return when.start.year if when.start.year == when.end.year else None
    raise TypeError


def _positive_money(value: object) -> bool:
    if not isinstance(value, Decimal):
        return False
    try:
        return money(value) > 0
    except ValueError:
        return False


def mlr_report(entries: Iterable[tuple[date | Span, str, Decimal]], year: int, *,
               contract: str = "", premium: Decimal | None = None) -> MlrReport:
    """Totals per MLR category for `year` (entries of other years are left out), each
    category's share of the total, the numerator and, given premium revenue, the ratio."""
    errors: list[tuple[str, str]] = []
    totals = dict.fromkeys(MLR_CATEGORIES, ZERO)
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        try:
            when, category, amount = entry
        except (TypeError, ValueError):
            errors.append((where, "must be (date or period, mlr label, amount)"))
            continue
        try:
            entry_year = _year_of(when)
        except TypeError:
            errors.append((where, f"must start with a date or a period, got {when!r}"))
            continue
        if entry_year is None:
            errors.append((where, f"period {when} crosses a new year: split it by month"))
            continue
        if category not in totals:
            errors.append((where, f'mlr label "{category}" is not one of '
                                  f"{', '.join(MLR_CATEGORIES)}"))
            continue
        try:
            if not isinstance(amount, Decimal):
                raise TypeError
            value = money(amount)
        except (TypeError, ValueError):
            errors.append((where, f"amount must be a Decimal with at most two decimals, "
                                  f"got {amount!r}"))
            continue
        if entry_year == year:
            totals[category] += value
    if premium is not None and not _positive_money(premium):
        errors.append(("premium", f"must be a positive amount with at most two decimals, "
                                  f"got {premium!r}"))
    if errors:
        raise MlrError(errors)
    total = sum(totals.values(), ZERO)
    shares = {category: (round_to(amount / total, RATIO_PLACES) if total else None)
              for category, amount in totals.items()}
    numerator = sum((totals[category] for category in NUMERATOR), ZERO)
    ratio = None if premium is None else round_to(numerator / premium, RATIO_PLACES)
    return MlrReport(contract=contract, year=year, totals=totals, total=total, shares=shares,
                     numerator=numerator, premium=None if premium is None else money(premium),
                     ratio=ratio)


def statement_entries(statements: Iterable[Statement]) -> list[tuple[date | Span, str, Decimal]]:
    """(period, mlr, amount) for every line of settlement statements, adjustment
    statements included."""
    return [(statement.period, line.mlr, line.amount)
            for statement in statements for line in statement.lines]
