"""Readiness forms: the assessment (one group of questions per domain), a TA task, a
capacity fund with its milestones, and a library document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from carehub.reporting import readiness_questions as questions
from carehub.reporting.models.readiness import DocumentKind
from carehub.reporting.services.readiness import MilestonePlan

DOMAIN_CHOICES = [("", "(none)"), *((d.key, d.label) for d in questions.DOMAINS)]


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("assessed_on", date.today())
        for domain in questions.DOMAINS:
            for question in domain.questions:
                self.fields[f"q_{question.key}"] = forms.TypedChoiceField(
                    label=question.text, choices=questions.ANSWERS, coerce=int,
                    widget=forms.RadioSelect)
                self.fields[f"n_{question.key}"] = forms.CharField(
                    label=f"Note on: {question.text}", required=False, max_length=500)

    def groups(self) -> list[dict[str, Any]]:
        """Per domain, its questions' answer and note fields (for the template)."""
        return [{"domain": domain,
                 "rows": [(self[f"q_{q.key}"], self[f"n_{q.key}"]) for q in domain.questions]}
                for domain in questions.DOMAINS]

    def answers(self) -> dict[str, tuple[int, str]]:
        data = self.cleaned_data
        return {q.key: (data[f"q_{q.key}"], data.get(f"n_{q.key}", ""))
                for d in questions.DOMAINS for q in d.questions}


class TaskForm(forms.Form):
    title = forms.CharField(max_length=120, label="Task")
    domain = forms.ChoiceField(choices=DOMAIN_CHOICES, required=False)
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                   label="Owner (hub or CBO user)")
    owner_name = forms.CharField(max_length=120, required=False,
                                 label="Or the owner's name")
    due = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "(nobody yet)"), *owners]


class FundForm(forms.Form):
    purpose = forms.CharField(max_length=300)
    starts = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    milestones = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line: name; amount; due date (optional), e.g. "
                  "\"Billing workflow live; 5000.00; 2026-03-31\".")

    def clean_milestones(self) -> list[MilestonePlan]:
        out = []
        for number, raw in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not raw.strip():
                continue
            parts = [p.strip() for p in raw.split(";")]
            if len(parts) not in (2, 3) or not parts[0]:
                raise forms.ValidationError(
                    f"Line {number}: write name; amount; due date (the date may be left out).")
            try:
                amount = Decimal(parts[1].replace(",", "").replace("$", ""))
            except InvalidOperation:
                raise forms.ValidationError(
                    f"Line {number}: {parts[1]!r} is not an amount such as 5000.00.") from None
            due = None
            if len(parts) == 3 and parts[2]:
                try:
                    due = date.fromisoformat(parts[2])
                except ValueError:
                    raise forms.ValidationError(
                        f"Line {number}: {parts[2]!r} is not a date such as 2026-03-31."
                    ) from None
            out.append(MilestonePlan(parts[0], amount, due))
        if not out:
            raise forms.ValidationError("Add at least one milestone.")
        return out


class DocumentForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=DocumentKind.choices)
    description = forms.CharField(max_length=500, required=False)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="Write the document here, or choose a file below.")
    file = forms.FileField(required=False,
                           help_text="PDF, DOCX, XLSX, CSV, TXT or MD, up to 10 MB.")
    shared = forms.BooleanField(required=False, initial=True,
                                label="Share with the network's CBOs")
