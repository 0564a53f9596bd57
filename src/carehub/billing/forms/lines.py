"""Forms of the CBO billing page and the hub console."""

from __future__ import annotations

import re

from django import forms

from carehub.billing.models import BillLine

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class CorrectLineForm(forms.Form):
    """What a CBO may correct on a line; the service checks each value."""

    diagnosis_codes = forms.CharField(
        label="Social needs (Z) codes", max_length=60, required=False,
        help_text="ICD-10-CM codes separated by spaces, e.g. Z59.41")
    place_of_service = forms.CharField(label="Place of service", max_length=2, required=False,
                                       help_text="Two digits: 12 home, 11 office, 99 other")
    modifiers = forms.CharField(label="Modifiers", max_length=20, required=False,
                                help_text="Up to four, separated by spaces")
    units = forms.IntegerField(label="Units", min_value=1, max_value=9999)
    hcpcs = forms.CharField(label="HCPCS code", max_length=5, required=False,
                            help_text="Only codes in the contract's fee schedule")

    def __init__(self, *args, line: BillLine, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("initial", {
            "diagnosis_codes": line.diagnosis_codes, "place_of_service": line.place_of_service,
            "modifiers": line.modifiers, "units": line.units, "hcpcs": line.hcpcs})
        kwargs.setdefault("auto_id", f"line-{line.pk}-%s")
        super().__init__(*args, **kwargs)
        self.line = line

    def changes(self) -> dict[str, object]:
        """Only the fields whose value differs from the line's."""
        return {name: value for name, value in self.cleaned_data.items()
                if str(value if value is not None else "") != str(getattr(self.line, name))}


class MonthForm(forms.Form):
    period = forms.RegexField(regex=PERIOD, label="Month", max_length=7,
                              error_messages={"invalid": "Write the month as YYYY-MM."})


class HubMonthForm(MonthForm):
    contract = forms.ChoiceField(label="Contract")

    def __init__(self, *args, contracts, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [(str(c.pk), f"{c.code} · {c.name}") for c in contracts]
        self.order_fields(["contract", "period"])
