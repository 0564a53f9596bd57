"""Contracts between a payer and a hub or CBO: scope of work, checklist, lifecycle, terms.

The scope of work is kept as structured fields in the seeds' three parts (WHO, WHAT,
HOW) so the Scope of Work Checklist can be computed from it rather than ticked by hand.
Who may see a contract is kept in `ContractParty` (payer, provider, delivering CBOs),
which django-scopes and row-level security both filter on.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django_scopes import ScopedManager

from carehub.network.visibility import DirectoryOrganisationField
from carehub.tenancy.models import Role

PARTY = "parties__organisation"
VIA_CONTRACT = "contract__parties__organisation"
ENDS_BEFORE_STARTS = "The contract cannot end before it starts."
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Stage(models.TextChoices):
    SHARED_VISION = "shared_vision", "Shared vision"
    SCOPING = "scoping", "Scoping"
    PRE_LAUNCH = "pre_launch", "Pre-launch"
    IMPLEMENTATION = "implementation", "Implementation and continuous improvement"
    RENEWAL = "renewal", "Renewal"
    WIND_DOWN = "wind_down", "Wind-down"


STAGE_ORDER = [s.value for s in Stage]


class Setting(models.TextChoices):
    """Where a service is given: one vocabulary for a contract's service definitions and
    the services logged under them (referrals.ServiceDelivery)."""

    HOME = "home", "Member's home"
    COMMUNITY = "community", "Community site"
    OFFICE = "office", "Office or clinic"
    TELEPHONE = "telephone", "Telephone"
    VIDEO = "video", "Video"


class TimingAnchor(models.TextChoices):
    REFERRAL = "referral", "referral"
    DISCHARGE = "discharge", "discharge"
    ENROLMENT = "enrolment", "enrolment"


class Contract(models.Model):
    code = models.CharField(max_length=40, unique=True, help_text="Shown to users, e.g. DEMO-MEALS.")
    name = models.CharField(max_length=200)
    payer = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.PROTECT, related_name="contracts_as_payer",
        limit_choices_to={"kind": "payer"},
    )
    provider = models.ForeignKey(
        "tenancy.Organisation", on_delete=models.PROTECT, related_name="contracts_as_provider",
        help_text="The hub or CBO that is paid.",
    )
    delivering_cbos = models.ManyToManyField(
        "tenancy.Organisation", blank=True, related_name="contracts_delivering",
        help_text="For a hub's contract: the network CBOs that deliver under it.",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.SHARED_VISION)
    signed_on = models.DateField(null=True, blank=True)
    starts = models.DateField(null=True, blank=True)
    ends = models.DateField(null=True, blank=True)
    renewal_notice_months = models.PositiveSmallIntegerField(
        default=4, help_text="Renewal discussions are prompted this many months before the end."
    )
    max_outreach_attempts = models.PositiveSmallIntegerField(
        default=3, help_text="Outreach attempts before a referral may be closed as unreachable."
    )
    # Set by the payer side only: the provider hub may write this plan's roster and
    # ranked lists (uploads, imports) while the contract is in effect.
    hub_may_upload_members = models.BooleanField(
        "the hub may upload this plan's roster and ranked lists", default=False,
    )

    # WHO: population definition.
    criteria = models.TextField(
        "eligible population criteria", blank=True,
        help_text="Eligibility criteria in YAML (the format of carehub eligibility).",
    )
    prioritisation = models.TextField(blank=True)
    prioritisation_not_applicable = models.BooleanField(default=False)
    min_volume = models.PositiveIntegerField(null=True, blank=True)
    max_volume = models.PositiveIntegerField(null=True, blank=True)
    volume_period = models.CharField(
        max_length=10, default="month", choices=[("month", "per month"), ("year", "per year"),
                                                 ("term", "over the term")],
    )
    # WHO: staffing, training and accountability.
    licences_required = models.TextField("staff licences required", blank=True)
    licences_not_applicable = models.BooleanField("no licences required", default=False)
    credentialing = models.TextField("credentialing process", blank=True)
    trainings = models.TextField("staff trainings", blank=True)
    background_checks = models.TextField(blank=True)

    # WHAT: workflows, evaluation.
    service_activities = models.TextField(blank=True, help_text="What the service consists of.")
    workflows = models.TextField("workflows for major activities", blank=True)
    escalation_process = models.TextField(blank=True)
    evaluation_plan = models.TextField(blank=True)
    evaluation_due = models.DateField(null=True, blank=True)
    # Goals the joint operating committee's scorecard measures against, in percent; a rate
    # within `goal_margin_points` below its goal is "near", further below is "missed".
    outreach_goal = models.DecimalField("outreach goal (%)", max_digits=5, decimal_places=2,
                                        null=True, blank=True, validators=PERCENT,
                                        help_text="Outreached ÷ assigned, e.g. 80.")
    contact_goal = models.DecimalField("contact goal (%)", max_digits=5, decimal_places=2,
                                       null=True, blank=True, validators=PERCENT,
                                       help_text="Contacted ÷ outreached, e.g. 55.")
    support_goal = models.DecimalField("support-provided goal (%)", max_digits=5,
                                       decimal_places=2, null=True, blank=True,
                                       validators=PERCENT,
                                       help_text="Accepted support ÷ contacted, e.g. 50.")
    initiation_goal = models.DecimalField(
        "service initiated on time goal (%)", max_digits=5, decimal_places=2, null=True,
        blank=True, validators=PERCENT,
        help_text="Share of enrolled members whose service started within the service's timing.")
    documentation_goal = models.DecimalField(
        "documentation completeness goal (%)", max_digits=5, decimal_places=2, null=True,
        blank=True, validators=PERCENT)
    data_on_time_goal = models.DecimalField(
        "data submitted on time goal (%)", max_digits=5, decimal_places=2, null=True,
        blank=True, validators=PERCENT)
    completion_goal = models.DecimalField(
        "completion goal (%)", max_digits=5, decimal_places=2, null=True, blank=True,
        validators=PERCENT, help_text="Completed ÷ enrolled.")
    goal_margin_points = models.DecimalField(
        "margin below a goal still counted near it (points)", max_digits=4, decimal_places=2,
        default=Decimal("2.00"), validators=[MinValueValidator(Decimal("0"))])
    data_submission_days = models.PositiveSmallIntegerField(
        "days after a service to record it", default=5,
        help_text="A service recorded later than this counts as data not submitted on time.")

    # HOW: coordination, data sharing, flexibility.
    joc_cadence = models.CharField("joint operating committee cadence", max_length=80, blank=True)
    joc_members = models.TextField("joint operating committee members", blank=True)
    case_conferencing_cadence = models.CharField(max_length=80, blank=True)
    case_conferencing_participants = models.TextField(blank=True)
    it_platforms = models.TextField("IT platforms used by the parties", blank=True)
    baa_required = models.BooleanField("business associate agreement required", default=True)
    baa_signed_on = models.DateField("BAA signed on", null=True, blank=True)
    revisit_terms_on = models.DateField("revisit terms on", null=True, blank=True)
    revisit_terms_scope = models.TextField("what may be revisited", blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation=PARTY)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts__isnull=True) | Q(ends__isnull=True) | Q(ends__gte=F("starts")),
                name="contract_ends_on_or_after_start",
                violation_error_message=ENDS_BEFORE_STARTS,
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.starts and self.ends and self.ends < self.starts:
            raise ValidationError({"ends": ENDS_BEFORE_STARTS})


class PartyRole(models.TextChoices):
    PAYER = "payer", "Payer"
    PROVIDER = "provider", "Provider"
    DELIVERING = "delivering", "Delivering CBO"
    # Off the delivering list, finishing or handing over its open referrals (Departure).
    LEAVING = "leaving", "Leaving CBO"


class Acceptance(models.TextChoices):
    PROPOSED = "proposed", "Awaiting acceptance"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class ContractParty(models.Model):
    """Derived from payer, provider and delivering_cbos (kept in step by the services:
    `contracts.services.sync_parties`).

    A contract is in effect only when its payer and provider parties have both accepted
    (contracts.selectors.contracts_in_effect). A new row is a proposal: the secure default.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=12, choices=PartyRole.choices)
    status = models.CharField(max_length=10, choices=Acceptance.choices,
                              default=Acceptance.PROPOSED)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contract", "organisation"], name="contract_party_once")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class DepartureStart(models.TextChoices):
    HUB = "hub", "Removed by the hub"
    CBO = "cbo", "Withdrawn by the CBO"


class Departure(models.Model):
    """A delivering CBO leaving a contract.

    The CBO is off the delivering list (no new work) from `requested_at`; it stays a
    party (role leaving) while it holds open referrals under the contract, until the hub
    has rerouted them or they have finished; then `left_at` is set and its party ends.
    """

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="departures")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+", help_text="the CBO leaving")
    started_by = models.CharField(max_length=4, choices=DepartureStart.choices)
    reason = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    # Referral ids the hub chose to let finish at the leaving CBO (the others it reroutes).
    let_finish = models.JSONField(default=list, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation=VIA_CONTRACT)

    class Meta:
        ordering = ["-requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "organisation"],
                                    condition=Q(left_at__isnull=True),
                                    name="departure_open_once"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} leaving {self.contract.code}"

    @property
    def is_open(self) -> bool:
        return self.left_at is None


class ContactAspect(models.TextChoices):
    REFERRALS = "referrals", "Referrals"
    DATA = "data", "Data and reporting"
    BILLING = "billing", "Billing"
    EVALUATION = "evaluation", "Evaluation"


class ContractContact(models.Model):
    """A point of contact for one aspect of the contract, in one organisation."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="contacts")
    aspect = models.CharField(max_length=12, choices=ContactAspect.choices)
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=120, help_text="A position, e.g. Referral desk lead.")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    objects = ScopedManager(organisation=VIA_CONTRACT)

    class Meta:
        ordering = ["aspect", "organisation__name"]

    def __str__(self) -> str:
        return f"{self.get_aspect_display()}: {self.title}"


class ServiceDefinition(models.Model):
    """WHAT: one contracted service, its code matching the terms' service code."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="service_definitions")
    code = models.CharField(max_length=20, help_text="The terms' service code, e.g. HDM.")
    name = models.CharField(max_length=200)
    service_type = models.ForeignKey("network.ServiceType", on_delete=models.PROTECT, related_name="+")
    setting = models.CharField(max_length=12, choices=Setting.choices, blank=True)
    initiation = models.TextField(blank=True, help_text="Identification, engagement, enrolment.")
    provision = models.TextField(blank=True, help_text="What the service consists of.")
    conclusion = models.TextField(blank=True, help_text="What completes the service.")
    min_contact_frequency = models.CharField(max_length=120, blank=True)
    timing_hours = models.PositiveIntegerField(null=True, blank=True)
    timing_anchor = models.CharField(
        max_length=10, choices=TimingAnchor.choices, default=TimingAnchor.REFERRAL
    )
    milestones = models.TextField(blank=True)
    max_duration_days = models.PositiveIntegerField(null=True, blank=True)
    repeat_rule = models.CharField(
        max_length=200, blank=True, help_text="Whether and when a member may receive it again."
    )

    objects = ScopedManager(organisation=VIA_CONTRACT)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], name="service_definition_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def timing_text(self) -> str:
        if self.timing_hours is None:
            return ""
        return f"within {self.timing_hours} hours of {self.get_timing_anchor_display()}"


class EscalationLevel(models.Model):
    """A level of the escalation pathway: a role, never a named person."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="escalation_levels")
    level = models.PositiveSmallIntegerField()
    organisation = models.ForeignKey(
        "tenancy.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The party whose role answers at this level.",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    response_hours = models.PositiveIntegerField()

    objects = ScopedManager(organisation=VIA_CONTRACT)

    class Meta:
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "level"], name="escalation_level_once")
        ]

    def __str__(self) -> str:
        return f"Level {self.level}: {self.get_role_display()} within {self.response_hours} h"


class DataDirection(models.TextChoices):
    TO_PAYER = "to_payer", "Reported to the health care partner"
    TO_PROVIDER = "to_provider", "Shared with the CBO / hub"


class DataSharingTerm(models.Model):
    """HOW: one data flow: what, when, how, which standard, which platform."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="data_sharing")
    direction = models.CharField(max_length=12, choices=DataDirection.choices)
    what = models.CharField(max_length=300)
    when = models.CharField(max_length=120, help_text="e.g. each encounter, monthly.")
    how = models.CharField(max_length=120, help_text="e.g. SFTP CSV, FHIR API.")
    standard = models.CharField(max_length=120, blank=True, help_text="e.g. ICD-10 Z codes, LOINC.")
    platform = models.CharField(max_length=120, blank=True)

    objects = ScopedManager(organisation=VIA_CONTRACT)

    class Meta:
        ordering = ["direction", "pk"]

    def __str__(self) -> str:
        return f"{self.what} ({self.when}, {self.how})"


class TaskKind(models.TextChoices):
    GENERAL = "general", "General"
    CREDENTIALING = "credentialing", "Credentialing of staff"
    TRAINING = "training", "Staff trainings"
    DATA_SECURITY = "data_security_review", "Data security review"
    IT_ONBOARDING = "it_onboarding", "IT application onboarding"
    WORKFLOW_TESTING = "workflow_testing", "Development and testing of workflows"
    PREPAYMENT = "prepayment_release", "Release of pre-payment funds"
    RENEWAL = "renewal_discussion", "Renewal discussion"


class LifecycleTask(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="tasks")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    kind = models.CharField(max_length=24, choices=TaskKind.choices, default=TaskKind.GENERAL)
    title = models.CharField(max_length=200)
    owner_role = models.CharField(max_length=20, choices=Role.choices)
    due = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedManager(organisation=VIA_CONTRACT)

    class Meta:
        ordering = ["due", "pk"]

    def __str__(self) -> str:
        return self.title


class TermsVersion(models.Model):
    """One version of the payment terms, in force from `effective`."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="terms_versions")
    version = models.PositiveIntegerField()
    effective = models.DateField()
    document = models.JSONField(help_text="The parsed terms.")
    source_text = models.TextField()
    source_filename = models.CharField(max_length=200, default="terms.yaml")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation=VIA_CONTRACT)

    class Meta:
        ordering = ["contract", "version"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "version"], name="terms_version_once")
        ]

    def __str__(self) -> str:
        return f"v{self.version} from {self.effective}"


class ChecklistRule(models.TextChoices):
    """How a checklist row is computed from the contract (see checklist.py)."""

    ELIGIBLE_POPULATION = "eligible_population", "criteria file present"
    PRIORITISATION = "prioritisation", "prioritisation text, or marked not applicable"
    VOLUME = "volume", "minimum or maximum volume"
    LICENCES = "licences", "licences listed, or marked not required"
    CREDENTIALING = "credentialing", "credentialing process text"
    TRAININGS = "trainings", "staff trainings text"
    CONTACTS = "contacts", "a contact for every aspect"
    ESCALATION_PATHWAY = "escalation_pathway", "at least one escalation level"
    SERVICE_ACTIVITIES = "service_activities", "every service definition has its provision"
    SERVICE_SPAN = "service_span", "every service has initiation, conclusion, duration"
    SERVICE_SETTING = "service_setting", "every service definition has a setting"
    WORKFLOWS = "workflows", "workflows text"
    ESCALATION_PROCESS = "escalation_process", "escalation process text"
    TASK_CREDENTIALING = "task_credentialing", "pre-launch credentialing task with due date"
    TASK_TRAINING = "task_training", "pre-launch training task with due date"
    TASK_DATA_SECURITY = "task_data_security", "pre-launch data security task with due date"
    TASK_IT_ONBOARDING = "task_it_onboarding", "pre-launch IT onboarding task with due date"
    TASK_WORKFLOWS = "task_workflows", "workflow testing task, or workflows text"
    IT_PLATFORMS = "it_platforms", "IT platforms text"
    DATA_TO_PAYER = "data_to_payer", "a complete data flow to the health care partner"
    DATA_TO_PROVIDER = "data_to_provider", "a complete data flow to the CBO / hub"
    REVISIT = "revisit", "a date to revisit terms"


class ChecklistItem(models.Model):
    """Reference data: a row of the seeds' Scope of Work Checklist."""

    section = models.CharField(max_length=4, choices=[("WHO", "WHO"), ("WHAT", "WHAT"), ("HOW", "HOW")])
    group = models.CharField(max_length=80, help_text="The checklist's heading, e.g. Population definition.")
    text = models.CharField(max_length=200, help_text="The provision, as the seeds word it.")
    rule = models.CharField(max_length=30, choices=ChecklistRule.choices)
    required = models.BooleanField(
        default=True, help_text="Required before the contract may move to implementation."
    )
    has_due_date = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.section} · {self.text}"


class CredentialKind(models.TextChoices):
    LICENCE = "licence", "Licence"
    CHECK = "check", "Credential check"
    BACKGROUND = "background", "Background check"
    TRAINING = "training", "Training"


class StaffCredential(models.Model):
    """A staff member's licence, credential check or training, with its expiry."""

    organisation = DirectoryOrganisationField(
        "tenancy.Organisation", on_delete=models.CASCADE, related_name="staff_credentials",
    )
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credentials")
    kind = models.CharField(max_length=12, choices=CredentialKind.choices)
    name = models.CharField(max_length=160, help_text="e.g. Community Health Worker certificate.")
    identifier = models.CharField(max_length=80, blank=True)
    issued = models.DateField(null=True, blank=True)
    expires = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation="organisation__directory_visible_to")

    class Meta:
        ordering = ["expires", "staff__last_name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.staff})"
