"""Forms of the fee schedule pages: a hub's own schedule from CSV, and a contract's billing
settings."""

from __future__ import annotations

from django import forms

MAX_UPLOAD = 2 * 1024 * 1024


class UploadScheduleForm(forms.Form):
    name = forms.SlugField(label="Schedule name", max_length=120,
                           help_text="Letters, digits and dashes, e.g. my-hub-2026")
    description = forms.CharField(max_length=300, required=False)
    file = forms.FileField(label="CSV file", help_text="The columns of docs/billing.md")

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is over 2 MB.")
        return upload


class ContractBillingForm(forms.Form):
    contract = forms.ChoiceField(label="Contract")
    fee_schedule = forms.ChoiceField(label="Fee schedule", required=False)
    timely_filing_days = forms.IntegerField(label="Timely filing (days)", min_value=1,
                                            max_value=3650, initial=365)
    eligible_products = forms.CharField(
        label="Eligible products", max_length=200, required=False,
        help_text="Space separated (medicaid, medicare_advantage, dsnp, commercial); "
                  "empty: every product")

    def __init__(self, *args, contracts, schedules, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [(str(c.pk), c.code) for c in contracts]
        self.fields["fee_schedule"].choices = [("", "None: bill without HCPCS checks")] + [
            (str(s.pk), s.name) for s in schedules]
