"""Forms of the joint operating committee pages."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms

from carehub.reporting.models.joc import CommitteeRole, Meeting
from carehub.reporting.selectors.joc import DOMAINS, MINUTES_SECTIONS

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period(value: str) -> str:
    value = value.strip()
    if not PERIOD.match(value):
        raise forms.ValidationError("Write the month as YYYY-MM, e.g. 2026-11.")
    return value


class CommitteeForm(forms.Form):
    contract = forms.TypedChoiceField(coerce=int, label="Contract")
    name = forms.CharField(max_length=200)
    cadence = forms.CharField(max_length=80, required=False,
                              help_text="Left empty: the scope of work's JOC cadence.")

    def __init__(self, *args: Any, contracts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["contract"]).choices = [(c.pk, f"{c.code} {c.name}") for c in contracts]


class MemberForm(forms.Form):
    role = forms.ChoiceField(choices=CommitteeRole.choices)
    user = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                  label="A carehub user")
    name = forms.CharField(max_length=200, required=False, label="Or an outside person's name")
    email = forms.EmailField(required=False, label="Their e-mail")
    organisation = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, users: list[tuple[int, str]],
                 organisations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["user"]).choices = [("", "—"), *users]
        cast(forms.ChoiceField, self.fields["organisation"]).choices = [("", "—"), *organisations]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("user") and not (data.get("name") or "").strip():
            self.add_error("name", "Choose a user, or give the person's name.")
        return data


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(label="Date and time",
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    period = forms.CharField(max_length=7, label="Month it reviews (YYYY-MM)")
    domains = forms.MultipleChoiceField(choices=list(DOMAINS.items()), required=False,
                                        widget=forms.CheckboxSelectMultiple,
                                        label="Data domains to present")

    def clean_period(self) -> str:
        return _period(self.cleaned_data["period"])


class StoryForm(forms.Form):
    member = forms.TypedChoiceField(coerce=int, label="Member (with story-sharing consent)")
    told_by = forms.CharField(max_length=200, label="Told by")
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="Person-first, strengths-based; no names, ids, dates, "
                                     "phone numbers or addresses.")

    def __init__(self, *args: Any, members: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["member"]).choices = [(m.pk, f"{m.member_id} {m.first_name} {m.last_name}")
                                         for m in members]


class MinutesForm(forms.ModelForm):
    present = forms.TypedMultipleChoiceField(coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple,
                                             label="Present")

    class Meta:
        model = Meeting
        fields = [name for name, _ in MINUTES_SECTIONS]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name, _ in MINUTES_SECTIONS}
        labels = dict(MINUTES_SECTIONS)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["present"]).choices = people
        self.order_fields(["present"])  # attendance first, then the minutes


class ActionForm(forms.Form):
    text = forms.CharField(max_length=500, label="Action")
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                   label="Owner")
    owner_name = forms.CharField(max_length=200, required=False,
                                 label="Or an owner outside carehub")
    due_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due")

    def __init__(self, *args: Any, users: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = [("", "—"), *users]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("owner") and not (data.get("owner_name") or "").strip():
            self.add_error("owner_name", "Every action item needs an owner.")
        return data


class ConferenceNoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                           label="Note from the conference")
    follow_up = forms.CharField(max_length=300, required=False, label="Follow-up")

