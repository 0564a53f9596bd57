"""Community voice: advisory councils and their members and meetings, the feedback log
with each item's disposition and the answer sent back, and the touch-point log of who was
asked what and when (so the same people are not asked the same thing again and again)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

__all__ = [
    "AdvisoryCouncil", "AnswerChannel", "CompositionBasis", "CouncilMeeting", "CouncilMember",
    "Disposition", "FeedbackItem", "FeedbackSource", "TouchPoint", "TouchPointChannel",
]


class CompositionBasis(models.TextChoices):
    CONSUMERS = "consumers", "consumers"
    LIVED_EXPERIENCE = "lived_experience", "people with lived experience"
    EITHER = "either", "consumers or people with lived experience"


class AdvisoryCouncil(models.Model):
    """A community advisory council kept by a hub or a plan (the owner)."""

    owner = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    purpose = models.TextField(blank=True)
    minimum_share = models.DecimalField(
        "minimum share (%)", max_digits=5, decimal_places=2, default=Decimal("51"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="The least share of current members who must count, e.g. 51.")
    counts = models.CharField("who counts toward the share", max_length=20,
                              choices=CompositionBasis.choices,
                              default=CompositionBasis.CONSUMERS)
    other_rules = models.TextField(
        blank=True, help_text='Other composition rules in words, e.g. "invite a tribal representative".')
    contract = models.ForeignKey("contracts.Contract", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class CouncilMember(models.Model):
    council = models.ForeignKey(AdvisoryCouncil, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=200)
    contact = models.CharField(max_length=200, blank=True, help_text="Phone or e-mail.")
    organisation = models.CharField(max_length=200, blank=True, help_text="Organisation, if any.")
    consumer = models.BooleanField(
        default=False, help_text="A member or user of the services.")
    lived_experience = models.BooleanField(default=False)
    other_roles = models.CharField(max_length=200, blank=True)
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)
    consent_to_contact = models.BooleanField(
        "consents to be contacted", default=False,
        help_text="Without it the contact is not shown and the member is not asked.")

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class CouncilMeeting(models.Model):
    council = models.ForeignKey(AdvisoryCouncil, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField()
    agenda = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    attendance = models.ManyToManyField(CouncilMember, blank=True, related_name="meetings_attended")

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.council} {self.held_on:%Y-%m-%d}"


class TouchPointChannel(models.TextChoices):
    SURVEY = "survey", "Survey"
    LISTENING = "listening_session", "Listening session"
    TOWN_HALL = "town_hall", "Town hall"
    INTERVIEW = "interview", "Interview"
    COUNCIL = "council_meeting", "Council meeting"


class TouchPoint(models.Model):
    """One time people were asked something: whom (council members, a CBO, a group of
    members described by a label), about what, how and when."""

    owner = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    council_members = models.ManyToManyField(CouncilMember, blank=True, related_name="touch_points")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, null=True,
                            blank=True, related_name="+")
    group_label = models.CharField(
        max_length=200, blank=True, help_text='A group of members, e.g. "DEMO-MEALS enrolled members".')
    topic = models.CharField(max_length=200)
    questions = models.TextField()
    channel = models.CharField(max_length=20, choices=TouchPointChannel.choices)
    held_on = models.DateField()
    asked_by = models.CharField("by whom", max_length=200)
    # Saved after the warning that the same people were asked about this recently.
    confirmed_despite_recent_ask = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class FeedbackSource(models.TextChoices):
    MEMBER = "member", "Plan member"
    COUNCIL = "council", "Council"
    CBO = "cbo", "CBO"
    OTHER = "other", "Other"


class Disposition(models.TextChoices):
    OPEN = "open", "Open"
    IN_REVIEW = "in_review", "In review"
    INCORPORATED = "incorporated", "Incorporated"
    NOT_INCORPORATED = "not_incorporated", "Not incorporated"


class AnswerChannel(models.TextChoices):
    PLATFORM = "platform", "On carehub"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    LETTER = "letter", "Letter"
    MEETING = "meeting", "At a meeting"


class FeedbackItem(models.Model):
    """Feedback in the owner's log. Closed only once the answer has been sent back."""

    owner = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=FeedbackSource.choices)
    # Who gave it: words, a council member, a plan member (shown only to those who may
    # see that member), the CBO it came from, the platform user who entered it for a CBO.
    who = models.CharField(max_length=200, blank=True)
    council_member = models.ForeignKey(CouncilMember, on_delete=models.SET_NULL, null=True,
                                       blank=True, related_name="feedback")
    meeting = models.ForeignKey(CouncilMeeting, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="feedback")
    member = models.ForeignKey("members.Member", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+")
    cbo = models.ForeignKey("tenancy.Organisation", on_delete=models.PROTECT, null=True,
                            blank=True, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    touch_point = models.ForeignKey(TouchPoint, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="feedback")
    topic = models.CharField(max_length=200)
    text = models.TextField()
    received_on = models.DateField()
    disposition = models.CharField(max_length=20, choices=Disposition.choices,
                                   default=Disposition.OPEN)
    incorporated_where = models.TextField(
        blank=True, help_text="Which decision, document, workflow or contract change.")
    not_incorporated_why = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answer_channel = models.CharField(max_length=10, choices=AnswerChannel.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["owner", "disposition"], name="voice_feedback_disp"),
                   models.Index(fields=["cbo"], name="voice_feedback_cbo")]

    def __str__(self) -> str:
        return self.topic

    @property
    def closed(self) -> bool:
        return self.answered_on is not None
