"""The joint operating committee (JOC): who sits on it, its meetings and their minutes,
member stories, action items carried from meeting to meeting, and case conferencing.

Who may see a committee is kept in `CommitteeParty`: the hub and the plan always, a CBO
once one of its people is a member. django-scopes and row-level security both filter on
it; everything below a committee follows its committee.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_scopes import ScopedManager

__all__ = [
    "ActionItem",
    "ActionStatus",
    "Attendance",
    "CaseConferenceEntry",
    "Committee",
    "CommitteeMember",
    "CommitteeParty",
    "CommitteeRole",
    "CORE_ROLES",
    "Meeting",
    "MeetingStatus",
    "MemberStory",
]

VIA_COMMITTEE = "committee__parties__organisation"
VIA_MEETING = "meeting__committee__parties__organisation"


class CommitteeRole(models.TextChoices):
    # The seeds' core team.
    ADMINISTRATIVE_LEAD = "administrative_lead", "Administrative lead"
    PROGRAMMATIC_LEAD = "programmatic_lead", "Programmatic lead"
    # Invited as needed.
    FRONTLINE_STAFF = "frontline_staff", "Frontline staff"
    MEDICAL_LEADERSHIP = "medical_leadership", "Medical leadership"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    HUB_STAFF = "hub_staff", "Community care hub staff"
    TECHNOLOGY_COMPLIANCE = "technology_compliance", "Technology and compliance"
    DATA_ANALYTICS = "data_analytics", "Data and analytics"


CORE_ROLES = (CommitteeRole.ADMINISTRATIVE_LEAD, CommitteeRole.PROGRAMMATIC_LEAD)


class Committee(models.Model):
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    hub = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    cadence = models.CharField(max_length=80, blank=True,
                               help_text="From the scope of work, e.g. monthly.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation="parties__organisation")

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class CommitteeParty(models.Model):
    """An organisation that may see the committee, its meetings and its pack."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.CASCADE,
                                     related_name="+")

    objects = ScopedManager(organisation="organisation")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["committee", "organisation"],
                                               name="committee_party_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id} sees committee {self.committee_id}"


class CommitteeMember(models.Model):
    """A carehub user, or an outside person known by name and e-mail."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    role = models.CharField(max_length=24, choices=CommitteeRole.choices)
    active = models.BooleanField(default=True)

    objects = ScopedManager(organisation=VIA_COMMITTEE)

    class Meta:
        ordering = ["role", "name", "pk"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id and self.user is not None:
            full = f"{self.user.first_name} {self.user.last_name}".strip()
            return full or self.user.username
        return self.name

    @property
    def is_core(self) -> bool:
        return self.role in CORE_ROLES


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    SENT = "sent", "Pack and notes sent"


class Meeting(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    period = models.CharField(max_length=7, help_text="The month it reviews, YYYY-MM.")
    status = models.CharField(max_length=8, choices=MeetingStatus.choices,
                              default=MeetingStatus.PLANNED)
    # The data domains chosen for this month's presentation (keys of selectors.joc.DOMAINS).
    domains = models.JSONField(default=list, blank=True)
    # Minutes, one field per agenda section of the seeds' template.
    data_notes = models.TextField("data presentation", blank=True)
    engagement_notes = models.TextField("member engagement", blank=True)
    bottleneck_notes = models.TextField("workflow bottlenecks", blank=True)
    escalation_notes = models.TextField("escalation pathway", blank=True)
    status_notes = models.TextField("status of earlier items", blank=True)
    opportunity_notes = models.TextField("emerging opportunities", blank=True)
    payer_update = models.TextField("payer's organisational update", blank=True)
    hub_update = models.TextField("CBO and hub organisational update", blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation=VIA_COMMITTEE)

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.committee} {self.starts_at:%Y-%m-%d}"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="+")
    present = models.BooleanField(default=False)

    objects = ScopedManager(organisation=VIA_MEETING)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"],
                                               name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.member_id} at {self.meeting_id}: {self.present}"


class MemberStory(models.Model):
    """Told at a meeting with the member's story-sharing consent; the text was checked
    for identifiers when saved (reporting.story_check) and is shown without the member."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="stories")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey("referrals.Consent", on_delete=models.PROTECT, related_name="+")
    told_by = models.CharField(max_length=200, help_text="e.g. the frontline worker")
    title = models.CharField(max_length=200)
    text = models.TextField()
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+", help_text="recorded by")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(organisation=VIA_MEETING)

    def __str__(self) -> str:
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class ActionItem(models.Model):
    """Raised at one meeting; shown on every later meeting of the committee until done."""

    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="actions")
    raised_at = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="raised")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")
    owner_name = models.CharField(max_length=200, blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=6, choices=ActionStatus.choices,
                              default=ActionStatus.OPEN)
    done_at = models.ForeignKey(Meeting, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="closed")
    done_on = models.DateField(null=True, blank=True)

    objects = ScopedManager(organisation=VIA_COMMITTEE)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def owner_display(self) -> str:
        if self.owner is not None:
            full = f"{self.owner.first_name} {self.owner.last_name}".strip()
            return full or self.owner.username
        return self.owner_name


class CaseConferenceEntry(models.Model):
    """A member discussed at a meeting's case conference (member data: audited)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="conference")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300, help_text="why the member is listed")
    unresolved = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    follow_up = models.CharField(max_length=300, blank=True)
    organisation = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT,
                                     related_name="+", help_text="listed by")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, related_name="+")
    at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(organisation=VIA_MEETING)

    class Meta:
        ordering = ["-unresolved", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"],
                                               name="conference_member_once")]

    def __str__(self) -> str:
        return f"Case conference {self.meeting_id}: {self.member_id}"
