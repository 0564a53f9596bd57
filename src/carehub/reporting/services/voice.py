"""Writing community voice. Each write is atomic and audited; the rules a person relies on
(a disposition says where or why, an item closes only when answered, the same people are
not asked the same thing again without a confirmation) are enforced here, not only in forms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse

from carehub.audit import services as audit
from carehub.notifications.kinds import Kind
from carehub.notifications.services import notify
from carehub.reporting.models.voice import (
    AdvisoryCouncil,
    CouncilMeeting,
    CouncilMember,
    Disposition,
    FeedbackItem,
    FeedbackSource,
    TouchPoint,
)
from carehub.reporting.selectors.voice import RecentAsk, recent_asks, sent_by_cbo_user
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation


class VoiceError(ValueError):
    """A refused change, naming the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RepeatAsk(Exception):  # noqa: N818 - a condition the caller answers, not a failure
    """The same people were asked about the same topic recently: confirm to save."""

    def __init__(self, asks: list[RecentAsk]) -> None:
        super().__init__(f"{len(asks)} recent touch point(s) asked the same people")
        self.asks = asks


def _own(acting: Acting, council: AdvisoryCouncil) -> None:
    if council.owner_id != acting.organisation.pk:
        raise VoiceError("council", "only the organisation that keeps the council changes it")


# --- councils -----------------------------------------------------------------------------

def create_council(*, acting: Acting, name: str, purpose: str = "",
                   minimum_share: Decimal = Decimal("51"), counts: str = "consumers",
                   other_rules: str = "", contract: Any = None) -> AdvisoryCouncil:
    if not Decimal("0") <= Decimal(minimum_share) <= Decimal("100"):
        raise VoiceError("minimum share", "must be between 0 and 100")
    if contract is not None and acting.organisation.pk not in (contract.payer_id,
                                                               contract.provider_id):
        raise VoiceError("contract", "must be a contract your organisation is party to")
    with transaction.atomic():
        council = AdvisoryCouncil.objects.create(
            owner=acting.organisation, name=name, purpose=purpose, minimum_share=minimum_share,
            counts=counts, other_rules=other_rules, contract=contract)
        audit.record("create", object_type="advisory_council", object_id=str(council.pk),
                     acting=acting, detail={"name": name, "minimum_share": str(minimum_share),
                                            "counts": counts})
    return council


def add_council_member(council: AdvisoryCouncil, *, acting: Acting, name: str,
                       joined_on: date, contact: str = "", organisation: str = "",
                       consumer: bool = False, lived_experience: bool = False,
                       other_roles: str = "", consent_to_contact: bool = False,
                       left_on: date | None = None) -> CouncilMember:
    _own(acting, council)
    if left_on is not None and left_on < joined_on:
        raise VoiceError("left on", "cannot be before the date joined")
    with transaction.atomic():
        member = CouncilMember.objects.create(
            council=council, name=name, contact=contact, organisation=organisation,
            consumer=consumer, lived_experience=lived_experience, other_roles=other_roles,
            joined_on=joined_on, left_on=left_on, consent_to_contact=consent_to_contact)
        audit.record("create", object_type="council_member", object_id=str(member.pk),
                     acting=acting, detail={"council": council.pk, "consumer": consumer,
                                            "lived_experience": lived_experience})
    return member


def member_leaves(member: CouncilMember, *, acting: Acting, left_on: date) -> CouncilMember:
    _own(acting, member.council)
    if left_on < member.joined_on:
        raise VoiceError("left on", "cannot be before the date joined")
    with transaction.atomic():
        member.left_on = left_on
        member.save(update_fields=["left_on"])
        audit.record("update", object_type="council_member", object_id=str(member.pk),
                     acting=acting, detail={"left_on": left_on.isoformat()})
    return member


def record_meeting(council: AdvisoryCouncil, *, acting: Acting, held_on: date, agenda: str = "",
                   notes: str = "", attendance: Sequence[CouncilMember] = ()) -> CouncilMeeting:
    _own(acting, council)
    strangers = [m.name for m in attendance if m.council_id != council.pk]
    if strangers:
        raise VoiceError("attendance", f"not members of this council: {', '.join(strangers)}")
    with transaction.atomic():
        meeting = CouncilMeeting.objects.create(council=council, held_on=held_on,
                                                agenda=agenda, notes=notes)
        meeting.attendance.set(list(attendance))
        audit.record("create", object_type="council_meeting", object_id=str(meeting.pk),
                     acting=acting, detail={"council": council.pk, "held_on": held_on.isoformat(),
                                            "attended": len(attendance)})
    return meeting


# --- feedback -----------------------------------------------------------------------------

def submit_feedback(*, acting: Acting, owner: Organisation, source: str, topic: str, text: str,
                    received_on: date, who: str = "", member: Any = None,
                    council_member: CouncilMember | None = None,
                    meeting: CouncilMeeting | None = None, cbo: Organisation | None = None,
                    touch_point: TouchPoint | None = None) -> FeedbackItem:
    """Log an item in `owner`'s log. A CBO's user logs it from their CBO, in a hub's log;
    the item keeps who entered it so the answer can be sent back to them."""
    if source not in FeedbackSource.values:
        raise VoiceError("source", f"must be one of {', '.join(FeedbackSource.values)}")
    if not topic.strip():
        raise VoiceError("topic", "is required")
    if not text.strip():
        raise VoiceError("feedback", "is required")
    for name, linked in (("council member", council_member), ("meeting", meeting)):
        if linked is not None and linked.council.owner_id != owner.pk:
            raise VoiceError(name, "belongs to a council of another organisation")
    if touch_point is not None and touch_point.owner_id != owner.pk:
        raise VoiceError("touch point", "belongs to another organisation")
    if member is not None and not member.access.filter(organisation=acting.organisation).exists():
        raise VoiceError("member", "is not a member your organisation may see")
    with transaction.atomic():
        item = FeedbackItem.objects.create(
            owner=owner, source=source, topic=topic.strip(), text=text, received_on=received_on,
            who=who, member=member, council_member=council_member, meeting=meeting, cbo=cbo,
            submitted_by=acting.user if getattr(acting.user, "pk", None) else None,
            touch_point=touch_point)
        audit.record("create", object_type="feedback_item", object_id=str(item.pk),
                     acting=acting, member_id=getattr(member, "pk", None),
                     detail={"owner": owner.pk, "source": source, "topic": item.topic})
    return item


def set_disposition(item: FeedbackItem, *, acting: Acting, disposition: str, where: str = "",
                    why: str = "") -> FeedbackItem:
    """Incorporated needs where; not incorporated needs why (the guidance: explain it)."""
    if item.owner_id != acting.organisation.pk:
        raise VoiceError("disposition", "only the log's owner records it")
    if disposition not in Disposition.values:
        raise VoiceError("disposition", f"must be one of {', '.join(Disposition.values)}")
    if disposition == Disposition.INCORPORATED and not where.strip():
        raise VoiceError("where incorporated",
                         "say where: which decision, document, workflow or contract change")
    if disposition == Disposition.NOT_INCORPORATED and not why.strip():
        raise VoiceError("why not incorporated", "say why the feedback was not incorporated")
    with transaction.atomic():
        item.disposition = disposition
        item.incorporated_where = where.strip() if disposition == Disposition.INCORPORATED else ""
        item.not_incorporated_why = why.strip() if disposition == Disposition.NOT_INCORPORATED else ""
        item.save(update_fields=["disposition", "incorporated_where", "not_incorporated_why",
                                 "updated_at"])
        audit.record("update", object_type="feedback_item", object_id=str(item.pk),
                     acting=acting, member_id=item.member_id,
                     detail={"disposition": disposition})
    return item


def answer_feedback(item: FeedbackItem, *, acting: Acting, answer: str, answered_on: date,
                    channel: str) -> FeedbackItem:
    """Record the answer sent back, which closes the item; a platform user who sent it
    (a CBO's user) is told on carehub."""
    from carehub.reporting.models.voice import AnswerChannel

    if item.owner_id != acting.organisation.pk:
        raise VoiceError("answer", "only the log's owner answers")
    if not answer.strip():
        raise VoiceError("answer", "is required")
    if channel not in AnswerChannel.values:
        raise VoiceError("channel", f"must be one of {', '.join(AnswerChannel.values)}")
    if item.disposition in (Disposition.OPEN, ""):
        raise VoiceError("disposition", "record the disposition before answering")
    if answered_on < item.received_on:
        raise VoiceError("answered on", "cannot be before the feedback was received")
    with transaction.atomic():
        item.answer = answer.strip()
        item.answered_on = answered_on
        item.answer_channel = channel
        item.save(update_fields=["answer", "answered_on", "answer_channel", "updated_at"])
        audit.record("update", object_type="feedback_item", object_id=str(item.pk),
                     acting=acting, member_id=item.member_id,
                     detail={"answered_on": answered_on.isoformat(), "channel": channel})
        if sent_by_cbo_user(item) and item.submitted_by is not None:
            notify(Kind.FEEDBACK_ANSWERED, users=[item.submitted_by], acting=acting,
                   # Notices never carry member details: the answer is on the linked page.
                   organisation=item.cbo, title="Your feedback was answered",
                   body="Open it to read the answer and what was done with it.",
                   link=reverse("reporting:voice_feedback_item", args=[item.pk]))
    return item


# --- touch points -------------------------------------------------------------------------

def record_touch_point(*, acting: Acting, topic: str, questions: str, channel: str,
                       held_on: date, asked_by: str,
                       council_members: Sequence[CouncilMember] = (),
                       cbo: Organisation | None = None, group_label: str = "",
                       confirm: bool = False) -> TouchPoint:
    """Log a touch point. Raises RepeatAsk when the same people were asked about the same
    topic in the window, unless `confirm`; a confirmed one says so."""
    if not (council_members or cbo or group_label.strip()):
        raise VoiceError("who was asked", "name council members, a CBO or a group of members")
    for m in council_members:
        if m.council.owner_id != acting.organisation.pk:
            raise VoiceError("council members", f"{m.name} is not on a council of yours")
        if not m.consent_to_contact:
            raise VoiceError("council members", f"{m.name} has not consented to be contacted")
    asks = recent_asks(acting, member_ids=[m.pk for m in council_members],
                       cbo_id=cbo.pk if cbo else None, group_label=group_label,
                       topic=topic, on=held_on)
    if asks and not confirm:
        raise RepeatAsk(asks)
    with transaction.atomic():
        point = TouchPoint.objects.create(
            owner=acting.organisation, cbo=cbo, group_label=group_label.strip(),
            topic=topic.strip(), questions=questions, channel=channel, held_on=held_on,
            asked_by=asked_by, confirmed_despite_recent_ask=bool(asks),
            created_by=acting.user if getattr(acting.user, "pk", None) else None)
        point.council_members.set(list(council_members))
        audit.record("create", object_type="touch_point", object_id=str(point.pk),
                     acting=acting, detail={"topic": point.topic, "channel": channel,
                                            "recent_asks": [a.touch_point.pk for a in asks]})
    return point
