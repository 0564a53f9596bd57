"""Dates coming up that someone must act on, told once per threshold (daily checks).

- A contract in force (pre-launch or implementation) ending within 90, 60 and 30 days:
  the payer's program managers and the provider's administrators (a hub's
  administrators, a CBO's supervisors), once at each threshold for that end date; a
  contract extended to a new end date is told again.
- A staff credential expiring within 30 days (or already expired): the supervisors of
  its organisation (a CBO's supervisors, a hub's administrators), once per credential and
  expiry date, one notice with a count per organisation and run.

What is told is kept by `notifications.services.remember`, so running a check twice (or
twice a day) tells nobody twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract, StaffCredential, Stage
from carehub.notifications.kinds import Kind
from carehub.notifications.services import (
    notify,
    notify_once,
    people_with_role,
    remember,
    remembered,
)
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind, Role
from carehub.tenancy.rls import as_owner

RENEWAL_DAYS = (30, 60, 90)  # thresholds, the nearest first
CREDENTIAL_DAYS = 30


def _admins(org: Organisation) -> list:  # type: ignore[type-arg]
    if org.kind == OrganisationKind.PAYER:
        return people_with_role(org, Role.PAYER_MANAGER)
    if org.kind == OrganisationKind.HUB:
        return people_with_role(org, Role.HUB_ADMIN)
    return people_with_role(org, Role.CBO_SUPERVISOR)


def renewal_threshold(ends: date, today: date) -> int | None:
    """The threshold a contract ending on `ends` has reached today (30, 60, 90), or None."""
    left = (ends - today).days
    if left < 0:
        return None
    return next((d for d in RENEWAL_DAYS if left <= d), None)


def notify_renewals(today: date | None = None) -> int:
    """Tell each contract's people once per threshold; returns the notices given."""
    day = today or timezone.localdate()
    given = 0
    with scopes_disabled(), as_owner():
        contracts = list(Contract.objects.filter(
            ends__gte=day, ends__lte=day + timedelta(days=max(RENEWAL_DAYS)),
            stage__in=(Stage.PRE_LAUNCH, Stage.IMPLEMENTATION))
            .select_related("payer", "provider").order_by("ends", "code"))
    for contract in contracts:
        assert contract.ends is not None
        threshold = renewal_threshold(contract.ends, day)
        if threshold is None:
            continue
        left = (contract.ends - day).days
        for org in (contract.payer, contract.provider):
            given += bool(notify_once(
                f"renewal:{contract.pk}:{contract.ends}:{threshold}:{org.pk}", Kind.RENEWAL,
                users=_admins(org), organisation=org, acting=Acting.system(org),
                link=reverse("contracts:detail", args=[contract.code]),
                title=f"Contract {contract.code} ends in {left} day{'s' if left != 1 else ''}",
                body=f"{contract.name} ends on {contract.ends:%Y-%m-%d}. Renew, amend or "
                     "plan the wind-down with the other party.", merge=False).rows)
    return given


def notify_credentials(today: date | None = None) -> int:
    """Tell each organisation's supervisors how many of their staff's credentials expire
    within CREDENTIAL_DAYS and were not told before; returns the notices given."""
    day = today or timezone.localdate()
    with scopes_disabled(), as_owner():
        due = list(StaffCredential.objects.filter(
            expires__isnull=False, expires__lte=day + timedelta(days=CREDENTIAL_DAYS))
            .values_list("pk", "organisation_id", "expires").order_by("expires", "pk"))
    keys = {pk: f"credential:{pk}:{expires}:{CREDENTIAL_DAYS}" for pk, _, expires in due}
    told = remembered(keys.values())
    fresh: dict[int, list[int]] = defaultdict(list)
    for pk, org_id, _ in due:
        if keys[pk] not in told:
            fresh[org_id].append(pk)
    given = 0
    for org_id, pks in sorted(fresh.items()):
        pks = [pk for pk in pks if remember(keys[pk])]
        with scopes_disabled(), as_owner():
            org = Organisation.objects.filter(pk=org_id).first()
        if not pks or org is None:
            continue
        given += bool(notify(
            Kind.CREDENTIAL, users=_admins(org), organisation=org, acting=Acting.system(org),
            count=len(pks), link=reverse("contracts:credentials"),
            title=f"{{count}} staff credential{{s}} at {org.name} expire{{-s}} within "
                  f"{CREDENTIAL_DAYS} days",
            body="Renew them, or record the new dates, on the credentials page.").rows)
    return given
