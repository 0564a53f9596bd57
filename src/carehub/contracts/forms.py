from __future__ import annotations

from typing import Any, cast

import yaml
from django import forms
from django.forms import inlineformset_factory

from carehub.contracts.models import (
    Contract,
    ContractContact,
    DataSharingTerm,
    EscalationLevel,
    LifecycleTask,
    ServiceDefinition,
    StaffCredential,
)
from carehub.core.eligibility import CriteriaError, parse_criteria
from carehub.tenancy.models import Organisation

DATE = forms.DateInput(attrs={"type": "date"})


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = ["code", "name", "payer", "provider", "delivering_cbos", "signed_on", "starts",
                  "ends", "renewal_notice_months", "max_outreach_attempts"]
        widgets = {"signed_on": DATE, "starts": DATE, "ends": DATE}

    def __init__(self, *args: Any, payers: Any, providers: Any, cbos: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["payer"]).queryset = payers
        cast(forms.ModelChoiceField, self.fields["provider"]).queryset = providers
        cast(forms.ModelChoiceField, self.fields["delivering_cbos"]).queryset = cbos
        self.fields["delivering_cbos"].required = False


class ContractDetailsForm(forms.ModelForm):
    """What may change after creation: not the parties' payer and provider, nor the code."""

    class Meta:
        model = Contract
        fields = ["name", "delivering_cbos", "signed_on", "starts", "ends",
                  "renewal_notice_months", "max_outreach_attempts"]
        widgets = {"signed_on": DATE, "starts": DATE, "ends": DATE,
                   "delivering_cbos": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, cbos: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["delivering_cbos"]).queryset = cbos
        self.fields["delivering_cbos"].required = False


class ScopeForm(forms.ModelForm):
    """WHO, WHAT and HOW fields kept on the contract itself."""

    class Meta:
        model = Contract
        fields = [
            "criteria", "prioritisation", "prioritisation_not_applicable", "min_volume",
            "max_volume", "volume_period", "licences_required", "licences_not_applicable",
            "credentialing", "trainings", "background_checks",
            "service_activities", "workflows", "escalation_process", "evaluation_plan",
            "evaluation_due",
            "outreach_goal", "contact_goal", "support_goal", "initiation_goal",
            "documentation_goal", "data_on_time_goal", "completion_goal", "goal_margin_points",
            "data_submission_days",
            "joc_cadence", "joc_members", "case_conferencing_cadence",
            "case_conferencing_participants", "it_platforms", "baa_required", "baa_signed_on",
            "revisit_terms_on", "revisit_terms_scope",
        ]
        widgets = {"evaluation_due": DATE, "baa_signed_on": DATE, "revisit_terms_on": DATE,
                   "criteria": forms.Textarea(attrs={"rows": 10, "class": "mono"})}

    # Defaults stand when the fields are left empty (forms saved before goals existed).
    DEFAULTED = ("goal_margin_points", "data_submission_days")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.DEFAULTED:
            self.fields[name].required = False

    def clean_goal_margin_points(self) -> Any:
        value = self.cleaned_data.get("goal_margin_points")
        return Contract._meta.get_field("goal_margin_points").default if value is None else value

    def clean_data_submission_days(self) -> Any:
        value = self.cleaned_data.get("data_submission_days")
        return Contract._meta.get_field("data_submission_days").default if value is None else value

    def clean_criteria(self) -> str:
        text = self.cleaned_data.get("criteria", "")
        if not text.strip():
            return text
        try:
            parse_criteria(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise forms.ValidationError(f"Not valid YAML: {' '.join(str(exc).split())}") from None
        except CriteriaError as exc:
            raise forms.ValidationError(str(exc)) from None
        return text

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        low, high = data.get("min_volume"), data.get("max_volume")
        if low is not None and high is not None and low > high:
            self.add_error("max_volume", "The maximum must be at least the minimum.")
        return data


def _formset(model: Any, fields: list[str], extra: int = 1) -> Any:
    return inlineformset_factory(Contract, model, fields=fields, extra=extra, can_delete=True)


ServiceDefinitionFormSet = _formset(ServiceDefinition, [
    "code", "name", "service_type", "setting", "initiation", "provision", "conclusion",
    "min_contact_frequency", "timing_hours", "timing_anchor", "milestones", "max_duration_days",
    "repeat_rule"])
EscalationFormSet = _formset(EscalationLevel, ["level", "organisation", "role", "response_hours"])
# Blank rows enough for one contact per aspect and a data flow each way.
ContactFormSet = _formset(ContractContact, ["aspect", "organisation", "title", "email", "phone"],
                          extra=4)
DataSharingFormSet = _formset(DataSharingTerm, ["direction", "what", "when", "how", "standard",
                                                "platform"], extra=2)


def limit_party_choices(formsets: list[Any], parties: Any) -> None:
    for formset in formsets:
        for form in formset.forms:
            if "organisation" in form.fields:
                form.fields["organisation"].queryset = parties


class TaskForm(forms.ModelForm):
    class Meta:
        model = LifecycleTask
        fields = ["stage", "kind", "title", "owner_role", "due"]
        widgets = {"due": DATE}


class TermsForm(forms.Form):
    document = forms.CharField(
        label="Terms (YAML)", required=False, widget=forms.Textarea(attrs={"rows": 18, "class": "mono"}),
    )
    upload = forms.FileField(label="…or upload a terms file (.yaml or .json)", required=False)
    effective = forms.DateField(required=False, widget=DATE,
                                help_text="Defaults to the terms' own effective date.")
    note = forms.CharField(max_length=200, required=False, help_text="What changed, e.g. amendment 2.")

    def text_and_name(self) -> tuple[str, str]:
        upload = self.cleaned_data.get("upload")
        if upload:
            return upload.read().decode("utf-8", errors="replace"), upload.name
        return self.cleaned_data.get("document", ""), "terms.yaml"

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not data.get("upload") and not (data.get("document") or "").strip():
            raise forms.ValidationError("Paste the terms or upload a file.")
        return data


class CredentialForm(forms.ModelForm):
    class Meta:
        model = StaffCredential
        fields = ["staff", "kind", "name", "identifier", "issued", "expires"]
        widgets = {"issued": DATE, "expires": DATE}

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["staff"]).queryset = staff


def party_organisations(contract: Contract) -> Any:
    return Organisation.objects.filter(pk__in=[contract.payer_id, contract.provider_id,
                                               *contract.delivering_cbos.values_list("pk", flat=True)])
