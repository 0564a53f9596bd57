"""The meeting pack's data, built once and drawn twice: by the web page and by the PDF.

Cover, agenda, member story (never the member's identity), scorecard with its charts
(the same SVG strings in both), barrier tally from escalations for the period, action
items (carried, raised, done), and the case-conference list: counts for everyone,
plan member ids only for a reader who may see those members, and never in the PDF sent
to the committee.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.referrals.models import Barrier, Escalation
from carehub.reporting import joc_scorecard
from carehub.reporting.models.joc import Meeting, MeetingStatus, MemberStory
from carehub.reporting.selectors import joc as selectors
from carehub.tenancy.access import Acting

BARRIER_LABELS = dict(Barrier.choices)


@dataclass
class Section:
    title: str
    prompts: tuple[str, ...]
    notes: list[tuple[str, str]]  # (subsection label, minutes text)


@dataclass
class Pack:
    title: str
    committee: str
    contract: str
    period: str
    when: datetime
    status: str
    cadence: str
    present: list[str]
    absent: list[str]
    domains: list[str]
    agenda: list[Section]
    stories: list[dict[str, str]]
    scorecard: joc_scorecard.ScorecardSection | None
    barriers: list[dict[str, Any]]
    actions: selectors.Actions
    conference_counts: list[tuple[str, int]]
    conference_ids: list[tuple[str, str, str]]  # (plan member id, group label, reason)
    notes: list[str] = field(default_factory=list)


def month_bounds(period: str) -> tuple[date, date]:
    year, month = (int(x) for x in period.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _stories(meeting: Meeting) -> list[dict[str, str]]:
    # The member and the consent stay behind: the pack shows what was told and by whom.
    return [{"title": s.title, "text": s.text, "told_by": s.told_by}
            for s in MemberStory.objects.filter(meeting=meeting).order_by("pk")]


def barrier_tally(acting: Acting, meeting: Meeting) -> list[dict[str, Any]]:
    """Escalations raised in the period on the committee's referrals the reader is party
    to, by barrier: raised, still open, resolved. Counts only."""
    first, last = month_bounds(meeting.period)
    refs = selectors._referrals(acting, meeting.committee).values("pk")
    with scopes_disabled():
        rows = (Escalation.objects.filter(referral_id__in=refs, raised_at__date__gte=first,
                                          raised_at__date__lte=last)
                .values("barrier")
                .annotate(raised=Count("id"), open=Count("id", filter=Q(resolved_at__isnull=True)))
                .order_by("-raised", "barrier"))
        return [{"barrier": BARRIER_LABELS.get(r["barrier"], r["barrier"]), "raised": r["raised"],
                 "open": r["open"], "resolved": r["raised"] - r["open"]} for r in rows]


def build(acting: Acting, meeting: Meeting, *, for_committee: bool = False,
          with_scorecard: bool = True) -> Pack:
    """The pack of `meeting` as `acting` may read it. `for_committee`: the copy that is
    sent to the whole committee (no member ids at all)."""
    committee = meeting.committee
    # Who was there is known once the meeting is held; a planned one has no absentees.
    held = meeting.pk is not None and meeting.status != MeetingStatus.PLANNED
    attendance = selectors.attendance(meeting) if held else []
    minutes = dict(selectors.MINUTES_SECTIONS)
    agenda = [
        Section("Member story", selectors.AGENDA[0][1], []),
        Section("Data presentation", selectors.AGENDA[1][1],
                [(minutes["data_notes"], meeting.data_notes)]),
        Section("Process improvements and program updates", selectors.AGENDA[2][1],
                [(minutes[k], getattr(meeting, k)) for k in
                 ("engagement_notes", "bottleneck_notes", "escalation_notes", "status_notes",
                  "opportunity_notes")]),
        Section("Organisational updates", selectors.AGENDA[3][1],
                [(minutes[k], getattr(meeting, k)) for k in ("payer_update", "hub_update")]),
    ]
    saved = meeting.pk is not None  # the command may build a pack with no meeting recorded
    entries = (list(meeting.conference.all().values("member_id", "unresolved", "reason"))
               if saved else [])
    counts = Counter("Unresolved issues" if e["unresolved"] else "Other members listed"
                     for e in entries)
    ids: list[tuple[str, str, str]] = []
    if not for_committee and entries:
        seen = selectors.conference_entries(acting, meeting)
        ids = [(e.member.member_id,
                "Unresolved issues" if e.unresolved else "Listed", e.reason) for e in seen]
    scorecard = None
    if with_scorecard and committee.contract is not None:
        scorecard = joc_scorecard.section(acting, committee.contract, meeting.period,
                                          domains=list(meeting.domains or []))
    return Pack(
        title=f"{committee.name}: meeting pack",
        committee=committee.name,
        contract=(f"{committee.contract.code} {committee.contract.name}"
                  if committee.contract else f"{committee.hub.name} and {committee.plan.name}"),
        period=meeting.period,
        when=timezone.localtime(meeting.starts_at),
        status=meeting.get_status_display(),
        cadence=committee.cadence,
        present=[m.display_name for m, here in attendance if here],
        absent=[m.display_name for m, here in attendance if not here],
        domains=[selectors.DOMAINS.get(d, d) for d in meeting.domains or []],
        agenda=agenda,
        stories=_stories(meeting) if saved else [],
        scorecard=scorecard,
        barriers=barrier_tally(acting, meeting),
        actions=selectors.actions_for(meeting) if saved else selectors.Actions(),
        conference_counts=sorted(counts.items()),
        conference_ids=ids,
    )

