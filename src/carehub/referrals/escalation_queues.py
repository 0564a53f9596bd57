"""Who answers an escalation, and the queue each role works from (reads only).

An escalation waits for a role (`Escalation.role`, from the contract's escalation level:
a role, never a person). The organisation whose people hold that role is one of the
referral's parties, chosen by the kind of role:

- a CBO role: the organisation that owns the referral;
- a hub role: the referral's hub (or the owner, when a hub holds a referral with no hub
  named);
- a plan role: the member's plan.

The answering party follows the referral, so after a reroute a CBO-level escalation waits
for the new CBO's supervisor. A role's queue holds the open escalations at its level of
the referrals its organisation is that party to, and nothing of another organisation.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from carehub.referrals import due
from carehub.referrals.models import Escalation, Referral
from carehub.referrals.selectors import referrals_for
from carehub.tenancy import roles
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, Role

# The roles that usually answer escalations (the default pathway's and the demo
# contracts'); they get the nav link and the home card. A contract may name any staff
# role, and every staff role has a queue page.
ANSWERING_ROLES: tuple[str, ...] = (Role.CBO_SUPERVISOR, Role.HUB_COORDINATOR,
                                    Role.HUB_ADMIN, Role.PAYER_MANAGER)


def role_label(role: str) -> str:
    """A role as people read it ("Hub coordinator"), never its code."""
    return str(Role(role).label) if role in Role.values else role.replace("_", " ")


def role_phrase(role: str) -> str:
    """The role inside a sentence: "hub coordinator", "CBO supervisor"."""
    label = role_label(role)
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def party_filter(organisation: Organisation | int, role: str,
                 prefix: str = "referral__") -> Q | None:
    """The referrals (seen from a row `prefix` away) on which `organisation` answers for
    `role`; None when the role answers no escalation."""
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    if role in roles.CBO:
        return Q(**{f"{prefix}organisation_id": org_id})
    if role in roles.HUB:
        return (Q(**{f"{prefix}hub_id": org_id})
                | Q(**{f"{prefix}hub__isnull": True, f"{prefix}organisation_id": org_id}))
    if role in roles.PLAN:
        return Q(**{f"{prefix}plan_id": org_id})
    return None


def responder(referral: Referral, role: str) -> int | None:
    """The id of the organisation whose `role` answers escalations on `referral`."""
    if role in roles.CBO:
        return referral.organisation_id
    if role in roles.HUB:
        return referral.hub_id or referral.organisation_id
    if role in roles.PLAN:
        return referral.plan_id
    return None


def queue(acting: Acting) -> QuerySet[Escalation]:
    """Open escalations waiting for the acting role of the acting organisation, the
    soonest due (so the most overdue) first."""
    parties = party_filter(acting.organisation, acting.role)
    if parties is None:
        return Escalation.objects.none()
    return (Escalation.objects.filter(parties, resolved_at__isnull=True, role=acting.role)
            .order_by("due_at", "pk"))


def queue_counts(acting: Acting, now: datetime | None = None) -> dict[str, int]:
    """Open, overdue and due-soon counts of the acting role's queue (aggregates)."""
    moment = now or timezone.now()
    return queue(acting).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=moment)),
        due_soon=Count("id", filter=Q(due_at__gte=moment,
                                      due_at__lt=moment + due.DUE_SOON)))


def visible(acting: Acting) -> QuerySet[Escalation]:
    """Every escalation (any level, open or resolved) of the referrals the acting
    organisation is party to: what its people may open."""
    return Escalation.objects.filter(referral__in=referrals_for(acting.organisation))


def may_answer(acting: Acting, referral: Referral, role: str) -> bool:
    """May the acting party resolve an escalation of `referral` waiting for `role`? The
    role waiting, at the answering party; or the hub that runs the referral (its
    coordinators and administrators may answer at any level)."""
    if acting.has_role(*roles.HUB) and referral.hub_id == acting.organisation.pk:
        return True
    return acting.role == role and responder(referral, role) == acting.organisation.pk
