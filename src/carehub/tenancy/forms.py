from __future__ import annotations

from django import forms

from carehub.tenancy.models import Network, Organisation


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "legal_name", "npi", "tin", "medicaid_id"]


class NetworkFeeForm(forms.ModelForm):
    class Meta:
        model = Network
        fields = ["name", "admin_fee_percent"]
