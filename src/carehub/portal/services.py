"""Writes to organisations, networks, memberships and the users of an organisation.

The hub administration pages and the invited CBO's supervisor call these. Each takes the
acting party as `acting`, runs in one transaction and is audited with it. They live in
the portal, above tenancy, because a write is audited and a user is an account.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from carehub.accounts.models import User
from carehub.audit import services as audit
from carehub.tenancy.access import Acting
from carehub.tenancy.models import (
    Membership,
    Network,
    NetworkMember,
    NetworkStatus,
    Organisation,
    OrganisationKind,
)


def unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class InvitationRefused(Exception):
    """An invitation that cannot be made or decided; the message is safe to show."""


def hub_network(hub: Organisation) -> Network:
    network, _ = Network.objects.get_or_create(hub=hub, defaults={"name": f"{hub.name} network"})
    return network


def add_cbo_to_network(data: dict[str, Any], *, acting: Acting) -> Organisation:
    """Create a CBO organisation in the hub's network. The hub onboards it, so the
    membership is accepted at creation (recorded as onboarded by the hub)."""
    hub = acting.organisation
    if hub is None or hub.kind != OrganisationKind.HUB:
        raise InvitationRefused("Only a hub adds a CBO to its network.")
    with transaction.atomic():
        org = Organisation.objects.create(kind=OrganisationKind.CBO, slug=unique_slug(data["name"]), **data)
        network = hub_network(hub)
        now = timezone.now()
        NetworkMember.objects.create(network=network, cbo=org, status=NetworkStatus.ACCEPTED,
                                     onboarded_by_hub=True, invited_by=acting.user, invited_at=now,
                                     decided_by=acting.user, decided_at=now, joined=now.date())
        audit.record("create", acting=acting, object_type="organisation", object_id=str(org.pk),
                     detail={"name": org.name, "network": network.pk, "onboarded_by_hub": True})
    return org


def invite_cbo(cbo: Organisation, *, acting: Acting) -> NetworkMember:
    """Invite an existing CBO organisation into the acting hub's network. Nothing flows
    to it, and the hub administers none of its users, until its supervisor accepts."""
    hub = acting.organisation
    if (hub is None or hub.kind != OrganisationKind.HUB or cbo.kind != OrganisationKind.CBO
            or not cbo.is_active):
        raise InvitationRefused("Only a hub invites, and only an active CBO.")
    with transaction.atomic():
        network = hub_network(hub)
        member = NetworkMember.objects.select_for_update().filter(network=network, cbo=cbo).first()
        now = timezone.now()
        if member is not None:
            if member.status == NetworkStatus.ACCEPTED and member.left is None:
                raise InvitationRefused(f"{cbo.name} is already in the network.")
            if member.status == NetworkStatus.INVITED:
                raise InvitationRefused(f"{cbo.name} is already invited.")
            # Declined before, or left: a fresh invitation.
            member.status, member.left, member.onboarded_by_hub = NetworkStatus.INVITED, None, False
            member.invited_by, member.invited_at = acting.user, now
            member.decided_by, member.decided_at = None, None
            member.save()
        else:
            member = NetworkMember.objects.create(network=network, cbo=cbo,
                                                  status=NetworkStatus.INVITED,
                                                  invited_by=acting.user, invited_at=now)
        audit.record("create", acting=acting, object_type="network_invitation",
                     object_id=str(member.pk), detail={"network": network.pk, "cbo": cbo.pk})
    return member


def decide_invitation(pk: int, accept: bool, *, acting: Acting) -> NetworkMember:
    """The invited CBO's supervisor accepts or declines. Audited. An invitation for
    another organisation, or already decided, is refused like one that does not exist."""
    with transaction.atomic():
        member = (NetworkMember.objects.select_for_update().select_related("network__hub")
                  .filter(pk=pk, cbo=acting.organisation, status=NetworkStatus.INVITED).first())
        if member is None:
            raise InvitationRefused("No invitation is waiting for your organisation.")
        now = timezone.now()
        member.status = NetworkStatus.ACCEPTED if accept else NetworkStatus.DECLINED
        member.decided_by, member.decided_at = acting.user, now
        if accept:
            member.joined = now.date()
        member.save()
        audit.record("update", acting=acting, object_type="network_invitation",
                     object_id=str(member.pk),
                     detail={"decision": member.status, "hub": member.network.hub_id})
    return member


def update_organisation(org: Organisation, changed: dict[str, Any], *, acting: Acting) -> Organisation:
    with transaction.atomic():
        for field, value in changed.items():
            setattr(org, field, value)
        org.save()
        audit.record("update", acting=acting, object_type="organisation", object_id=str(org.pk),
                     detail={"fields": sorted(changed)})
    return org


def create_user(org: Organisation, data: dict[str, Any], *, acting: Acting) -> User:
    """A new user of `org` with one membership in the role given."""
    with transaction.atomic():
        user = User.objects.create_user(
            username=data["username"], password=data["password"], email=data.get("email", ""),
            first_name=data["first_name"], last_name=data["last_name"],
        )
        membership = Membership.objects.create(user=user, organisation=org, role=data["role"])
        audit.record("create", acting=acting, object_type="membership", object_id=str(membership.pk),
                     detail={"user": user.username, "organisation": org.pk, "role": membership.role})
    return user


def set_membership_active(membership: Membership, active: bool, *, acting: Acting) -> None:
    with transaction.atomic():
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        audit.record("update", acting=acting, object_type="membership", object_id=str(membership.pk),
                     detail={"is_active": active})


def update_network(network: Network, changed: dict[str, Any], *, acting: Acting) -> Network:
    with transaction.atomic():
        for field, value in changed.items():
            setattr(network, field, value)
        network.save()
        audit.record("update", acting=acting, object_type="network", object_id=str(network.pk),
                     detail={k: str(v) for k, v in changed.items()})
    return network
