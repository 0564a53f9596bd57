from __future__ import annotations

import re
from typing import Any, cast

from django import forms

from carehub.network.models import Location, Service
from carehub.tenancy.models import Organisation


def _list(text: str, sep: str = ",") -> list[str]:
    return [part.strip() for part in text.replace("\n", sep).split(sep) if part.strip()]


class ServiceForm(forms.ModelForm):
    languages_text = forms.CharField(label="Languages", required=False,
                                     help_text="Comma-separated, e.g. English, Spanish.")
    counties_text = forms.CharField(label="Counties covered", required=False,
                                    help_text="Semicolon-separated, as Name, ST; e.g. Erie, NY; Niagara, NY.")
    zips_text = forms.CharField(label="Zip codes covered", required=False,
                                help_text="Space- or comma-separated.")

    class Meta:
        model = Service
        fields = ["organisation", "service_type", "name", "description", "status",
                  "eligibility_description", "hours", "unit", "capacity_per_month",
                  "capacity_status", "waitlist_length"]

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["organisation"]).queryset = organisations or Organisation.objects.none()
        if self.instance.pk:
            self.fields["languages_text"].initial = ", ".join(self.instance.languages)
            self.fields["counties_text"].initial = "; ".join(self.instance.coverage_counties)
            self.fields["zips_text"].initial = " ".join(self.instance.coverage_zips)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("capacity_status") == "waitlist" and data.get("waitlist_length") is None:
            self.add_error("waitlist_length", "Give the waitlist's length.")
        if data.get("capacity_status") != "waitlist":
            data["waitlist_length"] = None
        zips = _list(data.get("zips_text", "").replace(" ", ","))
        bad = [z for z in zips if not (z.isdigit() and len(z) == 5)]
        if bad:
            self.add_error("zips_text", f"Not a 5-digit zip code: {', '.join(bad)}")
        counties = _list(data.get("counties_text", ""), ";")
        bad = [c for c in counties if ", " not in c]
        if bad:
            self.add_error("counties_text", f"Write counties as Name, ST: {'; '.join(bad)}")
        data["languages"] = _list(data.get("languages_text", ""))
        data["coverage_counties"] = counties
        data["coverage_zips"] = zips
        return data


class CapacityForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["capacity_status", "waitlist_length"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("capacity_status") == "waitlist" and data.get("waitlist_length") is None:
            self.add_error("waitlist_length", "Give the waitlist's length.")
        if data.get("capacity_status") != "waitlist":
            data["waitlist_length"] = None
        return data


ZIP_CODE = re.compile(r"^\d{5}(-\d{4})?$")


class ServiceChoices(forms.ModelMultipleChoiceField):
    """Services named with their organisation: a hub picks among its network's."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class LocationForm(forms.ModelForm):
    """A site and the services offered there (HSDS location and service_at_location)."""

    services_here = ServiceChoices(
        label="Services offered here", required=False, queryset=Service.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Only the site's own organisation's services can be offered at it.",
    )

    class Meta:
        model = Location
        fields = ["organisation", "name", "location_type", "address_1", "city",
                  "state_province", "postal_code", "county", "phone", "hours"]

    def __init__(self, *args: Any, organisations: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field = cast(forms.ModelChoiceField, self.fields["organisation"])
        org_field.queryset = organisations
        chosen = cast(ServiceChoices, self.fields["services_here"])
        chosen.queryset = services.select_related("organisation")
        if not self.instance._state.adding:
            # A site stays with its organisation: its services are that organisation's.
            org_field.disabled = True
            self.fields["services_here"].initial = list(
                self.instance.services_here.values_list("service_id", flat=True))
        elif organisations.count() == 1 and not self.initial.get("organisation"):
            only = organisations.first()
            self.initial["organisation"] = only.pk if only else None
        self.fields["county"].help_text = "As Name, ST; e.g. Erie, NY."

    def clean_postal_code(self) -> str:
        code = self.cleaned_data.get("postal_code", "").strip()
        if code and not ZIP_CODE.match(code):
            raise forms.ValidationError(f"Not a zip code: {code} (5 digits, or ZIP+4).")
        return code

    def clean_state_province(self) -> str:
        return self.cleaned_data.get("state_province", "").strip().upper()

    def clean_county(self) -> str:
        county = self.cleaned_data.get("county", "").strip()
        if county and ", " not in county:
            raise forms.ValidationError(f"Write the county as Name, ST: {county}")
        return county

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        org = data.get("organisation") or (self.instance.organisation
                                           if self.instance.organisation_id else None)
        if data.get("location_type", "physical") == "physical" and not data.get("address_1"):
            self.add_error("address_1", "A physical site needs its street address.")
        if org is not None:
            others = [s.name for s in data.get("services_here") or []
                      if s.organisation_id != org.pk]
            if others:
                self.add_error("services_here",
                               f"Not services of {org.name}: {', '.join(others)}")
        return data
