"""Writing the joint operating committee: committees and members, meetings and minutes,
member stories, action items, case-conference notes, and sending the pack.

Every write takes `acting`, runs in one transaction and is audited; writes about a member
(story, case-conference entry) are audited with the member's id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carehub.audit import services as audit
from carehub.contracts.models import Contract
from carehub.members.models import Member
from carehub.notifications import services as notifications
from carehub.notifications.kinds import Kind
from carehub.referrals.models import ConsentKind
from carehub.referrals.selectors import active_consent
from carehub.reporting import story_check
from carehub.reporting.models.joc import (
    ActionItem,
    ActionStatus,
    Attendance,
    CaseConferenceEntry,
    Committee,
    CommitteeMember,
    CommitteeParty,
    Meeting,
    MeetingStatus,
    MemberStory,
)
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind

MINUTES_FIELDS = ("data_notes", "engagement_notes", "bottleneck_notes", "escalation_notes",
                  "status_notes", "opportunity_notes", "payer_update", "hub_update")


def _audit(action: str, acting: Acting, obj: Any, object_type: str, **detail: Any) -> None:
    member_id = detail.pop("member_id", None)
    audit.record(action, acting=acting, object_type=object_type, object_id=str(obj.pk),
                 member_id=member_id, detail=detail)


@transaction.atomic
def create_committee(*, acting: Acting, hub: Organisation, plan: Organisation, name: str,
                     contract: Contract | None = None, cadence: str = "") -> Committee:
    """A committee of the hub and the plan; its cadence from the scope of work when not
    given."""
    if contract is not None and not cadence:
        cadence = contract.joc_cadence
    committee = Committee.objects.create(contract=contract, hub=hub, plan=plan, name=name,
                                         cadence=cadence)
    for org in (hub, plan):
        CommitteeParty.objects.get_or_create(committee=committee, organisation=org)
    _audit("create", acting, committee, "joc_committee", name=name,
           contract=contract.code if contract else "")
    return committee


@transaction.atomic
def add_member(committee: Committee, *, acting: Acting, role: str, user: Any = None,
               name: str = "", email: str = "",
               organisation: Organisation | None = None) -> CommitteeMember:
    """A person on the committee; a CBO of theirs then sees the committee too."""
    if user is None and not name.strip():
        raise ValidationError({"name": "Give the person's name, or choose a user."})
    member = CommitteeMember.objects.create(committee=committee, user=user, name=name.strip(),
                                            email=email.strip(), organisation=organisation,
                                            role=role)
    if organisation is not None and organisation.kind == OrganisationKind.CBO:
        CommitteeParty.objects.get_or_create(committee=committee, organisation=organisation)
    _audit("create", acting, member, "joc_member", committee=committee.pk, role=role)
    return member


@transaction.atomic
def plan_meeting(committee: Committee, *, acting: Acting, starts_at: datetime, period: str,
                 domains: list[str] | None = None) -> Meeting:
    meeting = Meeting.objects.create(committee=committee, starts_at=starts_at, period=period,
                                     domains=list(domains or []))
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=m)
         for m in committee.members.filter(active=True)])
    _audit("create", acting, meeting, "joc_meeting", committee=committee.pk, period=period)
    return meeting


@transaction.atomic
def update_plan(meeting: Meeting, *, acting: Acting, starts_at: datetime, period: str,
                domains: list[str]) -> Meeting:
    meeting.starts_at, meeting.period, meeting.domains = starts_at, period, list(domains)
    meeting.save(update_fields=["starts_at", "period", "domains"])
    _audit("update", acting, meeting, "joc_meeting", period=period, domains=domains)
    return meeting


@transaction.atomic
def add_story(meeting: Meeting, *, acting: Acting, member: Member, told_by: str, title: str,
              text: str, today: date | None = None) -> MemberStory:
    """Refused unless the member has a current story-sharing consent and the text names
    nothing that identifies them (ValidationError naming the field and the words)."""
    consent = active_consent(member.pk, ConsentKind.STORY_SHARING, on=today)
    if consent is None:
        raise ValidationError({"member": "This member has no current story-sharing consent "
                                         "(given, not expired, not revoked)."})
    problems = story_check.findings(f"{title}\n{text}", member)
    if problems:
        raise ValidationError({"text": story_check.refusal(problems)})
    story = MemberStory.objects.create(meeting=meeting, member=member, consent=consent,
                                       told_by=told_by, title=title, text=text,
                                       organisation=acting.organisation,
                                       recorded_by=acting.user if getattr(acting.user, "pk", None)
                                       else None)
    _audit("create", acting, story, "joc_story", member_id=member.pk, meeting=meeting.pk,
           consent=consent.pk)
    return story


@transaction.atomic
def remove_story(story: MemberStory, *, acting: Acting) -> None:
    _audit("delete", acting, story, "joc_story", member_id=story.member_id)
    story.delete()


@transaction.atomic
def record_minutes(meeting: Meeting, *, acting: Acting, minutes: dict[str, str],
                   present: set[int]) -> Meeting:
    """The minutes per agenda section and who was there; the meeting counts as held."""
    for name in MINUTES_FIELDS:
        if name in minutes:
            setattr(meeting, name, minutes[name])
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.HELD
        meeting.held_at = timezone.now()
    meeting.save()
    for row in meeting.attendance.all():
        if row.present != (row.member_id in present):
            row.present = row.member_id in present
            row.save(update_fields=["present"])
    _audit("update", acting, meeting, "joc_minutes", present=sorted(present))
    return meeting


@transaction.atomic
def add_action(meeting: Meeting, *, acting: Acting, text: str, due_on: date, owner: Any = None,
               owner_name: str = "") -> ActionItem:
    if owner is None and not owner_name.strip():
        raise ValidationError({"owner_name": "Every action item needs an owner."})
    item = ActionItem.objects.create(committee=meeting.committee, raised_at=meeting, text=text,
                                     owner=owner, owner_name=owner_name.strip(), due_on=due_on)
    _audit("create", acting, item, "joc_action", meeting=meeting.pk)
    return item


@transaction.atomic
def close_action(item: ActionItem, *, acting: Acting, meeting: Meeting) -> ActionItem:
    """Done at `meeting`: it stops carrying forward after that meeting."""
    item.status, item.done_at, item.done_on = ActionStatus.DONE, meeting, timezone.localdate()
    item.save(update_fields=["status", "done_at", "done_on"])
    _audit("update", acting, item, "joc_action", status="done", meeting=meeting.pk)
    return item


@transaction.atomic
def list_for_conference(meeting: Meeting, *, acting: Acting, member: Member, reason: str,
                        unresolved: bool) -> CaseConferenceEntry:
    entry, _ = CaseConferenceEntry.objects.update_or_create(
        meeting=meeting, member=member,
        defaults={"reason": reason[:300], "unresolved": unresolved,
                  "organisation": acting.organisation,
                  "recorded_by": acting.user if getattr(acting.user, "pk", None) else None})
    _audit("create", acting, entry, "joc_conference", member_id=member.pk, meeting=meeting.pk)
    return entry


@transaction.atomic
def conference_note(entry: CaseConferenceEntry, *, acting: Acting, note: str,
                    follow_up: str) -> CaseConferenceEntry:
    entry.note, entry.follow_up = note, follow_up
    entry.recorded_by = acting.user if getattr(acting.user, "pk", None) else None
    entry.save(update_fields=["note", "follow_up", "recorded_by", "at"])
    _audit("update", acting, entry, "joc_conference", member_id=entry.member_id,
           meeting=entry.meeting_id)
    return entry


def recipients(meeting: Meeting) -> list[CommitteeMember]:
    """The core team and everyone invited who was absent (the seeds' follow-up)."""
    present = set(meeting.attendance.filter(present=True).values_list("member_id", flat=True))
    return [m for m in meeting.committee.members.filter(active=True).select_related("user")
            if m.is_core or m.pk not in present]


@transaction.atomic
def send_pack(meeting: Meeting, *, acting: Acting) -> list[CommitteeMember]:
    """The meeting is finished: the pack and notes go to the core team and the absent.
    Users are told by notification (e-mailed per their preferences); outside people by
    e-mail with the link."""
    if meeting.status == MeetingStatus.PLANNED:
        raise ValidationError({"status": "Record the minutes before sending the pack."})
    told = recipients(meeting)
    link = reverse("reporting:joc_pack", args=[meeting.pk])
    title = f"{meeting.committee.name}: pack and notes of {meeting.starts_at:%Y-%m-%d}"
    users = [m.user for m in told if m.user is not None]
    notifications.notify(Kind.JOC_PACK_SENT, users=users, title=title, acting=acting,
                         organisation=meeting.committee.hub, link=link, merge=False)
    outside = [m.email for m in told if m.user is None and m.email]
    if outside:
        transaction.on_commit(lambda: send_mail(
            title, f"The pack and notes are on carehub: {link}", None, outside,
            fail_silently=True))
    meeting.status, meeting.sent_at = MeetingStatus.SENT, timezone.now()
    meeting.save(update_fields=["status", "sent_at"])
    _audit("update", acting, meeting, "joc_meeting", status="sent",
           recipients=[m.pk for m in told])
    return told
