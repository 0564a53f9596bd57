"""Reading referrals, always for the acting organisation; every read of member data is
audited.

Sharing rule (consent): an organisation always sees what it recorded itself and the
state of the referrals it is party to (owner, hub, plan). What another organisation
recorded about a member (screenings, needs, services, pathways, visits, notes,
escalation details, spending) is shown only while the member has an active data-sharing
consent: given, not expired, not revoked. The same holds for every word of free text
about the member: transition and routing notes (decline reasons included), escalation
descriptions and resolutions, service, visit and outreach notes, receipts, pathway
steps. Another organisation may see that such an event happened, its state and its date,
never its text. `Sharing` is the one place the rule is decided; pages, the API and
exports all read through it, so a revocation takes effect on the next read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.audit import services as audit
from carehub.core.referral_states import NEXT_ACTION, State
from carehub.core.screening import AHC_HRSN
from carehub.members.models import Member, MemberAccess
from carehub.referrals import due
from carehub.referrals.labels import domains_in_words, label
from carehub.referrals.models import (
    OPEN_STATES,
    CaseNote,
    Consent,
    ConsentKind,
    ContactPreference,
    EngagementVisit,
    Escalation,
    FundSpend,
    Need,
    OutreachAttempt,
    Pathway,
    RankedList,
    RankedListEntry,
    Referral,
    ReferralEvent,
    Screening,
    ServiceDelivery,
)
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind, Role

DUE_SOON = due.DUE_SOON
# Due time ascending with undated referrals last, so what is overdue comes first.
DUE_NULLS_LAST = F("due_at").asc(nulls_last=True)


EVENT_TITLES = {"rules_override": "Contract rules overridden"}


def referrals_for(organisation: Organisation) -> QuerySet[Referral]:
    """The referrals an organisation is party to."""
    if organisation.kind == OrganisationKind.PAYER:
        return Referral.objects.filter(plan=organisation)
    if organisation.kind == OrganisationKind.HUB:
        return Referral.objects.filter(Q(hub=organisation) | Q(organisation=organisation))
    return Referral.objects.filter(organisation=organisation)


def active_consent(member_id: int, kind: str = ConsentKind.DATA_SHARING,
                   on: date | None = None) -> Consent | None:
    day = on or timezone.localdate()
    return (Consent.objects.filter(member_id=member_id, kind=kind, revoked_at__isnull=True,
                                   given_on__lte=day)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=day))
            .order_by("-given_on").first())


def shared_with(member_id: int, viewer: Organisation, on: date | None = None) -> bool:
    """May `viewer` see what other organisations recorded about the member?"""
    return active_consent(member_id, on=on) is not None


@dataclass(frozen=True)
class Sharing:
    """The sharing rule for one member and one viewing organisation."""

    viewer_id: int
    shared: bool  # an active data-sharing consent

    def may_read(self, author_id: int | None) -> bool:
        """May the viewer read what organisation `author_id` recorded? An unknown author
        (None) counts as another organisation."""
        return self.shared or (author_id is not None and author_id == self.viewer_id)

    def text(self, author_id: int | None, value: str) -> str:
        """The free text when the viewer may read it, else the empty string."""
        return value if self.may_read(author_id) else ""

    def rows(self, rows: list[Any]) -> list[Any]:
        """The rows (with an `organisation_id`, their author) the viewer may read."""
        return [r for r in rows if self.may_read(r.organisation_id)]


def sharing(member_id: int, viewer: Organisation, on: date | None = None) -> Sharing:
    return Sharing(viewer.pk, shared_with(member_id, viewer, on))


# How a referral came to be, in words (the `source` column).
SOURCE_LABELS = {"manual": "Hub referral", "ranked_list": "Ranked list",
                 "plan": "Plan referral"}


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source.replace("_", " ").capitalize())


@dataclass
class InboxRow:
    referral: Referral
    next_action: str
    overdue: bool
    due_soon: bool

    @property
    def source(self) -> str:
        return source_label(self.referral.source)


def inbox(request: HttpRequest | None, acting: Acting, *, everyone: bool = False,
          limit: int = 100, now: datetime | None = None) -> list[InboxRow]:
    """Open referrals of the acting organisation: the worker's own, or all for supervisors.

    Ordered by due time (undated last), so what is overdue comes first.
    """
    moment = now or timezone.now()
    # Members are fetched for the page of rows only: joined before the sort, the member
    # row-level security check ran for every open referral of the worker, not just these.
    qs = (Referral.objects.filter(organisation=acting.organisation, state__in=OPEN_STATES)
          .select_related("assignee").prefetch_related("member"))
    if not everyone:
        qs = qs.filter(assignee=acting.user)
    rows = list(qs.order_by(DUE_NULLS_LAST, "pk")[:limit])
    audit.record("view", request=request, actor=acting.user, organisation=acting.organisation,
                 object_type="referral_inbox", object_id="all" if everyone else "mine",
                 detail={"member_ids": [r.member_id for r in rows]})
    return [InboxRow(r, NEXT_ACTION[State(r.state)],
                     overdue=bool(r.due_at and r.due_at < moment),
                     due_soon=bool(r.due_at and moment <= r.due_at < moment + DUE_SOON))
            for r in rows]


def open_referrals(acting: Acting, *, everyone: bool = True) -> QuerySet[Referral]:
    """The acting CBO's open referrals (a worker's own unless `everyone`): what the inbox
    and the team view filter, sort and page."""
    qs = Referral.objects.filter(organisation=acting.organisation, state__in=OPEN_STATES)
    if not everyone:
        qs = qs.filter(assignee=acting.user)
    # Members are fetched for the page of rows only (see `inbox`).
    return qs.select_related("assignee").prefetch_related("member")


def hub_referrals(hub: Organisation) -> QuerySet[Referral]:
    """Every referral the hub routed, of members the hub has access to.

    The hub's django-scopes filter (`member__access__organisation`) written as a
    semi-join on its access rows: the same referrals as the scope's join through members
    (whose row policy an access row of the hub already satisfies; row-level security
    still applies), without a member lookup per row, which made counting and grouping a
    hub's hundreds of thousands of referrals take seconds."""
    with scopes_disabled():
        return Referral.objects.filter(
            hub=hub, member_id__in=MemberAccess.objects.filter(organisation=hub)
            .values("member_id"))


def hub_open_referrals(hub: Organisation) -> QuerySet[Referral]:
    """The open referrals the hub routed, wherever they are held."""
    return (hub_referrals(hub).filter(state__in=OPEN_STATES)
            .select_related("organisation").prefetch_related("member"))


def plan_referrals(plan: Organisation) -> QuerySet[Referral]:
    """Every referral of the plan's members, open or finished."""
    return (Referral.objects.filter(plan=plan).select_related("organisation")
            .prefetch_related("member"))


def team_workers(organisation: Organisation) -> QuerySet[User]:
    """The people who may be given the organisation's referrals: its active members
    (an inactive user, such as a partner system's, is nobody's colleague)."""
    return (User.objects.filter(memberships__organisation=organisation,
                                memberships__is_active=True, is_active=True)
            .distinct().order_by("last_name", "first_name", "pk"))


def listed(request: HttpRequest | None, acting: Acting, rows: list[Referral], *,
           object_type: str, object_id: str, now: datetime | None = None) -> list[InboxRow]:
    """A page of a referral list: audited with its members, with the next action and the
    due flags of each row."""
    moment = now or timezone.now()
    audit.record("view", request=request, actor=acting.user, organisation=acting.organisation,
                 object_type=object_type, object_id=object_id,
                 detail={"member_ids": [r.member_id for r in rows]})
    return [InboxRow(r, NEXT_ACTION[State(r.state)],
                     overdue=bool(r.due_at and r.due_at < moment),
                     due_soon=bool(r.due_at and moment <= r.due_at < moment + DUE_SOON))
            for r in rows]


def ranked_lists_for(organisation: Organisation) -> QuerySet[RankedList]:
    """The ranked lists a plan sent, or those sent to a hub; none for anyone else. With
    their number of members and of selected members."""
    # Lists are scoped to their plan in django-scopes; the hub named on a list reads it
    # too (the filter names it; row-level security allows plan or hub).
    with scopes_disabled():
        if organisation.kind == OrganisationKind.PAYER:
            qs = RankedList.objects.filter(plan=organisation)
        elif organisation.kind == OrganisationKind.HUB:
            qs = RankedList.objects.filter(hub=organisation)
        else:
            qs = RankedList.objects.none()
        return qs.select_related("plan", "hub").annotate(
            members=Count("entries"), selected=Count("entries", filter=Q(entries__selected=True)))


def get_ranked_list(organisation: Organisation, pk: int) -> RankedList:
    found = ranked_lists_for(organisation).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def ranked_entries(ranked: RankedList) -> QuerySet[RankedListEntry]:
    """The entries of a list the caller got from `ranked_lists_for` (so may read)."""
    with scopes_disabled():
        return RankedListEntry.objects.filter(ranked_list=ranked).select_related("member")


def get_referral(request: HttpRequest | None, acting: Acting, pk: int) -> Referral:
    referral = (referrals_for(acting.organisation).select_related(
        "member", "organisation", "assignee", "updated_by", "hub", "plan").filter(pk=pk).first())
    if referral is None:
        raise Http404("Not found")
    audit.record("view", request=request, actor=acting.user, organisation=acting.organisation,
                 object_type="referral", object_id=str(pk), member_id=referral.member_id)
    return referral


def get_member(request: HttpRequest | None, acting: Acting, pk: int) -> Member:
    """A member the acting organisation works with through a referral (or its plan)."""
    org = acting.organisation
    if org.kind == OrganisationKind.PAYER:
        member = Member.objects.filter(pk=pk, plan=org).first()
    else:
        member = Member.objects.filter(
            pk=pk, pk__in=referrals_for(org).values("member_id")).first()
    if member is None:
        raise Http404("Not found")
    audit.record("view", request=request, actor=acting.user, organisation=org,
                 object_type="member", object_id=str(pk), member_id=pk)
    return member


@dataclass
class TimelineItem:
    at: datetime
    kind: str
    title: str
    body: str
    organisation: str
    withheld: bool = False  # the body is another organisation's text, not shared


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12, 0))


@dataclass(frozen=True)
class EscalationView:
    """An escalation as the viewer may see it: level, barrier, state and dates always;
    the description and resolution only under the sharing rule."""

    pk: int
    referral_id: int
    level: int
    role: str
    barrier: str
    barrier_label: str
    raised_at: datetime
    due_at: datetime
    resolved_at: datetime | None
    description: str
    resolution: str
    withheld: bool

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else self.role


def _escalation_view(x: Escalation, rule: Sharing) -> EscalationView:
    description = rule.text(x.organisation_id, x.description)
    resolution = rule.text(x.resolved_organisation_id, x.resolution) if x.resolved_at else ""
    withheld = (not rule.may_read(x.organisation_id)
                or bool(x.resolved_at and x.resolution
                        and not rule.may_read(x.resolved_organisation_id)))
    return EscalationView(x.pk, x.referral_id, x.level, x.role, x.barrier,
                          x.get_barrier_display(), x.raised_at, x.due_at, x.resolved_at,
                          description, resolution, withheld)


escalation_view = _escalation_view  # for the escalation pages


def referral_escalations(acting: Acting, referral: Referral) -> list[EscalationView]:
    """The referral's escalations, newest first, under the sharing rule."""
    rule = sharing(referral.member_id, acting.organisation)
    return [_escalation_view(x, rule)
            for x in Escalation.objects.filter(referral=referral).order_by("-raised_at")]


def referral_pathways(acting: Acting, referral: Referral) -> list[Pathway]:
    """The referral's pathways (with their steps) the acting organisation may read."""
    rule = sharing(referral.member_id, acting.organisation)
    return rule.rows(list(Pathway.objects.filter(referral=referral)
                          .prefetch_related("steps").order_by("at", "pk")))


def member_timeline(request: HttpRequest | None, acting: Acting, member: Member,
                    *, limit: int = 200) -> tuple[list[TimelineItem], bool]:
    """Everything about the member the acting organisation may see, newest first.

    Returns the items and whether other organisations' records are shared (consent).
    Referral events and escalations are the referral's state: every party sees that they
    happened; their text follows the sharing rule like every other record.
    """
    viewer = acting.organisation
    rule = sharing(member.pk, viewer)
    shared = rule.shared
    referral_ids = list(referrals_for(viewer).filter(member=member).values_list("pk", flat=True))
    parties = Referral.objects.filter(pk__in=referral_ids)
    names = dict(Organisation.objects.filter(
        Q(pk__in=parties.values("organisation_id")) | Q(pk__in=parties.values("hub_id"))
        | Q(pk__in=parties.values("plan_id"))).values_list("pk", "name"))
    names[viewer.pk] = viewer.name

    def org(author_id: int | None) -> str:
        return names.get(author_id or 0, "another organisation")

    items: list[TimelineItem] = []
    for e in (ReferralEvent.objects.filter(referral_id__in=referral_ids)
              .order_by("-at")[:limit]):
        title = (f"{label(e.from_state, 'state') or '—'} → {label(e.to_state, 'state')}"
                 if e.kind == "transition" else label(e.kind, "event"))
        items.append(TimelineItem(e.at, "event", title, rule.text(e.organisation_id, e.note),
                                  org(e.organisation_id),
                                  withheld=bool(e.note) and not rule.may_read(e.organisation_id)))
    for a in rule.rows(list(OutreachAttempt.objects.filter(referral_id__in=referral_ids)
                            .order_by("-at")[:limit])):
        items.append(TimelineItem(a.at, "outreach",
                                  f"Outreach by {a.get_channel_display().lower()}",
                                  f"{a.get_outcome_display()}. {a.note}".strip(),
                                  org(a.organisation_id)))
    for s in rule.rows(list(Screening.objects.filter(member=member).order_by("-at")[:limit])):
        items.append(TimelineItem(s.at, "screening", "AHC HRSN screening",
                                  screening_words(s), org(s.organisation_id)))
    for n in rule.rows(list(Need.objects.filter(member=member).order_by("-at")[:limit])):
        items.append(TimelineItem(n.at, "need", f"Need: {label(n.domain, 'domain')} ({n.icd10})",
                                  f"{n.icd10_display}. Goal: {n.goal}", org(n.organisation_id)))
    for d in rule.rows(list(ServiceDelivery.objects.filter(referral_id__in=referral_ids)
                            .order_by("-date")[:limit])):
        items.append(TimelineItem(_at(d.date), "service",
                                  f"{d.units} × {d.service_code} ({d.get_setting_display()})",
                                  d.note, org(d.organisation_id)))
    for p in rule.rows(list(Pathway.objects.filter(referral_id__in=referral_ids)
                            .prefetch_related("steps"))):
        state = f"completed {p.completed_on}" if p.completed_on else "open"
        steps = "; ".join(st.name for st in p.steps.all())
        items.append(TimelineItem(p.at, "pathway",
                                  f"Pathway: {label(p.pathway, 'domain')}",
                                  f"{state}. Steps: {steps}" if steps else state,
                                  org(p.organisation_id)))
    for v in rule.rows(list(EngagementVisit.objects.filter(referral_id__in=referral_ids))):
        items.append(TimelineItem(_at(v.date), "visit", f"Engagement: {v.get_kind_display()}",
                                  v.note, org(v.organisation_id)))
    notes = rule.rows(list(CaseNote.objects.filter(referral_id__in=referral_ids)
                           .select_related("author").order_by("-at")[:limit]))
    for c in notes:
        items.append(TimelineItem(c.at, "note", f"Note by {c.author}", c.text,
                                  org(c.organisation_id)))
    for x in Escalation.objects.filter(referral_id__in=referral_ids):
        view = _escalation_view(x, rule)
        body = view.description + (f" — resolved: {view.resolution}" if view.resolution else "")
        items.append(TimelineItem(
            x.raised_at, "escalation",
            f"Escalation ({view.barrier_label}), level {x.level}, "
            f"{'resolved' if x.resolved_at else 'open'}",
            body, org(x.organisation_id), withheld=view.withheld))
    for f in rule.rows(list(FundSpend.objects.filter(referral_id__in=referral_ids))):
        items.append(TimelineItem(_at(f.date), "funds", f"Flexible funds: {f.category}",
                                  f"{f.amount:.2f} (receipt {f.receipt})",
                                  org(f.organisation_id)))
    items.sort(key=lambda i: i.at, reverse=True)
    items = items[:limit]
    if notes:
        # Case-note reads are audited one by one.
        for c in notes:
            audit.record("view", request=request, actor=acting.user, organisation=viewer,
                         object_type="case_note", object_id=str(c.pk), member_id=member.pk)
    audit.record("view", request=request, actor=acting.user, organisation=viewer,
                 object_type="member_timeline", object_id=str(member.pk), member_id=member.pk,
                 detail={"shared": shared, "items": len(items)})
    return items, shared


def screening_words(s: Screening) -> str:
    """A screening's result in words; an incomplete one says what is still unknown."""
    positive = domains_in_words(s.positive_domains)
    if s.complete:
        return f"Positive: {positive}" if positive else "No positive domain"
    total = len(AHC_HRSN.items)
    text = (f"Incomplete: {len(s.unanswered_items)} of {total} questions unanswered "
            f"({domains_in_words(s.unanswered_domains)})")
    return f"{text}. Positive so far: {positive}" if positive else text


def contact_preference(member: Member) -> ContactPreference | None:
    return ContactPreference.objects.filter(member=member).first()


def consents(member: Member) -> list[Consent]:
    return list(Consent.objects.filter(member=member).order_by("-given_on", "-pk"))


def open_escalations(member_ids: list[int] | None = None) -> QuerySet[Escalation]:
    qs = Escalation.objects.filter(resolved_at__isnull=True)
    if member_ids is not None:
        qs = qs.filter(member_id__in=member_ids)
    return qs


def team_load(acting: Acting, now: datetime | None = None) -> dict[str, Any]:
    """Supervisor view: open referrals per worker, overdue, unassigned (aggregates)."""
    moment = now or timezone.now()
    open_qs = Referral.objects.filter(organisation=acting.organisation, state__in=OPEN_STATES)
    per_worker = list(open_qs.values("assignee__username", "assignee__first_name",
                                     "assignee__last_name", "assignee_id")
                      .annotate(open=Count("id"),
                                overdue=Count("id", filter=Q(due_at__lt=moment)))
                      .order_by("-open"))
    return {
        "per_worker": per_worker,
        "overdue": open_qs.filter(due_at__lt=moment).count(),
        "due_soon": open_qs.filter(due_at__gte=moment, due_at__lt=moment + DUE_SOON).count(),
        "unassigned": open_qs.filter(assignee__isnull=True).count(),
    }


def state_counts(qs: QuerySet[Referral]) -> dict[str, int]:
    return {r["state"]: r["n"] for r in qs.values("state").annotate(n=Count("id"))}


def barrier_tally(organisation: Organisation) -> list[dict[str, Any]]:
    """Escalation barriers on the organisation's referrals, for the plan (aggregates)."""
    ids = referrals_for(organisation).values("pk")
    return list(Escalation.objects.filter(referral_id__in=ids).values("barrier")
                .annotate(total=Count("id"), open=Count("id", filter=Q(resolved_at__isnull=True)))
                .order_by("-total"))


def capacity(hub: Organisation) -> list[dict[str, Any]]:
    """Open referrals per organisation in the hub's network (the hub's load view)."""
    return list(hub_referrals(hub).filter(state__in=OPEN_STATES)
                .values("organisation__name", "organisation_id")
                .annotate(open=Count("id")).order_by("organisation__name"))


# --- home page cards ------------------------------------------------------------------

def worker_summary(acting: Acting, now: datetime | None = None) -> dict[str, int]:
    """Counts for a worker's own open referrals (aggregates, no member detail)."""
    moment = now or timezone.now()
    mine = Referral.objects.filter(organisation=acting.organisation, assignee=acting.user,
                                   state__in=OPEN_STATES)
    return mine.aggregate(
        open=Count("id"), members=Count("member_id", distinct=True),
        overdue=Count("id", filter=Q(due_at__lt=moment)),
        due_soon=Count("id", filter=Q(due_at__gte=moment, due_at__lt=moment + DUE_SOON)))


# Funnel stages: a referral counts at every stage up to the one its state has reached.
FUNNEL: tuple[tuple[str, frozenset[str]], ...] = (
    ("Referred", frozenset(s.value for s in State)),
    ("Contacted", frozenset({"contacted", "screened", "accepted", "declined", "enrolled",
                             "in_service", "completed"})),
    ("Enrolled", frozenset({"enrolled", "in_service", "completed"})),
    ("Completed", frozenset({"completed"})),
)


def progress_funnel(organisation: Organisation) -> list[dict[str, Any]]:
    """Referrals the organisation is party to, by how far they have come (aggregates).

    Closed referrals count as referred only: the state does not say how far they got.
    """
    counts = state_counts(referrals_for(organisation))
    total = sum(counts.values())
    rows = []
    for stage, states in FUNNEL:
        n = sum(v for k, v in counts.items() if k in states)
        rows.append({"label": stage, "count": n,
                     "percent": round(100 * n / total) if total else 0})
    rows.append({"label": "Closed without completing", "count": counts.get("closed", 0),
                 "percent": round(100 * counts.get("closed", 0) / total) if total else 0})
    return rows


def unrouted(hub: Organisation) -> dict[str, int]:
    """Work the hub has not yet handed to a CBO: open referrals the hub holds itself, and
    selected members on ranked lists sent to the hub that are not yet assigned."""
    held = Referral.objects.filter(hub=hub, organisation=hub, state__in=OPEN_STATES).count()
    # Ranked lists are scoped to their plan in django-scopes (one path per scope); the
    # hub named on a list may count it too. The filter names the hub explicitly and, on
    # PostgreSQL, row-level security (plan or hub) still applies.
    with scopes_disabled():
        waiting = RankedList.objects.filter(hub=hub, assigned_at__isnull=True)
        lists = waiting.count()
        members = RankedListEntry.objects.filter(ranked_list__in=waiting, selected=True).count()
    return {"held": held, "lists": lists, "members": members}


NEAR_CAPACITY = 0.9


def capacity_warnings(hub: Organisation, today: date | None = None) -> list[dict[str, Any]]:
    """Network CBOs that cannot take much more: a directory service on a waitlist or
    closed, or this month's referrals at 90 % or more of the monthly capacity their
    directory entries declare. Empty when the network directory is not installed."""
    from django.apps import apps

    if not apps.is_installed("carehub.network"):
        return []
    Service = apps.get_model("network", "Service")
    day = today or timezone.localdate()
    cbos = {o.pk: o.name for o in network_cbos(hub)}
    cbo_ids = list(cbos)
    services = list(Service.objects.filter(organisation_id__in=cbo_ids, status="active")
                    .values("organisation_id", "name", "capacity_status",
                            "capacity_per_month"))
    month_start = day.replace(day=1)
    this_month = dict(Referral.objects.filter(hub=hub, organisation_id__in=cbo_ids,
                                              created_at__date__gte=month_start)
                      .values_list("organisation_id").annotate(n=Count("id")))
    warnings: list[dict[str, Any]] = []
    capacity_by_org: dict[int, int] = {}
    for s in services:
        if s["capacity_status"] in ("waitlist", "closed"):
            warnings.append({"organisation": cbos[s["organisation_id"]],
                             "text": f"{s['name']}: {s['capacity_status']}",
                             "level": "bad" if s["capacity_status"] == "closed" else "warn"})
        elif s["capacity_per_month"]:
            capacity_by_org[s["organisation_id"]] = (capacity_by_org.get(s["organisation_id"], 0)
                                                     + s["capacity_per_month"])
    for org_id, capacity in sorted(capacity_by_org.items()):
        used = this_month.get(org_id, 0)
        if used >= NEAR_CAPACITY * capacity:
            warnings.append({"organisation": cbos[org_id],
                             "text": f"{used} referrals this month of {capacity} a month",
                             "level": "bad" if used >= capacity else "warn"})
    return sorted(warnings, key=lambda w: (w["level"] != "bad", w["organisation"]))
