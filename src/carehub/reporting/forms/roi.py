"""Forms of the ROI and renewal pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from carehub.analytics.roi import RoiOptions
from carehub.reporting.models import RenewalDecision, SocialMeasure


class RunForm(forms.Form):
    dataset = forms.TypedChoiceField(coerce=int, label="Extracts (roster and claims)")
    baseline_months = forms.IntegerField(min_value=1, max_value=36, initial=6,
                                         label="Baseline months (before enrolment)")
    follow_up_months = forms.IntegerField(min_value=1, max_value=36, initial=6,
                                          label="Follow-up months (after enrolment)")
    bootstrap = forms.IntegerField(min_value=100, max_value=100_000, initial=1000,
                                   label="Bootstrap resamples")
    seed = forms.IntegerField(min_value=0, max_value=2**31 - 1, initial=20260101,
                              label="Random seed (the same seed gives the same interval)")
    paid = forms.DecimalField(required=False, min_value=Decimal("0.01"), max_digits=14,
                              decimal_places=2, label="Paid to the hub and CBOs ($)",
                              help_text="Used only when no statements were issued for the "
                                        "months studied.")

    def __init__(self, *args: Any, datasets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [  # type: ignore[attr-defined]
            (d.pk, f"{d.name} ({d.roster_rows:,} roster rows, {d.claims_rows:,} claim lines)")
            for d in datasets]

    def options(self) -> RoiOptions:
        data = self.cleaned_data
        return RoiOptions(baseline_months=data["baseline_months"],
                          follow_up_months=data["follow_up_months"],
                          bootstrap=data["bootstrap"], seed=data["seed"], paid=data["paid"])


class MeasureForm(forms.ModelForm):
    class Meta:
        model = SocialMeasure
        fields = ["name", "counts", "code", "unit"]
        labels = {"counts": "What it counts", "code": "Service code, pathway kind or domain"}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=RenewalDecision.Decision.choices,
                                 widget=forms.RadioSelect)
    reasons = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}))
    transition_plan = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}),
        label="Member-transition plan",
        help_text="Required when winding down: who takes on the active members, and when.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("decision") == RenewalDecision.Decision.WIND_DOWN
                and not (data.get("transition_plan") or "").strip()):
            self.add_error("transition_plan", "Winding down needs a member-transition plan: "
                                              "who takes on the active members, and when.")
        return data
