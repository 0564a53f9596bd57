"""Forms of the eligibility pages (the criteria builder is in `criteria_form`)."""

from __future__ import annotations

from typing import Any

from django import forms

from carehub.contracts.models import Contract, ServiceDefinition
from carehub.population.models import CriteriaSet, Dataset
from carehub.tenancy.models import Organisation


class DatasetUploadForm(forms.Form):
    name = forms.CharField(max_length=200, label="Name of this dataset",
                           help_text="For example: October 2026 extract.")
    roster = forms.FileField(label="Roster extract (CSV or Parquet)")
    claims = forms.FileField(label="Claims extract (CSV or Parquet)")


class RunForm(forms.Form):
    dataset: forms.ModelChoiceField[Dataset] = forms.ModelChoiceField(queryset=Dataset.objects.none(), label="Dataset",
                                     empty_label=None)
    criteria: forms.ModelChoiceField[CriteriaSet] = forms.ModelChoiceField(queryset=CriteriaSet.objects.none(), label="Criteria",
                                      empty_label=None)

    def __init__(self, *args: Any, datasets: Any, criteria: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_d = self.fields["dataset"]
        field_c = self.fields["criteria"]
        assert isinstance(field_d, forms.ModelChoiceField)
        assert isinstance(field_c, forms.ModelChoiceField)
        field_d.queryset = datasets
        field_c.queryset = criteria


class HandoffForm(forms.Form):
    """Pickers: a hub the plan pays, a contract in effect with it, one of its services.
    Choices are given by the view (the plan's own); choosing a hub narrows the others."""

    hub = forms.TypedChoiceField(coerce=int, label="Hub")
    contract = forms.TypedChoiceField(coerce=int, label="Contract")
    service = forms.TypedChoiceField(coerce=int, label="Service")
    top = forms.IntegerField(required=False, min_value=1, label="How many",
                             help_text="The first N selected members; empty: all selected.")

    def __init__(self, *args: Any, hubs: list[Organisation], contracts: list[Contract],
                 services: list[ServiceDefinition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hubs = {h.pk: h for h in hubs}
        self.contracts = {c.pk: c for c in contracts}
        self.services = {s.pk: s for s in services}
        self._choices("hub", [(h.pk, h.name) for h in hubs])
        self._choices("contract", [(c.pk, f"{c.code} · {c.name}") for c in contracts])
        self._choices("service", [(s.pk, f"{s.code} · {s.name}") for s in services])

    def _choices(self, name: str, choices: list[tuple[int, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hub = self.hubs.get(data.get("hub", 0))
        contract = self.contracts.get(data.get("contract", 0))
        service = self.services.get(data.get("service", 0))
        if hub and contract and contract.provider_id != hub.pk:
            self.add_error("contract", f"{contract.code} is not a contract with {hub.name}.")
        elif contract and service and service.contract_id != contract.pk:
            self.add_error("service", f"{service.code} is not a service of {contract.code}.")
        data.update(hub_obj=hub, contract_obj=contract, service_obj=service)
        return data
