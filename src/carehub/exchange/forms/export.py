"""The export page's form: which format the tables are written in."""

from __future__ import annotations

from django import forms

from carehub.exchange.models import ExportFormat


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        choices=ExportFormat.choices, initial=ExportFormat.CSV, widget=forms.RadioSelect,
        label="Tables as",
        help_text="CSV opens in a spreadsheet; Parquet keeps the column types for analysis "
                  "tools. FHIR NDJSON, the README and the manifest come with either.")
