"""The statement: every amount owed for a period, each with the rule and arithmetic behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from carehub.core.money import fmt
from carehub.core.periods import Span
from carehub.core.terms import MLR_CATEGORIES
from carehub.core.validation import InputError, Reader, join


class StatementError(InputError):
    """An issued statement (for `--previous`) that cannot be read."""


@dataclass(frozen=True, slots=True)
class Line:
    component: str
    label: str
    quantity: str
    rate: Decimal
    amount: Decimal
    basis: str
    mlr: str = "medical"

    def to_json_dict(self) -> dict[str, str]:
        return {"component": self.component, "label": self.label, "quantity": self.quantity,
                "rate": fmt(self.rate), "amount": fmt(self.amount), "basis": self.basis}


@dataclass(frozen=True)
class Statement:
    contract: str
    period: Span
    lines: tuple[Line, ...]
    # True when the lines are corrections to statements already issued for the period.
    adjustment: bool = False

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def by_mlr(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for category in MLR_CATEGORIES:
            lines = [line.amount for line in self.lines if line.mlr == category]
            if lines:
                totals[category] = sum(lines, Decimal("0.00"))
        return totals

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "contract": self.contract,
            "period": {"start": self.period.start.isoformat(),
                       "end": self.period.end.isoformat()},
            "lines": [line.to_json_dict() for line in self.lines],
            "total": fmt(self.total),
            "by_mlr": {category: fmt(amount) for category, amount in self.by_mlr().items()},
        }
        if self.adjustment:
            data["adjustment"] = True
        return data

    def to_table(self) -> str:
        header = ("component", "label", "quantity", "rate", "amount", "basis")
        rows = [(line.component, line.label, line.quantity, fmt(line.rate), fmt(line.amount),
                 line.basis) for line in self.lines]
        widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(5)]
        numeric = (False, False, True, True, True)

        def render(row: tuple[str, ...]) -> str:
            cells = [row[i].rjust(widths[i]) if numeric[i] else row[i].ljust(widths[i])
                     for i in range(5)]
            return "  ".join([*cells, row[5]]).rstrip()

        title = (f"{self.contract}  {self.period}"
                 + ("  (adjustments to statements already issued)" if self.adjustment else ""))
        out = [title, render(header), render(tuple("-" * w for w in widths) + ("-----",))]
        out += [render(row) for row in rows]
        out.append(render(("total", "", "", "", fmt(self.total), "")))
        for category, amount in self.by_mlr().items():
            out.append(render((f"  {category}", "", "", "", fmt(amount), "")))
        return "\n".join(out)


def load_statement(data: Any, source: str = "") -> Statement:
    """Read an issued statement back (the JSON `Statement.to_json_dict` writes)."""
    reader = Reader()
    top = reader.mapping(data, "", "a statement mapping {contract, period, lines, total}")
    if top is None:
        raise StatementError(reader.all_errors(), source)
    contract = reader.text(top, "contract", "")
    period_raw = reader.mapping(top.get("period"), "period", "a mapping {start, end}")
    start = end = None
    if period_raw is not None:
        start = reader.day(period_raw, "start", "period")
        end = reader.day(period_raw, "end", "period")
    lines: list[Line] = []
    for index, raw in enumerate(reader.sequence(top.get("lines"), "lines", "statement lines")
                                or []):
        path = join("lines", index)
        item = reader.mapping(raw, path)
        if not isinstance(item, Mapping):
            continue
        component = reader.text(item, "component", path)
        label = reader.text(item, "label", path)
        amount = reader.money(item, "amount", path, allow_negative=True)
        rate = reader.money(item, "rate", path, required=False, allow_negative=True)
        quantity = str(item.get("quantity", "1"))
        if component and label and amount is not None:
            lines.append(Line(component, label, quantity, rate or Decimal("0.00"), amount,
                              str(item.get("basis", ""))))
    if reader.errors or contract is None or start is None or end is None:
        raise StatementError(reader.all_errors(), source)
    return Statement(contract, Span(start, end), tuple(lines),
                     adjustment=bool(top.get("adjustment", False)))
