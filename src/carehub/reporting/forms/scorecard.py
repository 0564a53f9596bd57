"""The scorecard's period picker: a month, a quarter, a contract year or a custom span,
read into a `Period` (errors name the field)."""

from __future__ import annotations

from datetime import date

from django import forms

from carehub.core.scorecard.periods import (
    CONTRACT_YEAR,
    CUSTOM,
    MONTH,
    QUARTER,
    Period,
    PeriodError,
    contract_year_period,
    custom_period,
    parse_period,
)

KIND_CHOICES = [(MONTH, "Month"), (QUARTER, "Quarter"), (CONTRACT_YEAR, "Contract year"),
                (CUSTOM, "Custom dates")]


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label="Period", choices=KIND_CHOICES, initial=MONTH)
    month = forms.CharField(label="Month", required=False,
                            widget=forms.TextInput(attrs={"type": "month"}),
                            help_text="YYYY-MM")
    quarter = forms.RegexField(label="Quarter", required=False, regex=r"^\d{4}-[Qq][1-4]$",
                               help_text="YYYY-Qn, e.g. 2026-Q1",
                               error_messages={"invalid": "Write the quarter as YYYY-Qn."})
    year = forms.IntegerField(label="Contract year starting in", required=False,
                              min_value=2000, max_value=2100)
    start = forms.DateField(label="From", required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, contract_start: date | None = None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.contract_start = contract_start

    def clean(self) -> dict:  # type: ignore[type-arg]
        data = super().clean() or {}
        kind = data.get("kind")
        try:
            if kind == MONTH:
                if not data.get("month"):
                    self.add_error("month", "Choose a month.")
                else:
                    data["period"] = parse_period(data["month"])
            elif kind == QUARTER:
                if not data.get("quarter"):
                    self.add_error("quarter", "Write the quarter as YYYY-Qn.")
                else:
                    data["period"] = parse_period(data["quarter"])
            elif kind == CONTRACT_YEAR:
                if not data.get("year"):
                    self.add_error("year", "Give the year the contract year starts in.")
                elif self.contract_start is None:
                    self.add_error("year", "The contract has no start date; pick a custom "
                                           "span instead.")
                else:
                    data["period"] = contract_year_period(self.contract_start, data["year"])
            elif kind == CUSTOM:
                if not data.get("start") or not data.get("end"):
                    self.add_error("start" if not data.get("start") else "end",
                                   "Give both the first and the last day.")
                else:
                    data["period"] = custom_period(data["start"], data["end"])
        except PeriodError as error:
            self.add_error("end" if kind == CUSTOM else kind, str(error))
        return data


def initial_for(period: Period) -> dict[str, object]:
    """The picker's fields showing `period`."""
    values: dict[str, object] = {"kind": period.kind if period.kind != "year" else CUSTOM}
    if period.kind == MONTH:
        values["month"] = period.code
    elif period.kind == QUARTER:
        values["quarter"] = period.code
    elif period.kind == CONTRACT_YEAR:
        values["year"] = period.start.year
    else:
        values.update(kind=CUSTOM, start=period.start, end=period.end)
    return values
