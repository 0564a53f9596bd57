"""Forms of the payer's review: a decision on one bill, a bulk confirmation, an answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from carehub.billing.services.review import DENIAL_REASONS
from carehub.contracts.models import Contract


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=(("approve", "Approve"), ("deny", "Deny"),
                                        ("pend", "Pend with a question")), label="Decision")
    reason_code = forms.ChoiceField(
        choices=[("", "No reason (approve or pend)")]
        + [(code, f"{code} {label}") for code, label in DENIAL_REASONS.items()],
        required=False, label="Denial reason")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                           max_length=2000, label="Note or question")


class BulkConfirmForm(forms.Form):
    """The confirmed set travels signed: what was shown is what is approved."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=2_000_000)


class AnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             label="Your answer")


class RemittanceUploadForm(forms.Form):
    file = forms.FileField(label="835 file", help_text="An X12 835 (005010X221A1) from the plan.")


class IssuePayoutsForm(forms.Form):
    contract: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Contract.objects.none(), label="Contract")
    period = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", label="Month (YYYY-MM)",
                              max_length=7,
                              error_messages={"invalid": "Write the month as YYYY-MM."})

    def __init__(self, *args: Any, contracts: QuerySet[Contract], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label="Paid on", widget=forms.DateInput(attrs={"type": "date"}))
    payment_reference = forms.CharField(max_length=60, label="Payment reference")
