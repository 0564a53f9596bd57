"""Forms for the referral pages. Each action form carries the referral's `version` so a
stale submission is caught as a conflict instead of overwriting someone else's work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django import forms
from django.utils import timezone

from carehub.core.referral_states import STATE_LABELS, CloseReason, State
from carehub.core.screening import AHC_HRSN
from carehub.referrals.models import (
    AttemptOutcome,
    Barrier,
    Channel,
    ConsentKind,
    Setting,
)

SPANISH_FILE = Path(__file__).parent / "data" / "ahc_hrsn_es.json"


class PanelForm(forms.Form):
    """A form of the referral page. Several share the page, so each names its element ids
    after itself (`attempt_note`, `visit_note`): a label then points at its own input."""

    ids = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.ids}_%s")
        super().__init__(*args, **kwargs)


class VersionedForm(PanelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class TransitionForm(VersionedForm):
    target = forms.ChoiceField(label="Move to", choices=[
        (s.value, STATE_LABELS[s]) for s in State if s is not State.ASSIGNED])
    close_reason = forms.ChoiceField(label="Close reason", required=False, choices=[
        ("", "—"), *[(r.value, r.value.capitalize()) for r in CloseReason]])
    decline_reason = forms.CharField(label="Decline reason", required=False, max_length=200)
    note = forms.CharField(required=False, max_length=200)


class AttemptForm(VersionedForm):
    ids = "attempt"
    channel = forms.ChoiceField(choices=Channel.choices)
    outcome = forms.ChoiceField(choices=AttemptOutcome.choices)
    note = forms.CharField(required=False, max_length=300)


class ServiceForm(PanelForm):
    ids = "service"
    service_code = forms.CharField(label="Service code", max_length=32)
    date = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    units = forms.IntegerField(min_value=1, max_value=1000, initial=1)
    setting = forms.ChoiceField(choices=Setting.choices)
    note = forms.CharField(required=False, max_length=300)


class NoteForm(PanelForm):
    ids = "note"
    text = forms.CharField(label="Case note", widget=forms.Textarea(attrs={"rows": 3}))


class EscalationForm(PanelForm):
    ids = "escalation"
    barrier = forms.ChoiceField(choices=Barrier.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    resolution = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class FundsForm(PanelForm):
    ids = "funds"
    category = forms.CharField(max_length=40)
    amount = forms.CharField(max_length=12, help_text="dollars and cents, e.g. 25.00")
    date = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    receipt = forms.CharField(max_length=120, help_text="receipt number or reference")


class PathwayForm(PanelForm):
    ids = "pathway"
    pathway = forms.CharField(max_length=40, help_text="e.g. housing, food, medical_home")
    steps = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="one step per line")


class VisitForm(PanelForm):
    ids = "visit"
    date = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=Channel.choices, initial=Channel.HOME_VISIT)
    note = forms.CharField(required=False, max_length=300)

    def clean_date(self) -> Any:
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise forms.ValidationError("A visit cannot be recorded for a future date.")
        return day


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(choices=ConsentKind.choices)
    scope = forms.CharField(max_length=300, help_text="what may be shared, with whom")
    given_on = forms.DateField(initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ContactForm(forms.Form):
    do_not_contact = forms.BooleanField(required=False, label="Do not contact")
    preferred_channel = forms.ChoiceField(required=False, choices=[("", "—"), *Channel.choices])
    phone = forms.CharField(required=False, max_length=20)
    best_time = forms.CharField(required=False, max_length=60)
    languages = forms.CharField(required=False, max_length=120, help_text="comma-separated")


class ReferralCreateForm(forms.Form):
    member_id = forms.CharField(label="Plan member id", max_length=64)
    contract_code = forms.CharField(max_length=64, required=False)
    service_code = forms.CharField(max_length=32)
    service_type = forms.CharField(max_length=60, required=False,
                                   help_text="directory service type, for routing")
    organisation = forms.IntegerField(required=False, help_text="leave empty to route")
    anchor_date = forms.DateField(required=False, label="Discharge date",
                                  widget=forms.DateInput(attrs={"type": "date"}))
    override_reason = forms.CharField(
        required=False, max_length=250, label="Reason to override the contract's rules",
        help_text="hub administrators only; leave empty unless a referral was refused")


def spanish_texts() -> dict[str, Any]:
    """Spanish item and answer texts (see the file's `verified` flag and source)."""
    with SPANISH_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def screening_items(language: str) -> list[dict[str, Any]]:
    """The AHC HRSN items in the requested language, for rendering the form."""
    es = spanish_texts() if language == "es" else None
    out: list[dict[str, Any]] = []
    for item in AHC_HRSN.items:
        text = item.text_es or (es["items"].get(item.loinc) if es else None) or item.text_en
        options = []
        for o in item.options:
            label = o.text_es or (es["answers"].get(o.code) if es else None) or o.text_en
            options.append({"code": o.code, "text": label})
        out.append({"loinc": item.loinc, "number": item.number, "text": text,
                    "options": options, "multiple": item.multiple, "domain": item.domain})
    return out


def screening_answers(data: Any) -> dict[str, Any]:
    """Answers from a POST: item LOINC → code, or list of codes for check-all items."""
    answers: dict[str, Any] = {}
    for item in AHC_HRSN.items:
        if item.multiple:
            codes = [c for c in data.getlist(f"item-{item.loinc}") if c]
            if codes:
                answers[item.loinc] = codes
        else:
            code = data.get(f"item-{item.loinc}")
            if code:
                answers[item.loinc] = code
    return answers


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class UploadForm(forms.Form):
    """A roster or ranked eligible list; `plans` and `hubs` are those the acting
    organisation may use (see referrals.uploads)."""

    kind = forms.ChoiceField(label="File holds", choices=[
        ("roster", "Roster (members and enrolment)"), ("ranked", "Ranked eligible list")])
    plan = forms.TypedChoiceField(label="Health plan", coerce=int)
    file = forms.FileField(label="CSV or Parquet file",
                           help_text="columns as in docs/data/member-files.md; at most 50 MB")
    contract_code = forms.CharField(max_length=64, required=False,
                                    help_text="ranked list: the contract it is for")
    service_code = forms.CharField(max_length=32, required=False,
                                   help_text="ranked list: the service to refer for")
    service_type = forms.CharField(max_length=60, required=False,
                                   help_text="ranked list: directory service type")
    hub = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                 help_text="ranked list: the hub whose network receives it")
    assign = forms.BooleanField(required=False, label="Refer the selected rows now")

    def __init__(self, *args: Any, plans: list[Any], hubs: list[Any], max_bytes: int,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        _choice(self, "plan").choices = [(p.pk, p.name) for p in plans]
        _choice(self, "hub").choices = [("", "—"), *[(h.pk, h.name) for h in hubs]]
        if len(plans) == 1:
            self.fields["plan"].initial = plans[0].pk
        if len(hubs) == 1:
            self.fields["hub"].initial = hubs[0].pk

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".parquet")):
            raise forms.ValidationError(f"{upload.name}: choose a .csv or .parquet file.")
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size // (1024 * 1024)} MB; the limit is "
                f"{self.max_bytes // (1024 * 1024)} MB.")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "ranked":
            for name in ("contract_code", "service_code"):
                if not data.get(name):
                    self.add_error(name, "A ranked list needs this.")
            if data.get("assign") and not data.get("hub"):
                self.add_error("hub", "Choose the hub that receives the referrals.")
        return data


class PlanReferForm(forms.Form):
    """A plan refers one of its members to a hub, which routes it to a network CBO."""

    member_id = forms.CharField(label="Plan member id", max_length=64)
    hub = forms.TypedChoiceField(coerce=int)
    contract_code = forms.CharField(max_length=64, required=False)
    service_code = forms.CharField(max_length=32)
    service_type = forms.CharField(max_length=60, required=False,
                                   help_text="directory service type, for routing")

    def __init__(self, *args: Any, hubs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "hub").choices = [(h.pk, h.name) for h in hubs]
        if len(hubs) == 1:
            self.fields["hub"].initial = hubs[0].pk
