"""Forms of the payer's review: a decision on one bill, a bulk confirmation, an answer."""

from __future__ import annotations

from django import forms

from carehub.billing.services.review import DENIAL_REASONS


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
