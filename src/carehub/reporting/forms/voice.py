"""Community voice forms. Choices are limited to what the acting organisation may use:
its own councils' members, its network's CBOs, members it may see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.members.models import Member
from carehub.reporting.models.voice import (
    AdvisoryCouncil,
    AnswerChannel,
    CouncilMeeting,
    CouncilMember,
    Disposition,
    FeedbackSource,
    TouchPoint,
    TouchPointChannel,
)
from carehub.tenancy.access import Acting, hubs_of_cbo, network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind

DATE = forms.DateInput(attrs={"type": "date"})


def cbos_for(acting: Acting) -> QuerySet[Organisation]:
    """A hub's network CBOs; for a plan, the CBOs delivering its contracts."""
    org = acting.organisation
    if org.kind == OrganisationKind.HUB:
        return network_cbos(org).order_by("name")
    return (Organisation.objects.filter(kind=OrganisationKind.CBO, contracts_delivering__payer=org)
            .distinct().order_by("name"))


def own_council_members(acting: Acting) -> QuerySet[CouncilMember]:
    return (CouncilMember.objects.filter(council__owner=acting.organisation)
            .select_related("council").order_by("council__name", "name"))


class CouncilForm(forms.ModelForm):
    contract = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                      label="Linked contract (optional)")

    class Meta:
        model = AdvisoryCouncil
        fields = ["name", "purpose", "minimum_share", "counts", "other_rules"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 2}),
                   "other_rules": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, acting: Acting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = acting.organisation
        with scopes_disabled():  # limited to the acting organisation's contracts here
            self.contracts = {c.pk: c for c in Contract.objects.filter(
                Q(payer=org) | Q(provider=org)).order_by("code")}
        field = self.fields["contract"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "none"), *((pk, c.code) for pk, c in self.contracts.items())]

    def clean_contract(self) -> Contract | None:
        chosen = self.cleaned_data.get("contract")
        return self.contracts.get(chosen) if chosen else None


class CouncilMemberForm(forms.ModelForm):
    class Meta:
        model = CouncilMember
        fields = ["name", "contact", "organisation", "consumer", "lived_experience",
                  "other_roles", "joined_on", "consent_to_contact"]
        widgets = {"joined_on": DATE}


class LeaveForm(forms.Form):
    left_on = forms.DateField(label="Left on", widget=DATE)


class MeetingForm(forms.ModelForm):
    class Meta:
        model = CouncilMeeting
        fields = ["held_on", "agenda", "notes", "attendance"]
        widgets = {"held_on": DATE, "agenda": forms.Textarea(attrs={"rows": 3}),
                   "notes": forms.Textarea(attrs={"rows": 3}),
                   "attendance": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, council: AdvisoryCouncil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attendance"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = council.members.filter(left_on__isnull=True)


class FeedbackForm(forms.Form):
    """Feedback logged by a hub or plan in its own log, or sent by a CBO to a hub."""

    owner = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="Send to",
                                   required=False)
    source = forms.ChoiceField(choices=FeedbackSource.choices)
    who = forms.CharField(max_length=200, required=False, label="Who (in words)")
    member_id = forms.CharField(max_length=64, required=False, label="Plan member id",
                                help_text="Only a member your organisation may see.")
    council_member = forms.ModelChoiceField(queryset=CouncilMember.objects.none(), required=False)
    meeting = forms.ModelChoiceField(queryset=CouncilMeeting.objects.none(), required=False)
    cbo = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False,
                                 label="CBO")
    touch_point = forms.ModelChoiceField(queryset=TouchPoint.objects.none(), required=False,
                                         label="In answer to touch point")
    topic = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Feedback")
    received_on = forms.DateField(widget=DATE)

    def __init__(self, *args: Any, acting: Acting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acting = acting
        org = acting.organisation
        self.from_cbo = org.kind == OrganisationKind.CBO
        if self.from_cbo:
            self._choices("owner", hubs_of_cbo(org).order_by("name"))
            self.fields["owner"].required = True
            source = self.fields["source"]
            assert isinstance(source, forms.ChoiceField)
            source.choices = [(FeedbackSource.CBO, "CBO"), (FeedbackSource.MEMBER, "Plan member"),
                              (FeedbackSource.OTHER, "Other")]
            for name in ("council_member", "meeting", "cbo", "touch_point"):
                del self.fields[name]
        else:
            del self.fields["owner"]
            self._choices("council_member", own_council_members(acting))
            self._choices("meeting", CouncilMeeting.objects.filter(council__owner=org)
                          .select_related("council"))
            self._choices("cbo", cbos_for(acting))
            self._choices("touch_point", TouchPoint.objects.filter(owner=org))
            self.fields["meeting"].label_from_instance = (  # type: ignore[attr-defined]
                lambda m: f"{m.council.name}, {m.held_on:%Y-%m-%d}")
            self.fields["touch_point"].label_from_instance = (  # type: ignore[attr-defined]
                lambda t: f"{t.held_on:%Y-%m-%d} {t.topic}")

    def _choices(self, name: str, queryset: QuerySet) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def clean_member_id(self) -> Member | None:
        value = self.cleaned_data["member_id"].strip()
        if not value:
            return None
        with scopes_disabled():  # limited to the acting organisation's access here
            member = Member.objects.filter(access__organisation=self.acting.organisation,
                                           member_id=value).first()
        if member is None:
            raise forms.ValidationError("no member with this plan member id that you may see")
        return member


class DispositionForm(forms.Form):
    disposition = forms.ChoiceField(choices=Disposition.choices)
    where = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                            label="Where incorporated",
                            help_text="Which decision, document, workflow or contract change.")
    why = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                          label="Why not incorporated")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("disposition") == Disposition.INCORPORATED and not data.get("where", "").strip():
            self.add_error("where", "Say where the feedback was incorporated.")
        if data.get("disposition") == Disposition.NOT_INCORPORATED and not data.get("why", "").strip():
            self.add_error("why", "Say why the feedback was not incorporated.")
        return data


class AnswerForm(forms.Form):
    answer = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Answer sent back")
    answered_on = forms.DateField(widget=DATE, label="Sent on")
    channel = forms.ChoiceField(choices=AnswerChannel.choices)


class TouchPointForm(forms.Form):
    council_members = forms.ModelMultipleChoiceField(
        queryset=CouncilMember.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Current members who consented to be contacted.")
    cbo = forms.ModelChoiceField(queryset=Organisation.objects.none(), required=False,
                                 label="CBO")
    group_label = forms.CharField(max_length=200, required=False, label="Group of members",
                                  help_text='E.g. "DEMO-MEALS enrolled members".')
    topic = forms.CharField(max_length=200)
    questions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Questions asked")
    channel = forms.ChoiceField(choices=TouchPointChannel.choices)
    held_on = forms.DateField(widget=DATE, label="Date")
    asked_by = forms.CharField(max_length=200, label="By whom")
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, acting: Acting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["council_members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = own_council_members(acting).filter(left_on__isnull=True,
                                                              consent_to_contact=True)
        members.label_from_instance = (  # type: ignore[method-assign]
            lambda obj: f"{obj.name} ({obj.council.name})")
        cbo = self.fields["cbo"]
        assert isinstance(cbo, forms.ModelChoiceField)
        cbo.queryset = cbos_for(acting)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("council_members") or data.get("cbo") or data.get("group_label", "").strip()):
            raise forms.ValidationError(
                "Who was asked: name council members, a CBO or a group of members.")
        return data


class FeedbackFilterForm(forms.Form):
    source = forms.ChoiceField(choices=[("", "Any source"), *FeedbackSource.choices], required=False)
    disposition = forms.ChoiceField(choices=[("", "Any disposition"), *Disposition.choices],
                                    required=False)
    topic = forms.CharField(required=False, max_length=200)
    unanswered = forms.BooleanField(required=False, label="Unanswered only")
