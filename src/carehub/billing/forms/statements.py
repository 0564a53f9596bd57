"""Forms of the statement pages: settle a month, filter the list, the MLR report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import django_filters
from django import forms

from carehub.billing.models import Statement, StatementKind
from carehub.listing import ListFilterSet, SortFilter


def month_choices(today: date, count: int = 12) -> list[tuple[str, str]]:
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append((f"{year:04d}-{month:02d}", date(year, month, 1).strftime("%B %Y")))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def contract_label(contract: Any) -> str:
    return f"{contract.code} · {contract.payer.name} → {contract.provider.name}"


class SettleForm(forms.Form):
    contract = forms.TypedChoiceField(coerce=int, label="Contract")
    period = forms.ChoiceField(label="Month")

    def __init__(self, *args: Any, contracts: list[Any], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [  # type: ignore[attr-defined]
            (c.pk, contract_label(c)) for c in contracts]
        self.fields["period"].choices = month_choices(today)  # type: ignore[attr-defined]


class StatementFilterSet(ListFilterSet):
    contract = django_filters.ModelChoiceFilter(label="Contract", queryset=None,
                                                empty_label="Any contract")
    period = django_filters.CharFilter(label="Month (YYYY-MM)", lookup_expr="exact")
    kind = django_filters.ChoiceFilter(label="Kind", choices=StatementKind.choices,
                                       empty_label="Any kind")
    sort = SortFilter(fields=(("period", "period"), ("issued_at", "issued"),
                              ("total", "total")),
                      field_labels={"period": "Month", "issued_at": "Issued",
                                    "total": "Total"},
                      default="-issued")

    class Meta:
        model = Statement
        fields: list[str] = []

    def __init__(self, *args: Any, contracts: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.filters["contract"]
        field.queryset = contracts


class MlrForm(forms.Form):
    contract = forms.TypedChoiceField(coerce=int, label="Contract")
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100)
    premium = forms.DecimalField(label="Premium for the year (optional)", required=False,
                                 max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
                                 help_text="Given, the report shows the medical loss ratio.")

    def __init__(self, *args: Any, contracts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [  # type: ignore[attr-defined]
            (c.pk, contract_label(c)) for c in contracts]
