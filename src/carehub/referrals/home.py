"""Referral cards on the home page, one per role: a worker's inbox summary, a supervisor's
team load, a hub coordinator's open work and capacity, a plan's progress funnel; and the
escalation queue of the acting role (open, overdue, due within a day).

Counts are aggregates; the worker card also names the members behind the next actions,
and that read is audited like the inbox itself.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from carehub.core.referral_states import STATE_LABELS, State
from carehub.referrals import due, escalation_queues, selectors
from carehub.referrals.escalation_queues import role_phrase
from carehub.referrals.models import OPEN_STATES, Barrier, Referral
from carehub.tenancy import roles
from carehub.tenancy.access import Acting
from carehub.tenancy.home import Panel
from carehub.tenancy.models import Role

NEXT_ACTIONS = 5
ORDER = 10  # before the general cards: this is the day's work


def panels(request: HttpRequest, acting: Acting) -> list[Panel]:
    cards = _role_cards(request, acting)
    escalations = escalation_card(acting)
    return cards + ([escalations] if escalations else [])


def _role_cards(request: HttpRequest, acting: Acting) -> list[Panel]:
    if acting.has_role(Role.CBO_WORKER):
        return [worker_card(request, acting)]
    if acting.has_role(Role.CBO_SUPERVISOR):
        return [supervisor_card(acting)]
    if acting.has_role(Role.HUB_COORDINATOR, Role.HUB_ADMIN):
        return [hub_card(acting)]
    if acting.has_role(Role.PAYER_MANAGER, Role.PAYER_ANALYST):
        return [plan_card(acting)]
    return []


def escalation_card(acting: Acting) -> Panel | None:
    """The acting role's escalation queue in figures: always for the roles that usually
    answer escalations, for any other staff role only when a contract put one at its
    level."""
    if not acting.has_role(*roles.STAFF):
        return None
    counts = escalation_queues.queue_counts(acting)
    if not counts["open"] and not acting.has_role(*escalation_queues.ANSWERING_ROLES):
        return None
    return Panel("referrals/home/escalations.html", {
        "counts": counts, "role_phrase": role_phrase(acting.role)}, ORDER + 1)


def worker_card(request: HttpRequest, acting: Acting) -> Panel:
    now = timezone.now()
    return Panel("referrals/home/worker.html", {
        "summary": selectors.worker_summary(acting, now),
        "next": selectors.inbox(request, acting, limit=NEXT_ACTIONS, now=now),
    }, ORDER)


def supervisor_card(acting: Acting) -> Panel:
    load = selectors.team_load(acting)
    return Panel("referrals/home/supervisor.html", {
        "load": load, "busiest": [w for w in load["per_worker"] if w["assignee_id"]][:5],
    }, ORDER)


def due_counts(qs: QuerySet[Referral], now: datetime | None = None) -> dict[str, int]:
    """Overdue and due-within-a-day counts of the open referrals in `qs`."""
    moment = now or timezone.now()
    return qs.filter(state__in=OPEN_STATES).aggregate(
        overdue=Count("id", filter=Q(due_at__lt=moment)),
        due_soon=Count("id", filter=Q(due_at__gte=moment, due_at__lt=moment + due.DUE_SOON)))


def hub_card(acting: Acting) -> Panel:
    hub = acting.organisation
    counts = selectors.state_counts(Referral.objects.filter(hub=hub, state__in=OPEN_STATES))
    by_state = [(STATE_LABELS[s], counts[s.value]) for s in State if counts.get(s.value)]
    return Panel("referrals/home/hub.html", {
        "open_total": sum(counts.values()), "by_state": by_state,
        "due": due_counts(Referral.objects.filter(hub=hub)),
        "unrouted": selectors.unrouted(hub), "warnings": selectors.capacity_warnings(hub),
        "needs_routing": Referral.objects.filter(hub=hub, needs_routing=True,
                                                 state__in=OPEN_STATES).count(),
    }, ORDER)


def plan_card(acting: Acting) -> Panel:
    labels = dict(Barrier.choices)
    barriers = [{**b, "label": labels.get(b["barrier"], b["barrier"])}
                for b in selectors.barrier_tally(acting.organisation)]
    return Panel("referrals/home/plan.html", {
        "funnel": selectors.progress_funnel(acting.organisation), "barriers": barriers,
        "due": due_counts(Referral.objects.filter(plan=acting.organisation)),
        "scorecard_url": _scorecard_url(),
    }, ORDER)


def _scorecard_url() -> str:
    """The scorecard's address when the reporting app is installed (it sits above
    referrals, so it is found by name, not imported); "" otherwise."""
    try:
        return reverse("reporting:scorecards")
    except NoReverseMatch:
        return ""
