"""Writes to organisations, networks and memberships. Each write is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils.text import slugify

from carehub.accounts.models import User
from carehub.audit import services as audit
from carehub.tenancy.access import Acting
from carehub.tenancy.models import (
    Membership,
    Network,
    NetworkMember,
    Organisation,
    OrganisationKind,
)


def unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def add_cbo_to_network(request: HttpRequest, acting: Acting, data: dict[str, Any]) -> Organisation:
    hub = acting.organisation
    org = Organisation.objects.create(kind=OrganisationKind.CBO, slug=unique_slug(data["name"]), **data)
    network, _ = Network.objects.get_or_create(hub=hub, defaults={"name": f"{hub.name} network"})
    NetworkMember.objects.create(network=network, cbo=org)
    audit.record("create", request=request, object_type="organisation", object_id=str(org.pk),
                 detail={"name": org.name, "network": network.pk})
    return org


@transaction.atomic
def update_organisation(request: HttpRequest, org: Organisation, changed: dict[str, Any]) -> Organisation:
    for field, value in changed.items():
        setattr(org, field, value)
    org.save()
    audit.record("update", request=request, object_type="organisation", object_id=str(org.pk),
                 detail={"fields": sorted(changed)})
    return org


@transaction.atomic
def create_user(request: HttpRequest, org: Organisation, data: dict[str, Any]) -> User:
    user = User.objects.create_user(
        username=data["username"], password=data["password"], email=data.get("email", ""),
        first_name=data["first_name"], last_name=data["last_name"],
    )
    membership = Membership.objects.create(user=user, organisation=org, role=data["role"])
    audit.record("create", request=request, object_type="membership", object_id=str(membership.pk),
                 detail={"user": user.username, "organisation": org.pk, "role": membership.role})
    return user


@transaction.atomic
def set_membership_active(request: HttpRequest, membership: Membership, active: bool) -> None:
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    audit.record("update", request=request, object_type="membership", object_id=str(membership.pk),
                 detail={"is_active": active})


@transaction.atomic
def update_network(request: HttpRequest, network: Network, changed: dict[str, Any]) -> Network:
    for field, value in changed.items():
        setattr(network, field, value)
    network.save()
    audit.record("update", request=request, object_type="network", object_id=str(network.pk),
                 detail={k: str(v) for k, v in changed.items()})
    return network
