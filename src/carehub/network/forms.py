from __future__ import annotations

from typing import Any, cast

from django import forms

from carehub.network.models import Service
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
