"""Tables of the scorecard area: one precomputed fact row per referral, so a card, a
12-period trend and a split are a grouped count over an index instead of a walk through
every referral's events, attempts and services.

Facts are written only by `reporting.services.scorecard.refresh_facts` (the periodic job
`reporting.scorecard_facts`, and the `carehub scorecard_refresh` command); each contract's
`ScorecardRefresh` says when its facts were last brought up to date, shown on the card
as "as of". A fact holds no name or member id: the drill-down reads the referral itself.
"""

from __future__ import annotations

from django.db import models
from django_scopes import ScopedManager

__all__ = ["DeliveryFact", "ReferralFact", "ScorecardMonth", "ScorecardRefresh"]


class ReferralFact(models.Model):
    referral = models.OneToOneField("referrals.Referral", on_delete=models.CASCADE,
                                    primary_key=True, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE,
                                 related_name="+")
    # The delivering organisation (usually a CBO) and the referral's plan and hub: the
    # row-level security policy lets a CBO read its own facts, plan and hub all of them.
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE,
                              related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE,
                            related_name="+", null=True, blank=True)
    assigned_on = models.DateField()
    outreached = models.BooleanField(default=False)
    contacted = models.BooleanField(default=False)
    accepted = models.BooleanField(default=False)
    completed = models.BooleanField(default=False)
    timing_start = models.DateField(null=True, blank=True)
    timing_hours = models.PositiveIntegerField(null=True, blank=True)
    first_service_on = models.DateField(null=True, blank=True)
    # Days from the timing's start to the first service (kept so a median is a grouped
    # count); null without both.
    initiation_days = models.IntegerField(null=True, blank=True)
    within_timing = models.BooleanField(default=False)
    screening_complete = models.BooleanField(default=False)
    services_recorded = models.PositiveIntegerField(default=0)
    max_recording_lag_days = models.IntegerField(null=True, blank=True)
    needs = models.PositiveSmallIntegerField(default=0)
    needs_met = models.PositiveSmallIntegerField(default=0)
    race = models.CharField(max_length=80)
    ethnicity = models.CharField(max_length=80)
    language = models.CharField(max_length=40)
    county = models.CharField(max_length=100)
    age_band = models.CharField(max_length=12)
    product = models.CharField(max_length=24)
    refreshed_at = models.DateTimeField()

    objects = ScopedManager(organisation="cbo")

    class Meta:
        indexes = [
            models.Index(fields=["contract", "assigned_on"], name="scorecard_fact_period"),
            models.Index(fields=["contract", "cbo", "assigned_on"],
                         name="scorecard_fact_cbo_period"),
        ]

    def __str__(self) -> str:
        return f"Scorecard fact of referral {self.referral_id}"


class ScorecardRefresh(models.Model):
    """When a contract's facts were last brought up to date, and from which moment the
    next incremental refresh looks for changes."""

    contract = models.OneToOneField("contracts.Contract", on_delete=models.CASCADE,
                                    primary_key=True, related_name="+")
    refreshed_at = models.DateTimeField()

    objects = ScopedManager(organisation="contract__parties__organisation")

    def __str__(self) -> str:
        return f"Scorecard refresh of contract {self.contract_id}"


class ScorecardMonth(models.Model):
    """The facts of one contract, CBO and month counted per combination of what the
    measures read: a month's card or a 12-month trend is a sum over a few hundred of these
    instead of a count over every referral. Rebuilt with the facts, for the months they
    touched; `late` uses the contract's data submission days when it was built."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE,
                                 related_name="+")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    payer = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE,
                              related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE,
                            related_name="+")
    month = models.DateField(help_text="its first day")
    outreached = models.BooleanField()
    contacted = models.BooleanField()
    accepted = models.BooleanField()
    completed = models.BooleanField()
    within_timing = models.BooleanField()
    initiation_days = models.IntegerField(null=True, blank=True)
    screening_complete = models.BooleanField()
    has_timing = models.BooleanField()
    has_services = models.BooleanField()
    late = models.BooleanField()
    has_needs = models.BooleanField()
    has_need_met = models.BooleanField()
    referrals = models.PositiveIntegerField()

    objects = ScopedManager(organisation="cbo")

    class Meta:
        indexes = [models.Index(fields=["contract", "month"], name="scorecard_month_period"),
                   models.Index(fields=["contract", "cbo", "month"],
                                name="scorecard_month_cbo")]

    def __str__(self) -> str:
        return f"Scorecard cell {self.pk}"


class DeliveryFact(models.Model):
    """One data set's file for one period of a contract: when it was due, when it came
    (null: not yet), and whether that was on time. Written by the file exchange through
    `reporting.services.scorecard.record_delivery_fact`; the card counts them as "File
    deliveries on time". `data_set` is the exchange's data set id (reporting does not
    import the exchange)."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.CASCADE,
                                 related_name="+")
    data_set = models.PositiveBigIntegerField()
    data_set_name = models.CharField(max_length=120)
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()

    objects = ScopedManager(organisation="contract__parties__organisation")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["data_set", "period_start"],
                                               name="delivery_fact_once")]
        indexes = [models.Index(fields=["contract", "period_start"],
                                name="delivery_fact_period")]

    def __str__(self) -> str:
        return f"{self.data_set_name} {self.period_start}: {'on time' if self.on_time else 'not on time'}"
