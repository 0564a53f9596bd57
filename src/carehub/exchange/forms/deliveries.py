"""The data set form: a contract's file flow, its format, cadence, due days, transport
and, for SFTP, the server, the pinned host key and where the secret is kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract, ContractParty
from carehub.exchange.models import DataSet
from carehub.tenancy.models import Organisation

FIELDS = ["name", "kind", "format", "cadence", "due_days", "starts", "transport",
          "counterparty", "sftp_host", "sftp_port", "sftp_username", "sftp_path",
          "sftp_secret", "sftp_host_key", "active"]


class DataSetForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DataSet
        fields = FIELDS
        widgets = {"starts": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.instance.contract = contract
        with scopes_disabled():
            parties = ContractParty.objects.filter(contract=contract).values("organisation_id")
            field = self.fields["counterparty"]
            field.queryset = Organisation.objects.filter(pk__in=parties).order_by("name")  # type: ignore[attr-defined]
        if not self.instance.pk:
            self.initial.setdefault("counterparty", contract.payer_id)
            self.initial.setdefault("starts", contract.starts)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        with scopes_disabled():
            taken = DataSet.objects.filter(contract=self.contract, name=name)
            if self.instance.pk:
                taken = taken.exclude(pk=self.instance.pk)
            if taken.exists():
                raise forms.ValidationError("This contract already has a data set of that name.")
        return name
