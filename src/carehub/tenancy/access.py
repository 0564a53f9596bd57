"""Access helpers: every question of "may this user see or do this" goes through here.

Each helper takes the acting organisation explicitly, so a view cannot forget it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from carehub.tenancy.models import Membership, Organisation, OrganisationKind, Role

SESSION_KEY = "active_membership_id"


@dataclass(frozen=True)
class Acting:
    """Who is acting: the user, for which organisation, in which role, in which request.

    Every service that writes takes one as its `acting` keyword argument and audits with
    it; services never see an HttpRequest. Views get one from `acting_for(request)`;
    commands, the demo seed and scheduled work use `Acting.system(...)`.
    """

    user: Any
    organisation: Organisation
    role: str = ""
    request_id: str = ""
    ip: str | None = None
    membership: Membership | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, user: Any, membership: Membership, *, request_id: str = "",
           ip: str | None = None) -> Acting:
        return cls(user=user, organisation=membership.organisation, role=membership.role,
                   request_id=request_id, ip=ip, membership=membership)

    @classmethod
    def system(cls, organisation: Organisation | None = None, *, user: Any = None,
               role: str = "system") -> Acting:
        """Work no request started: a command, the demo seed, a scheduled job. Without an
        organisation (site-wide work) its audit events name none."""
        return cls(user=user, organisation=organisation, role=role)  # type: ignore[arg-type]

    @classmethod
    def unaffiliated(cls, user: Any = None, *, request_id: str = "",
                     ip: str | None = None) -> Acting:
        """A request by someone acting for no organisation: between password and second
        factor, or platform staff without a membership."""
        return cls(user=user, organisation=None, role="",  # type: ignore[arg-type]
                   request_id=request_id, ip=ip)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


def active_memberships(user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def acting_for(request: HttpRequest) -> Acting | None:
    """The acting membership of a signed-in request, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(request, "_acting", None)
    if cached is not None:
        return cached
    memberships = active_memberships(user)
    chosen_id = request.session.get(SESSION_KEY)
    membership = memberships.filter(pk=chosen_id).first() if chosen_id else None
    if membership is None:
        membership = memberships.first()
        if membership is None:
            return None
        request.session[SESSION_KEY] = membership.pk
    acting = Acting.of(user, membership, request_id=getattr(request, "request_id", ""),
                       ip=request.META.get("REMOTE_ADDR") or None)
    request._acting = acting  # type: ignore[attr-defined]
    return acting


def require_acting(*roles: str) -> Callable:
    """View decorator: a signed-in member of an organisation, in one of `roles` if given.

    A user without the role is answered 404, like a user of another organisation: a
    page's existence is not disclosed to those who may not use it.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            acting = acting_for(request)
            if acting is None or (roles and not acting.has_role(*roles)):
                raise Http404("Not found")
            return view(request, acting, *args, **kwargs)

        return wrapped

    return decorator


def network_cbos(hub: Organisation) -> QuerySet[Organisation]:
    """The CBOs taking part in `hub`'s network: accepted (onboarded by the hub or
    having accepted its invitation) and not left. The one answer every decision uses:
    work offered, assignments, and which organisations the hub administers."""
    from carehub.tenancy.models import NetworkMember, NetworkStatus

    members = NetworkMember.objects.filter(network__hub=hub, left__isnull=True,
                                           status=NetworkStatus.ACCEPTED)
    return Organisation.objects.filter(kind=OrganisationKind.CBO,
                                       pk__in=members.values("cbo_id"))


def hubs_of_cbo(cbo: Organisation) -> QuerySet[Organisation]:
    """The hubs whose network `cbo` takes part in (the converse of network_cbos)."""
    from carehub.tenancy.models import NetworkMember, NetworkStatus

    members = NetworkMember.objects.filter(cbo=cbo, left__isnull=True,
                                           status=NetworkStatus.ACCEPTED)
    return Organisation.objects.filter(kind=OrganisationKind.HUB,
                                       pk__in=members.values("network__hub_id"))


def organisations_managed_by(organisation: Organisation) -> QuerySet[Organisation]:
    """The organisations whose users and details `organisation` administers."""
    if organisation.kind == OrganisationKind.HUB:
        return Organisation.objects.filter(
            Q(pk=organisation.pk) | Q(pk__in=network_cbos(organisation).values("pk"))
        ).order_by("name")
    return Organisation.objects.filter(pk=organisation.pk)


def get_managed_organisation(acting: Acting, pk: int) -> Organisation:
    """One organisation the acting hub administers, or 404."""
    org = organisations_managed_by(acting.organisation).filter(pk=pk).first()
    if org is None:
        raise Http404("Not found")
    return org


def roles_for(organisations: Iterable[Organisation]) -> list[tuple[str, str]]:
    kinds = {o.kind for o in organisations}
    allowed: list[str] = []
    from carehub.tenancy.models import ROLES_BY_KIND

    for kind in kinds:
        allowed.extend(r for r in ROLES_BY_KIND[kind] if r not in allowed)
    return [(r, Role(r).label) for r in allowed]
