"""Reading contracts, always given the acting organisation."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.contracts.models import (
    Acceptance,
    Contract,
    ContractParty,
    PartyRole,
    StaffCredential,
    TermsVersion,
)
from carehub.network.selectors import editable_organisations
from carehub.tenancy import roles
from carehub.tenancy.access import hubs_of_cbo
from carehub.tenancy.models import Organisation, OrganisationKind, Role

# The role that accepts or declines a contract for each kind of organisation.
DECIDING_ROLE: dict[str, str] = {
    OrganisationKind.HUB: Role.HUB_ADMIN,
    OrganisationKind.PAYER: Role.PAYER_MANAGER,
    OrganisationKind.CBO: Role.CBO_SUPERVISOR,
}


def contracts_visible_to(org: Organisation) -> QuerySet[Contract]:
    """Contracts `org` is party to: payer, provider or delivering CBO (a pending invitee
    included, so it can read the proposal before deciding)."""
    return Contract.objects.filter(parties__organisation=org).distinct()


def _accepted(role: str) -> Exists:
    return Exists(ContractParty.objects.filter(contract=OuterRef("pk"), role=role,
                                               status=Acceptance.ACCEPTED))


def in_effect() -> QuerySet[Contract]:
    """Every contract in effect: its payer and its provider have both accepted.

    The one definition of "in effect"; every trust decision reads it through the
    helpers below. Unscoped: callers narrow it to the organisations they act for.
    """
    with scopes_disabled():
        return Contract.objects.filter(_accepted(PartyRole.PAYER), _accepted(PartyRole.PROVIDER))


def contracts_in_effect(org: Organisation) -> QuerySet[Contract]:
    """Contracts in effect that `org` takes part in: as payer or provider, or as a
    delivering CBO that is an accepted, not-left member of the provider hub's network."""
    with scopes_disabled():
        mine = Q(payer=org) | Q(provider=org)
        if org.kind == OrganisationKind.CBO:
            mine |= Q(delivering_cbos=org, provider__in=hubs_of_cbo(org).values("pk"))
        return in_effect().filter(mine).distinct()


def contract_in_effect_between(payer: Organisation, provider: Organisation,
                               code: str | None = None) -> Contract | None:
    """A contract in effect with `payer` paying `provider` (the one named `code` if
    given), or None."""
    with scopes_disabled():
        found = in_effect().filter(payer=payer, provider=provider)
        if code is not None:
            found = found.filter(code=code)
        return found.order_by("code").first()


def payers_in_effect(provider: Organisation, *, uploads: bool = False) -> QuerySet[Organisation]:
    """Plans paying `provider` under a contract in effect; with `uploads`, only those whose
    contract lets the hub upload the plan's roster and ranked lists."""
    contracts = in_effect().filter(provider=provider)
    if uploads:
        contracts = contracts.filter(hub_may_upload_members=True)
    return Organisation.objects.filter(pk__in=contracts.values("payer"), is_active=True,
                                       kind=OrganisationKind.PAYER).order_by("name")


def providers_in_effect(payer: Organisation, kind: str | None = None) -> QuerySet[Organisation]:
    """Hubs (or CBOs) `payer` pays under a contract in effect."""
    found = Organisation.objects.filter(pk__in=in_effect().filter(payer=payer).values("provider"),
                                        is_active=True)
    if kind:
        found = found.filter(kind=kind)
    return found.order_by("name")


def hub_may_upload_for(hub: Organisation, plan: Organisation) -> bool:
    """The one answer to "may this hub write this plan's roster and ranked lists"."""
    return payers_in_effect(hub, uploads=True).filter(pk=plan.pk).exists()


def party(contract: Contract, org: Organisation) -> ContractParty | None:
    with scopes_disabled():
        return ContractParty.objects.filter(contract=contract, organisation=org).first()


def party_role(contract: Contract, org: Organisation) -> str | None:
    found = party(contract, org)
    return found.role if found else None


def is_in_effect(contract: Contract) -> bool:
    return in_effect().filter(pk=contract.pk).exists()


def may_edit(contract: Contract, org: Organisation, role: str) -> bool:
    """Hub admins and payer managers edit contracts they are payer or provider of, once
    their side has accepted it (an invitee decides first)."""
    if role not in roles.CONTRACT_EDITORS:
        return False
    found = party(contract, org)
    return (found is not None and found.role in (PartyRole.PAYER, PartyRole.PROVIDER)
            and found.status == Acceptance.ACCEPTED)


def may_decide(contract: Contract, org: Organisation, role: str) -> bool:
    """The invited payer or provider, in the role that decides for its kind, may accept
    or decline a proposal not yet decided."""
    found = party(contract, org)
    return (found is not None and found.role in (PartyRole.PAYER, PartyRole.PROVIDER)
            and found.status == Acceptance.PROPOSED and DECIDING_ROLE.get(org.kind) == role)


def counterpart_status(contract: Contract, org: Organisation) -> dict[str, Any]:
    """What the contract list shows `org`: who still has to accept, or who proposed."""
    with scopes_disabled():
        parties = {p.role: p for p in ContractParty.objects.filter(
            contract=contract, role__in=[PartyRole.PAYER, PartyRole.PROVIDER])
            .select_related("organisation")}
    mine = next((p for p in parties.values() if p.organisation_id == org.pk), None)
    other = next((p for p in parties.values() if p.organisation_id != org.pk), None)
    return {"mine": mine, "other": other,
            "in_effect": all(p.status == Acceptance.ACCEPTED for p in parties.values())
            and len(parties) == 2}


def get_contract(org: Organisation, code: str) -> Contract:
    contract = contracts_visible_to(org).select_related("payer", "provider").filter(code=code).first()
    if contract is None:
        raise Http404("Not found")
    return contract


def terms_in_force(contract: Contract, as_of: date) -> dict[str, Any] | None:
    """The parsed terms of the latest version effective on or before `as_of`, or None."""
    version = terms_version_in_force(contract, as_of)
    return dict(version.document) if version else None


def terms_version_in_force(contract: Contract, as_of: date) -> TermsVersion | None:
    return (
        TermsVersion.objects.filter(contract=contract, effective__lte=as_of)
        .order_by("-effective", "-version")
        .first()
    )


def credentials_visible_to(org: Organisation) -> QuerySet[StaffCredential]:
    """Credentials of the staff `org` supervises: its own, and a hub its network's."""
    return StaffCredential.objects.filter(
        organisation__directory_visible_to=org.pk, organisation__in=editable_organisations(org)
    ).select_related("staff", "organisation")
