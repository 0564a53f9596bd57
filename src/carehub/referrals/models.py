"""Referrals and the closed loop: who is working with which member on which service, and
everything that happened (outreach, screening, needs, services, pathways, notes,
escalations, flexible-fund spending, consents).

A referral, its ranked list, its logged services, escalations and fund spending point at
their contract (and the contract's service definition) by foreign key: the keys are the
truth. The `contract_code` / `service_code` columns are kept, written from the keys, for
display and exports. `carehub.referrals.contract_terms.rules_for` reads a contract's rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_scopes import ScopedManager

from carehub.contracts.models import Setting
from carehub.core.referral_states import CLOSE_REASON_LABELS, STATE_LABELS, TERMINAL, State

# Who may see a referral row: any organisation with access to the member (plan, hub,
# the CBOs it was referred to). Selectors narrow this further per organisation kind.
VIA_MEMBER = "member__access__organisation"
OPEN_STATES = [s.value for s in State if s not in TERMINAL]

STATE_CHOICES = [(s.value, STATE_LABELS[s]) for s in State]
CLOSE_CHOICES = [(r.value, text) for r, text in CLOSE_REASON_LABELS.items()]


class RankedList(models.Model):
    """A ranked eligible list (the output of `carehub eligibility`) sent by a plan."""

    plan = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+",
                            null=True, blank=True)
    name = models.CharField(max_length=200)
    # Null only for lists stored before the keys existed whose code names no contract.
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    service = models.ForeignKey("contracts.ServiceDefinition", on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    contract_code = models.CharField(max_length=64)
    service_code = models.CharField(max_length=32)
    service_type = models.CharField(max_length=60, blank=True)
    source_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    assigned_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(organisation="plan")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "contract_code", "source_sha256"],
                                               name="ranked_list_once")]

    def __str__(self) -> str:
        return self.name


class RankedListEntry(models.Model):
    ranked_list = models.ForeignKey(RankedList, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    selected = models.BooleanField()
    reasons = models.TextField(blank=True)
    measures = models.JSONField(default=dict, blank=True)

    objects = ScopedManager(organisation="ranked_list__plan")

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["ranked_list", "member"],
                                               name="ranked_entry_once")]
        # The assignment job reads a list's selected entries a page at a time in rank
        # order (a keyset on rank, id): without this each page would sort the whole list.
        indexes = [models.Index(fields=["ranked_list", "selected", "rank", "id"],
                                name="ranked_entry_pages")]

    def __str__(self) -> str:
        return f"Ranked list entry {self.pk}"


class Referral(models.Model):
    """One member, one service, one owning organisation at a time."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="referrals")
    plan = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+",
                            null=True, blank=True)
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="referrals_owned",
                                     help_text="the CBO (or hub) that owns the outreach")
    # Every new referral has both; null only for rows made before the keys existed whose
    # code names no contract (or no service of it).
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    service = models.ForeignKey("contracts.ServiceDefinition", on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    contract_code = models.CharField(max_length=64, blank=True)
    service_code = models.CharField(max_length=32)
    service_type = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=12, choices=STATE_CHOICES, default=State.ASSIGNED.value)
    close_reason = models.CharField(max_length=12, choices=CLOSE_CHOICES, blank=True)
    decline_reason = models.CharField(max_length=200, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")
    source = models.CharField(max_length=12, default="manual")  # manual | ranked_list
    ranked_entry = models.ForeignKey(RankedListEntry, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+")
    anchor_date = models.DateField(null=True, blank=True,
                                   help_text="discharge date when the timing is from discharge")
    due_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    enrolled_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(default=1)
    # The routing decision, in the words shown to people (see referrals.routing). A
    # referral no CBO qualifies for is held by the hub (organisation = hub) with
    # `needs_routing` set until a coordinator routes it from the hub's queue.
    routing_reason = models.CharField(max_length=400, blank=True)
    needs_routing = models.BooleanField(default=False)
    routed_by_override = models.BooleanField(
        default=False, help_text="a coordinator chose the organisation, not routing")
    override_reason = models.CharField(max_length=300, blank=True)

    objects = ScopedManager(organisation=VIA_MEMBER)

    class Meta:
        constraints = [
            # One member, one active outreach owner per service.
            models.UniqueConstraint(fields=["member", "service_code"],
                                    condition=Q(state__in=OPEN_STATES),
                                    name="one_open_referral_per_service"),
        ]
        indexes = [
            models.Index(fields=["organisation", "assignee", "state", "due_at"],
                         name="referral_inbox"),
            models.Index(fields=["organisation", "state", "due_at"], name="referral_org_state"),
            models.Index(fields=["hub", "state"], name="referral_hub_state"),
            models.Index(fields=["plan", "state"], name="referral_plan_state"),
            models.Index(fields=["contract_code", "service_code"], name="referral_contract"),
            # The hub's needs-routing queue, oldest first.
            models.Index(fields=["hub", "created_at", "id"], name="referral_needs_routing",
                         condition=Q(needs_routing=True)),
            # FHIR Task polling (`Task?owner=...&_lastUpdated=gt...`): a keyset on
            # (updated_at, id) within the owning organisation or the hub.
            models.Index(fields=["organisation", "updated_at", "id"],
                         name="referral_org_updated"),
            models.Index(fields=["hub", "updated_at", "id"], name="referral_hub_updated"),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.service_code}, {self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ReferralEvent(models.Model):
    """Append-only timeline row: every state change, assignment and routing decision."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    # The organisation that made the change: the note's author for the sharing rule.
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    kind = models.CharField(max_length=20)  # transition | assigned | routed | reassigned
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    at = models.DateTimeField()

    objects = ScopedManager(organisation=VIA_MEMBER)

    class Meta:
        indexes = [models.Index(fields=["member", "at"], name="referral_event_member"),
                   models.Index(fields=["referral", "at"], name="referral_event_referral")]

    def __str__(self) -> str:
        return f"Referral event {self.pk}"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    TEXT = "text", "Text message"
    MAIL = "mail", "Mail"
    IN_PERSON = "in_person", "In person"
    HOME_VISIT = "home_visit", "Home visit"


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", "Reached the member"
    NO_ANSWER = "no_answer", "No answer"
    LEFT_MESSAGE = "left_message", "Left a message"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    RETURNED_MAIL = "returned_mail", "Mail returned"
    REFUSED = "refused", "Refused to talk"


class OutreachAttempt(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="outreach")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    at = models.DateTimeField()
    channel = models.CharField(max_length=12, choices=Channel.choices)
    outcome = models.CharField(max_length=16, choices=AttemptOutcome.choices)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")

    objects = ScopedManager(organisation=VIA_MEMBER)

    class Meta:
        indexes = [models.Index(fields=["member", "at"], name="outreach_member")]

    def __str__(self) -> str:
        return f"Outreach attempt {self.pk}"


class Screening(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="screenings",
                                 null=True, blank=True)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    instrument = models.CharField(max_length=16, default="ahc-hrsn")
    language = models.CharField(max_length=2, default="en")
    answers = models.JSONField(default=dict)  # item LOINC -> answer LA code(s)
    positive_domains = models.JSONField(default=list)
    safety_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # An instrument with any question unanswered is incomplete: its domains without a
    # positive answer are unknown, not negative (core.screening.score lists them).
    complete = models.BooleanField(default=True)
    unanswered_items = models.JSONField(default=list, blank=True)  # item LOINCs
    unanswered_domains = models.JSONField(default=list, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")

    objects = ScopedManager(organisation=VIA_MEMBER)

    def __str__(self) -> str:
        return f"Screening {self.pk}"


class Need(models.Model):
    """A positive screening domain as a coded need (billable ICD-10-CM Z code) and a goal."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="needs",
                                  null=True, blank=True)
    domain = models.CharField(max_length=20)
    icd10 = models.CharField(max_length=8)
    icd10_display = models.CharField(max_length=200)
    goal = models.CharField(max_length=200)
    status = models.CharField(max_length=12, default="active")  # active | met | dropped
    at = models.DateTimeField()

    objects = ScopedManager(organisation=VIA_MEMBER)

    def __str__(self) -> str:
        return f"Need {self.pk}"


class ConsentKind(models.TextChoices):
    DATA_SHARING = "data_sharing", "Data sharing"
    STORY_SHARING = "story_sharing", "Story sharing"


class Consent(models.Model):
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+", help_text="recorded by")
    kind = models.CharField(max_length=16, choices=ConsentKind.choices)
    scope = models.CharField(max_length=300,
                             help_text="what may be shared with whom, as the member agreed")
    given_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation=VIA_MEMBER)

    class Meta:
        indexes = [models.Index(fields=["member", "kind"], name="consent_member_kind")]

    def __str__(self) -> str:
        return f"Consent {self.pk}"


class ContactPreference(models.Model):
    """How (and whether) a member wants to be contacted; one row per member."""

    member = models.OneToOneField("members.Member", on_delete=models.CASCADE,
                                  related_name="contact_preference")
    do_not_contact = models.BooleanField(default=False)
    preferred_channel = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    best_time = models.CharField(max_length=60, blank=True)
    languages = models.CharField(max_length=120, blank=True,
                                 help_text="languages the member speaks, comma-separated")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, related_name="+")

    objects = ScopedManager(organisation=VIA_MEMBER)

    def __str__(self) -> str:
        return f"Contact preference {self.pk}"


class ServiceDelivery(models.Model):
    """Units of a contract service delivered to a member."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    service = models.ForeignKey("contracts.ServiceDefinition", on_delete=models.PROTECT,
                                related_name="+", null=True, blank=True)
    contract_code = models.CharField(max_length=64, blank=True)
    service_code = models.CharField(max_length=32)
    date = models.DateField()
    units = models.PositiveIntegerField()
    setting = models.CharField(max_length=12, choices=Setting.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    objects = ScopedManager(organisation=VIA_MEMBER)

    class Meta:
        indexes = [models.Index(fields=["contract_code", "date"], name="delivery_contract_date"),
                   models.Index(fields=["member", "date"], name="delivery_member")]

    def __str__(self) -> str:
        return f"Service delivery {self.pk}"


class Pathway(models.Model):
    """A Pathways Community HUB pathway: a risk factor worked step by step to an outcome."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="pathways")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    pathway = models.CharField(max_length=40)  # housing, food, medical_home ...
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    finished_incomplete = models.BooleanField(default=False)
    at = models.DateTimeField()

    objects = ScopedManager(organisation=VIA_MEMBER)

    def __str__(self) -> str:
        return f"Pathway {self.pk}"


class PathwayStep(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    done_on = models.DateField(null=True, blank=True)

    objects = ScopedManager(organisation="pathway__member__access__organisation")

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Pathway step {self.pk}"


class EngagementVisit(models.Model):
    """A confirmed engagement (for example a home visit), paid under outcome-based terms."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="visits")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    date = models.DateField()
    kind = models.CharField(max_length=12, choices=Channel.choices, default=Channel.HOME_VISIT)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    at = models.DateTimeField()

    objects = ScopedManager(organisation=VIA_MEMBER)

    def __str__(self) -> str:
        return f"Engagement visit {self.pk}"


class CaseNote(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notes")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    text = models.TextField()
    at = models.DateTimeField()

    objects = ScopedManager(organisation=VIA_MEMBER)

    def __str__(self) -> str:
        return f"Case note {self.pk}"


class Barrier(models.TextChoices):
    PRIOR_AUTHORISATION = "prior_authorisation", "Prior authorisation"
    ELIGIBILITY = "eligibility", "Eligibility"
    TRANSPORTATION = "transportation", "Transportation"
    HOUSING_AVAILABILITY = "housing_availability", "Housing availability"
    OTHER = "other", "Other"


class Escalation(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="escalations")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+", help_text="raised by")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    contract_code = models.CharField(max_length=64, blank=True)
    level = models.PositiveSmallIntegerField(default=1)
    role = models.CharField(max_length=20, help_text="the role that must answer at this level")
    barrier = models.CharField(max_length=24, choices=Barrier.choices)
    description = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  related_name="+")
    raised_at = models.DateTimeField()
    due_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    # The resolution's author for the sharing rule (it may be the plan or the hub, not the
    # organisation that raised the escalation).
    resolved_organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                              null=True, blank=True, related_name="+",
                                              help_text="resolved by")
    resolution = models.TextField(blank=True)

    objects = ScopedManager(organisation=VIA_MEMBER)

    class Meta:
        indexes = [models.Index(fields=["resolved_at", "due_at"], name="escalation_open_due"),
                   # A role's queue: open escalations at its level, soonest due first.
                   models.Index(fields=["role", "resolved_at", "due_at"],
                                name="escalation_queue")]

    def __str__(self) -> str:
        return f"Escalation {self.pk}"


class FundSpend(models.Model):
    """Flexible-fund spending for a member: category, amount, receipt."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="spending")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    contract_code = models.CharField(max_length=64)
    category = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    date = models.DateField()
    receipt = models.CharField(max_length=120, help_text="receipt number or reference")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+")
    at = models.DateTimeField()

    objects = ScopedManager(organisation=VIA_MEMBER)

    class Meta:
        indexes = [models.Index(fields=["member", "contract_code"], name="spend_member")]

    def __str__(self) -> str:
        return f"Fund spend {self.pk}"
