from __future__ import annotations

from typing import Any

from django import forms

from carehub.tenancy.access import network_cbos
from carehub.tenancy.models import Network, Organisation, OrganisationKind


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "legal_name", "npi", "tin", "medicaid_id"]


class NetworkFeeForm(forms.ModelForm):
    class Meta:
        model = Network
        fields = ["name", "admin_fee_percent"]


class InviteCBOForm(forms.Form):
    """A hub administrator picks an existing CBO by its name to invite."""

    cbo = forms.ModelChoiceField(queryset=Organisation.objects.none(), label="CBO",
                                 empty_label="Choose a CBO")

    def __init__(self, *args: Any, hub: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cbo"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (Organisation.objects.filter(kind=OrganisationKind.CBO, is_active=True)
                          .exclude(pk__in=network_cbos(hub).values("pk")).order_by("name"))
