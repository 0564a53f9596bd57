"""Reading community voice: councils with their composition against the rule, the
feedback log (a CBO sees only what it sent; a plan member is named only to those who may
see them) and the touch points that ask the same people about the same thing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.members.models import Member
from carehub.reporting.models.voice import (
    AdvisoryCouncil,
    CompositionBasis,
    CouncilMember,
    FeedbackItem,
    TouchPoint,
)
from carehub.tenancy.access import Acting
from carehub.tenancy.models import OrganisationKind

REPEAT_ASK_DAYS = 90


def repeat_ask_days() -> int:
    """How far back a touch point counts as a recent ask (setting CAREHUB_VOICE_REPEAT_ASK_DAYS)."""
    return int(getattr(settings, "CAREHUB_VOICE_REPEAT_ASK_DAYS", REPEAT_ASK_DAYS))


# --- composition --------------------------------------------------------------------------

@dataclass(frozen=True)
class Composition:
    current: int
    consumers: int
    lived_experience: int
    counted: int  # those who count toward the rule (by the council's basis)
    basis: str
    minimum: Decimal

    @property
    def percent(self) -> int | None:
        if not self.current:
            return None
        share = Decimal(self.counted * 100) / Decimal(self.current)
        return int(share.quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    @property
    def meets(self) -> bool:
        # Exact comparison: 50.5% of members is not 51%, whatever the rounding shows.
        return bool(self.current) and Decimal(self.counted * 100) >= self.minimum * self.current

    @property
    def minimum_label(self) -> str:
        return f"{self.minimum.normalize():f}%"

    @property
    def sentence(self) -> str:
        """E.g. "5 of 9 (56%) consumers: meets the 51% rule"."""
        who = CompositionBasis(self.basis).label
        if not self.current:
            return f"No current members: misses the {self.minimum_label} rule."
        verdict = "meets" if self.meets else "misses"
        return (f"{self.counted} of {self.current} ({self.percent}%) {who}: "
                f"{verdict} the {self.minimum_label} rule.")


def counts_toward(member: CouncilMember, basis: str) -> bool:
    if basis == CompositionBasis.CONSUMERS:
        return member.consumer
    if basis == CompositionBasis.LIVED_EXPERIENCE:
        return member.lived_experience
    return member.consumer or member.lived_experience


def is_current(member: CouncilMember, on: date) -> bool:
    return member.joined_on <= on and (member.left_on is None or member.left_on > on)


def composition(council: AdvisoryCouncil, members: Iterable[CouncilMember], *,
                on: date) -> Composition:
    """The council's make-up on `on`: members who have left (or not yet joined) do not count."""
    current = [m for m in members if is_current(m, on)]
    return Composition(
        current=len(current),
        consumers=sum(1 for m in current if m.consumer),
        lived_experience=sum(1 for m in current if m.lived_experience),
        counted=sum(1 for m in current if counts_toward(m, council.counts)),
        basis=council.counts, minimum=Decimal(council.minimum_share),
    )


# --- councils -----------------------------------------------------------------------------

def councils_for(acting: Acting) -> QuerySet[AdvisoryCouncil]:
    """The acting organisation's councils, and those linked to a contract it is party to."""
    org = acting.organisation
    return (AdvisoryCouncil.objects
            .filter(Q(owner=org) | Q(contract__payer=org) | Q(contract__provider=org))
            .select_related("owner", "contract").distinct())


def get_council(acting: Acting, pk: int) -> AdvisoryCouncil:
    council = councils_for(acting).filter(pk=pk).first()
    if council is None:
        raise Http404("Not found")
    return council


def get_own_council(acting: Acting, pk: int) -> AdvisoryCouncil:
    """A council the acting organisation keeps (may change), or 404."""
    council = AdvisoryCouncil.objects.filter(owner=acting.organisation, pk=pk).first()
    if council is None:
        raise Http404("Not found")
    return council


def council_member(council: AdvisoryCouncil, pk: int) -> CouncilMember:
    found = council.members.filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def contact_shown(member: CouncilMember, *, keeper: bool) -> str:
    """The contact, to the council's keeper and only with consent."""
    if not keeper:
        return "kept by the council's owner"
    if not member.consent_to_contact:
        return "no consent to be contacted"
    return member.contact or "none given"


# --- feedback -----------------------------------------------------------------------------

def is_cbo(acting: Acting) -> bool:
    return acting.organisation.kind == OrganisationKind.CBO


def feedback_for(acting: Acting) -> QuerySet[FeedbackItem]:
    """The acting organisation's log; for a CBO only the items it sent."""
    field = "cbo" if is_cbo(acting) else "owner"
    return FeedbackItem.objects.filter(**{field: acting.organisation}).select_related(
        "owner", "cbo", "council_member", "meeting", "touch_point")


def filter_feedback(items: QuerySet[FeedbackItem], *, source: str = "", disposition: str = "",
                    topic: str = "", unanswered: bool = False) -> QuerySet[FeedbackItem]:
    if source:
        items = items.filter(source=source)
    if disposition:
        items = items.filter(disposition=disposition)
    if topic:
        items = items.filter(topic__icontains=topic)
    if unanswered:
        items = items.filter(answered_on__isnull=True)
    return items


def get_feedback(acting: Acting, pk: int) -> FeedbackItem:
    item = feedback_for(acting).filter(pk=pk).first()
    if item is None:
        raise Http404("Not found")
    return item


def sent_by_cbo_user(item: FeedbackItem) -> bool:
    """The item came in on carehub from a user of its CBO (not logged by the owner's staff
    on someone's behalf): that user is told when it is answered."""
    from carehub.tenancy.models import Membership

    if not (item.submitted_by_id and item.cbo_id):
        return False
    return Membership.objects.filter(user_id=item.submitted_by_id, organisation_id=item.cbo_id,
                                     is_active=True).exists()


def visible_member_names(acting: Acting, member_ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the members among `member_ids` the acting organisation may see."""
    wanted = {pk for pk in member_ids if pk}
    if not wanted:
        return {}
    with scopes_disabled():  # filtered by the acting organisation's access here
        found = list(Member.objects.filter(access__organisation=acting.organisation,
                                           pk__in=wanted))
    return {m.pk: f"{m.first_name} {m.last_name} ({m.member_id})" for m in found}


def who_label(item: FeedbackItem, names: dict[int, str]) -> str:
    """Who gave the item, without a plan member's identity unless the reader may see them."""
    if item.member_id:
        return names.get(item.member_id, "A plan member")
    if item.council_member_id and item.council_member is not None:
        return item.council_member.name
    if item.who:
        return item.who
    if item.cbo_id and item.cbo is not None:
        return item.cbo.name
    return "—"


def shown_feedback(acting: Acting, items: Sequence[FeedbackItem], *,
                   object_id: str = "*") -> list[dict[str, Any]]:
    """Rows to show, each with who gave it in words; audited with the members named."""
    names = visible_member_names(acting, (i.member_id for i in items))
    rows = [{"item": i, "who": who_label(i, names)} for i in items]
    named = sorted({i.member_id for i in items if i.member_id in names})
    if named:
        audit.record("view", object_type="feedback_list", object_id=object_id, acting=acting,
                     detail={"member_ids": named},
                     member_id=named[0] if len(named) == 1 else None)
    return rows


# --- touch points -------------------------------------------------------------------------

STOP_WORDS = frozenset("""about after again also among and any are been before being between
both but can could does each feedback for from have how into its more most much not other
our out over own same should some such than that the their them then there these they this
those through under very was were what when where which while who why will with would your
""".split())


def topic_words(topic: str) -> set[str]:
    """The words that make a topic: four letters or more, not a common word."""
    return {w for w in re.findall(r"[a-z0-9]+", topic.lower())
            if len(w) >= 4 and w not in STOP_WORDS}


def same_topic(one: str, other: str) -> bool:
    """The same topic field (ignoring case and spacing) or a shared topic word."""
    if " ".join(one.lower().split()) == " ".join(other.lower().split()):
        return True
    return bool(topic_words(one) & topic_words(other))


def same_label(one: str, other: str) -> bool:
    return bool(one.strip()) and " ".join(one.lower().split()) == " ".join(other.lower().split())


@dataclass(frozen=True)
class RecentAsk:
    touch_point: TouchPoint
    why: str  # the people asked in both, in words
    feedback: list[FeedbackItem]


def recent_asks(acting: Acting, *, member_ids: Iterable[int], cbo_id: int | None,
                group_label: str, topic: str, on: date,
                days: int | None = None) -> list[RecentAsk]:
    """Touch points of the acting organisation in the `days` before `on` (through `on`)
    that asked the same people (a council member in common, the same CBO or the same
    group label) about the same topic."""
    window = repeat_ask_days() if days is None else days
    wanted = set(member_ids)
    earlier = (TouchPoint.objects.filter(owner=acting.organisation,
                                         held_on__gte=on - timedelta(days=window), held_on__lte=on)
               .select_related("cbo").prefetch_related("council_members", "feedback"))
    found = []
    for point in earlier:
        if not same_topic(point.topic, topic):
            continue
        reasons = []
        common = sorted(m.name for m in point.council_members.all() if m.pk in wanted)
        if common:
            reasons.append("council members " + ", ".join(common))
        if cbo_id and point.cbo_id == cbo_id and point.cbo is not None:
            reasons.append(point.cbo.name)
        if same_label(point.group_label, group_label):
            reasons.append(f'the group "{point.group_label}"')
        if reasons:
            found.append(RecentAsk(point, "; ".join(reasons), list(point.feedback.all())))
    return found


def touch_points_for(acting: Acting) -> QuerySet[TouchPoint]:
    return (TouchPoint.objects.filter(owner=acting.organisation)
            .select_related("cbo").prefetch_related("council_members"))
