"""Reading the joint operating committee for the acting organisation.

A committee is visible to its parties (hub, plan, CBOs with a member on it); everyone
else gets 404. Case-conference lists name members, so their reads are audited, and list
only members the acting organisation may see (a CBO sees the members referred to it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.core.referral_states import State
from carehub.members.models import Member, MemberAccess
from carehub.referrals.models import (
    OPEN_STATES,
    AttemptOutcome,
    Consent,
    ConsentKind,
    Escalation,
    OutreachAttempt,
    Referral,
)
from carehub.reporting.models.joc import (
    ActionItem,
    ActionStatus,
    CaseConferenceEntry,
    Committee,
    CommitteeMember,
    Meeting,
)
from carehub.tenancy.access import Acting
from carehub.tenancy.models import OrganisationKind, Role

# Who prepares and holds meetings; who reads them (parties' other roles read only).
WRITERS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER)
READERS = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.PAYER_MANAGER, Role.PAYER_ANALYST,
           Role.CBO_SUPERVISOR)

# The data domains a meeting may choose to present (the seeds: "the data domains
# discussed each month can change based on trends").
DOMAINS = {
    "funnel": "Outreach, contact and support provided",
    "timeliness": "Time to initiate service",
    "documentation": "Documentation and data on time",
    "volume": "Referral volume against the contract",
    "outcomes": "Completions and outcomes",
    "equity": "Sub-population splits",
    "barriers": "Barriers from escalations",
}
# The seeds' agenda, each section with the questions it asks.
AGENDA = (
    ("Member story", ("Told with the member's consent, without identifying them.",)),
    ("Data presentation", ("The scorecard against the contract's goals, the chosen data "
                           "domains, trends against targets.",)),
    ("Process improvements and program updates", (
        "Member engagement: who identifies and assigns members; how members are engaged; "
        "how communication and engagement can improve.",
        "Workflow bottlenecks between CBO and plan staff.",
        "The escalation pathway: what should work better.",
        "Status of earlier items: progress on what earlier meetings raised.",
        "Emerging opportunities: unexpected outcomes that can become future work.")),
    ("Organisational updates", ("The plan's, the hub's and the CBOs' current and future "
                                "work.",)),
)
MINUTES_SECTIONS = (
    ("data_notes", "Data presentation"),
    ("engagement_notes", "Member engagement"),
    ("bottleneck_notes", "Workflow bottlenecks"),
    ("escalation_notes", "Escalation pathway"),
    ("status_notes", "Status of earlier items"),
    ("opportunity_notes", "Emerging opportunities"),
    ("payer_update", "Organisational update: plan"),
    ("hub_update", "Organisational update: hub and CBOs"),
)
FAILED_CONTACT = [o.value for o in AttemptOutcome if o != AttemptOutcome.REACHED]
ENGAGING = [State.ASSIGNED.value, State.OUTREACH.value]


def committees_for(acting: Acting) -> QuerySet[Committee]:
    return (Committee.objects.filter(parties__organisation=acting.organisation).distinct()
            .select_related("contract", "hub", "plan"))


def get_committee(acting: Acting, pk: int) -> Committee:
    committee = committees_for(acting).filter(pk=pk).first()
    if committee is None:
        raise Http404("Not found")
    return committee


def get_meeting(acting: Acting, pk: int) -> Meeting:
    meeting = (Meeting.objects.filter(pk=pk, committee__in=committees_for(acting))
               .select_related("committee", "committee__contract", "committee__hub",
                               "committee__plan").first())
    if meeting is None:
        raise Http404("Not found")
    return meeting


def members_by_role(committee: Committee) -> list[tuple[str, list[CommitteeMember]]]:
    """(role label, members) in the seeds' order: core team first."""
    from carehub.reporting.models.joc import CommitteeRole

    rows = list(committee.members.filter(active=True).select_related("user", "organisation"))
    return [(label, [m for m in rows if m.role == value])
            for value, label in CommitteeRole.choices if any(m.role == value for m in rows)]


@dataclass
class Actions:
    """A meeting's action items: raised before and still open (carried), raised at it,
    closed at it."""

    carried: list[ActionItem] = field(default_factory=list)
    raised: list[ActionItem] = field(default_factory=list)
    done: list[ActionItem] = field(default_factory=list)

    @property
    def open(self) -> list[ActionItem]:
        return [a for a in self.carried + self.raised if a.status == ActionStatus.OPEN]


def actions_for(meeting: Meeting) -> Actions:
    """Every open item of the committee raised at or before this meeting shows here
    until it is done; one done at this meeting shows as done."""
    earlier = Q(raised_at__starts_at__lt=meeting.starts_at) | Q(
        raised_at__starts_at=meeting.starts_at, raised_at__pk__lt=meeting.pk)
    items = list(ActionItem.objects.filter(committee=meeting.committee)
                 .filter(Q(raised_at=meeting) | earlier)
                 .select_related("owner", "raised_at", "done_at"))
    here = (meeting.starts_at, meeting.pk)
    out = Actions()
    for item in items:
        if item.done_at_id == meeting.pk:
            out.done.append(item)
        elif item.raised_at_id == meeting.pk:
            out.raised.append(item)
        elif item.done_at is None or (item.done_at.starts_at, item.done_at.pk) > here:
            # Still open at this meeting (closed later, or not yet): carried forward.
            out.carried.append(item)
    return out


def open_actions(committee: Committee) -> list[ActionItem]:
    return list(ActionItem.objects.filter(committee=committee, status=ActionStatus.OPEN)
                .select_related("owner", "raised_at"))


def attendance(meeting: Meeting) -> list[tuple[CommitteeMember, bool]]:
    return [(row.member, row.present) for row in
            meeting.attendance.select_related("member", "member__user", "member__organisation")
            .order_by("member__role", "member__pk")]


def story_members(acting: Acting, *, today: datetime | None = None) -> QuerySet[Member]:
    """Members the acting organisation sees with a current story-sharing consent."""
    day = (today or timezone.now()).date() if isinstance(today, datetime) or today is None \
        else today
    consenting = (Consent.objects.filter(kind=ConsentKind.STORY_SHARING, revoked_at__isnull=True,
                                         given_on__lte=day)
                  .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=day))
                  .values("member_id"))
    return (Member.objects.filter(access__organisation=acting.organisation,
                                  pk__in=consenting).distinct().order_by("last_name", "pk"))


# --- case conferencing ----------------------------------------------------------------------

UNRESOLVED, ENGAGING_GROUP, ACTIVE = "unresolved", "engaging", "active"
GROUP_LABELS = {UNRESOLVED: "Unresolved issues", ENGAGING_GROUP: "Being identified and engaged",
                ACTIVE: "Active"}


@dataclass
class ConferenceRow:
    member_pk: int
    plan_member_id: str
    name: str
    group: str
    reasons: list[str]

    @property
    def unresolved(self) -> bool:
        return self.group == UNRESOLVED

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def _referrals(acting: Acting, committee: Committee) -> QuerySet[Referral]:
    """The committee's referrals the acting organisation is party to."""
    org = acting.organisation
    with scopes_disabled():
        qs = Referral.objects.filter(
            member_id__in=MemberAccess.objects.filter(organisation=org).values("member_id"))
        if committee.contract_id:
            qs = qs.filter(contract_id=committee.contract_id)
        else:
            qs = qs.filter(plan=committee.plan, hub=committee.hub)
        if org.kind == OrganisationKind.CBO:
            qs = qs.filter(organisation=org)
        return qs


@dataclass
class ConferenceLists:
    rows: list[ConferenceRow]  # at most `per_group` of each group, unresolved first
    counts: dict[str, int]  # every member of each group

    def more(self, group: str) -> int:
        return self.counts.get(group, 0) - sum(1 for r in self.rows if r.group == group)


def conference_lists(acting: Acting, committee: Committee, *, per_group: int = 50,
                     now: datetime | None = None) -> ConferenceLists:
    """The lists as a page shows them: each group's first `per_group` members (the most
    reasons first) and each group's full count. Only the members shown are audited."""
    rows = conference_candidates(acting, committee, now=now, audit_reads=False)
    counts: dict[str, int] = {}
    shown: list[ConferenceRow] = []
    for row in rows:
        counts[row.group] = counts.get(row.group, 0) + 1
        if counts[row.group] <= per_group:
            shown.append(row)
    if shown:
        audit.record("view", acting=acting, object_type="joc_conference_list",
                     object_id=str(committee.pk),
                     detail={"member_ids": [r.member_pk for r in shown], "counts": counts})
    return ConferenceLists(shown, counts)


def conference_candidates(acting: Acting, committee: Committee, *,
                          now: datetime | None = None, audit_reads: bool = True
                          ) -> list[ConferenceRow]:
    """The hub's lists before a meeting: members with unresolved issues first (open
    escalations, overdue next steps, failed contacts: the last attempt to reach a member
    not yet contacted failed) with the reason, then members being identified and engaged
    (assigned, outreach), then the other active members."""
    moment = now or timezone.now()
    referrals = _referrals(acting, committee).filter(state__in=OPEN_STATES)
    with scopes_disabled():
        open_refs = list(referrals.values("pk", "member_id", "state", "due_at"))
        ref_ids = [r["pk"] for r in open_refs]
        escalations: dict[int, list[str]] = {}
        for row in (Escalation.objects.filter(referral_id__in=ref_ids, resolved_at__isnull=True)
                    .values("member_id", "barrier")):
            escalations.setdefault(row["member_id"], []).append(
                row["barrier"].replace("_", " "))
        # A failed contact: the referral's latest attempt did not reach the member.
        latest: dict[int, tuple[datetime, str, int]] = {}
        not_reached = [r["pk"] for r in open_refs if r["state"] in ENGAGING]
        for attempt in (OutreachAttempt.objects.filter(referral_id__in=not_reached)
                        .values("referral_id", "member_id", "at", "outcome")):
            seen = latest.get(attempt["referral_id"])
            if seen is None or attempt["at"] > seen[0]:
                latest[attempt["referral_id"]] = (attempt["at"], attempt["outcome"],
                                                  attempt["member_id"])
        members = {m.pk: m for m in Member.objects.filter(
            pk__in={r["member_id"] for r in open_refs})}
    reasons: dict[int, list[str]] = {}
    group: dict[int, str] = {}

    def add(member_id: int, text: str) -> None:
        items = reasons.setdefault(member_id, [])
        if text not in items:
            items.append(text)

    for member_id, barriers in escalations.items():
        add(member_id, "open escalation: " + ", ".join(sorted(set(barriers))))
    for ref in open_refs:
        if ref["due_at"] is not None and ref["due_at"] < moment:
            add(ref["member_id"], f"overdue next step ({ref['state'].replace('_', ' ')})")
    for _, outcome, member_id in latest.values():
        if outcome in FAILED_CONTACT:
            add(member_id, "failed contact: " + AttemptOutcome(outcome).label.lower())
    for member_id in reasons:
        group[member_id] = UNRESOLVED
    for ref in open_refs:
        mid = ref["member_id"]
        if mid in group and group[mid] == UNRESOLVED:
            continue
        if ref["state"] in ENGAGING:
            group[mid] = ENGAGING_GROUP
            reasons.setdefault(mid, []).append(f"{ref['state']}")
        elif group.get(mid) != ENGAGING_GROUP:
            group[mid] = ACTIVE
            reasons.setdefault(mid, []).append(ref["state"].replace("_", " "))
    order = {UNRESOLVED: 0, ENGAGING_GROUP: 1, ACTIVE: 2}
    rows = [ConferenceRow(mid, members[mid].member_id,
                          f"{members[mid].first_name} {members[mid].last_name}",
                          group[mid], reasons.get(mid, []))
            for mid in group if mid in members]
    rows.sort(key=lambda r: (order[r.group], -len(r.reasons), r.plan_member_id))
    if audit_reads and rows:
        audit.record("view", acting=acting, object_type="joc_conference_list",
                     object_id=str(committee.pk),
                     detail={"member_ids": [r.member_pk for r in rows]})
    return rows


def conference_entries(acting: Acting, meeting: Meeting) -> list[CaseConferenceEntry]:
    """The members listed for the meeting that the acting organisation may see (audited)."""
    entries = list(CaseConferenceEntry.objects.filter(
        meeting=meeting,
        member_id__in=MemberAccess.objects.filter(organisation=acting.organisation)
        .values("member_id")).select_related("member"))
    if entries:
        audit.record("view", acting=acting, object_type="joc_conference",
                     object_id=str(meeting.pk),
                     detail={"member_ids": [e.member_id for e in entries]})
    return entries


def get_entry(acting: Acting, meeting: Meeting, pk: int) -> CaseConferenceEntry:
    entry = next((e for e in CaseConferenceEntry.objects.filter(
        meeting=meeting, pk=pk,
        member_id__in=MemberAccess.objects.filter(organisation=acting.organisation)
        .values("member_id")).select_related("member")), None)
    if entry is None:
        raise Http404("Not found")
    return entry


def get_visible_member(acting: Acting, pk: int) -> Member:
    member = Member.objects.filter(pk=pk, access__organisation=acting.organisation).first()
    if member is None:
        raise Http404("Not found")
    return member
