"""What the referral services tell people (through `notifications.services.notify`).

Each notice is a count and a link to a page that checks access as usual; no member's
name, id or detail is ever in a title or a body. Organisation-level notices link to the
list the people work from, so several in a short while add up into one with a count.

- a referral given to a worker: that worker;
- referrals placed with a CBO: its supervisors (one notice with a count per
  organisation for a bulk assignment); held in the hub's needs-routing queue: the hub's
  coordinators; sent by a plan through the hub: the hub's coordinators too;
- an escalation raised at, or moved up to, a role: the people holding that role at the
  answering party (`escalation_queues.responder`);
- overdue work (a daily check, `notify_overdue`): a CBO's supervisors and a hub's
  coordinators, the count of their organisation's overdue open referrals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.notifications.kinds import Kind
from carehub.notifications.services import Notified, notify, notify_once, people_with_role
from carehub.referrals.escalation_queues import role_phrase
from carehub.referrals.models import OPEN_STATES, Referral
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind, Role
from carehub.tenancy.rls import as_owner


def _organisation(org: Organisation | int) -> Organisation | None:
    if isinstance(org, Organisation):
        return org
    with scopes_disabled(), as_owner():
        return Organisation.objects.filter(pk=org).first()


def assigned_to_worker(worker: Any, *, acting: Acting, referral: Referral | None = None,
                       count: int = 1) -> Notified:
    """A supervisor gave `worker` one referral (its page) or several (the inbox)."""
    if worker is None:
        return Notified()
    link = (reverse("referrals:detail", args=[referral.pk]) if referral is not None and count == 1
            else reverse("referrals:inbox"))
    return notify(Kind.ASSIGNED_TO_ME, users=[worker], organisation=acting.organisation,
                  acting=acting, count=count, link=link,
                  title="{count} referral{s} assigned to you",
                  body=f"Assigned by {acting.organisation.name}. Your inbox lists them "
                       "with what is due next.")


def placed_with(organisation: Organisation | int, *, acting: Acting, count: int = 1) -> Notified:
    """Referrals placed with `organisation`: a CBO's supervisors, who choose a worker; a
    hub that holds referrals itself, its coordinators."""
    org = _organisation(organisation)
    if org is None or count < 1:
        return Notified()
    if org.kind == OrganisationKind.CBO:
        users, link = people_with_role(org, Role.CBO_SUPERVISOR), reverse("referrals:supervisor")
        body = "Waiting for a worker: your team page lists them."
    else:
        users, link = people_with_role(org, Role.HUB_COORDINATOR), reverse("referrals:coordinator")
        body = "Held by the hub: the referrals page lists them."
    return notify(Kind.FOR_MY_ORGANISATION, users=users, organisation=org, acting=acting,
                  count=count, link=link, title=f"{{count}} new referral{{s}} for {org.name}",
                  body=body)


def held_for_routing(hub: Organisation | int, *, acting: Acting, count: int = 1) -> Notified:
    """Referrals no CBO qualified for, waiting in the hub's needs-routing queue."""
    org = _organisation(hub)
    if org is None or count < 1:
        return Notified()
    return notify(Kind.FOR_MY_ORGANISATION, users=people_with_role(org, Role.HUB_COORDINATOR),
                  organisation=org, acting=acting, count=count,
                  link=reverse("referrals:needs_routing"),
                  title="{count} referral{s} need{-s} routing",
                  body=f"No CBO of {org.name}'s network qualified; the needs-routing queue "
                       "says why and lets you choose one.")


def sent_to_hub(hub: Organisation | int, *, acting: Acting, count: int = 1) -> Notified:
    """Referrals a plan sent through the hub (a ranked list handed over, a plan's
    referral): the hub's coordinators, wherever routing placed them."""
    org = _organisation(hub)
    if org is None or count < 1 or getattr(acting.organisation, "pk", None) == org.pk:
        return Notified()
    sender = acting.organisation.name if acting.organisation is not None else "the plan"
    return notify(Kind.FOR_MY_ORGANISATION, users=people_with_role(org, Role.HUB_COORDINATOR),
                  organisation=org, acting=acting, count=count,
                  link=reverse("referrals:coordinator"),
                  title=f"{{count}} referral{{s}} from {sender} in {org.name}'s network",
                  body="Routed to the network's CBOs where one qualified; the referrals page "
                       "shows where each went.")


def placed_in_bulk(organisation_ids: Iterable[int], *, acting: Acting) -> None:
    """One notice per organisation with its count (a ranked list's assignment): a CBO's
    supervisors; for the hub, which holds only those no CBO qualified for, its
    coordinators with the needs-routing queue."""
    for org_id, count in sorted(Counter(organisation_ids).items()):
        org = _organisation(org_id)
        if org is not None and org.kind == OrganisationKind.HUB:
            held_for_routing(org, acting=acting, count=count)
        elif org is not None:
            placed_with(org, acting=acting, count=count)


def escalation_reached(organisation: Organisation | int | None, role: str, *, acting: Acting,
                       count: int = 1, moved_up: bool = False) -> Notified:
    """Escalations now waiting for `role` at `organisation`: raised there (level 1) or
    moved up because the level below did not answer in time."""
    if organisation is None:
        return Notified()
    org = _organisation(organisation)
    if org is None:
        return Notified()
    phrase = role_phrase(role)
    why = ("moved up to" if moved_up else "raised for")
    because = (" because the level below did not answer in time" if moved_up else "")
    return notify(Kind.ESCALATION, users=people_with_role(org, role), organisation=org,
                  acting=acting, count=count, link=reverse("referrals:escalations"),
                  title=f"{{count}} escalation{{s}} now wait{{-s}} for the {phrase}",
                  body=f"{{count}} escalation{{s}} {why} the {phrase} of {org.name}{because}. "
                       "Your escalation queue shows them, the most urgent first.")


def notify_overdue(*, now: datetime | None = None) -> int:
    """Once a day: each CBO's supervisors and each hub's coordinators are told how many
    of their organisation's open referrals are overdue (none: nothing). Running again
    the same day tells nobody twice; each day's count is a notice of its own (a count
    of the day, never added to yesterday's). Returns the number of notices given."""
    moment = now or timezone.now()
    day = timezone.localdate(moment).isoformat()
    given = 0
    with scopes_disabled(), as_owner():
        late = Referral.objects.filter(state__in=OPEN_STATES, due_at__lt=moment)
        by_holder = dict(late.filter(organisation__kind=OrganisationKind.CBO)
                         .values_list("organisation_id").annotate(n=Count("id")))
        by_hub = dict(late.exclude(hub__isnull=True).values_list("hub_id")
                      .annotate(n=Count("id")))
    for org_id, count in sorted(by_holder.items()):
        org = _organisation(org_id)
        assert org is not None
        given += bool(notify_once(
            f"overdue:{org_id}:{day}", Kind.OVERDUE, acting=Acting.system(org),
            users=people_with_role(org, Role.CBO_SUPERVISOR), organisation=org, count=count,
            link=reverse("referrals:supervisor"),
            title=f"{{count}} overdue referral{{s}} at {org.name}",
            body="Open referrals past the time their next step was due. Your team page "
                 "shows them and who holds each.", merge=False).rows)
    for org_id, count in sorted(by_hub.items()):
        org = _organisation(org_id)
        assert org is not None
        given += bool(notify_once(
            f"overdue:{org_id}:{day}", Kind.OVERDUE, acting=Acting.system(org),
            users=people_with_role(org, Role.HUB_COORDINATOR), organisation=org, count=count,
            link=reverse("referrals:coordinator"),
            title=f"{{count}} overdue referral{{s}} in {org.name}'s network",
            body="Open referrals the hub runs, past the time their next step was due.",
            merge=False).rows)
    return given
