"""Reading contracts, always given the acting organisation."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from carehub.contracts.models import (
    Contract,
    ContractParty,
    PartyRole,
    StaffCredential,
    TermsVersion,
)
from carehub.network.selectors import editable_organisations
from carehub.tenancy.models import Organisation


def contracts_visible_to(org: Organisation) -> QuerySet[Contract]:
    """Contracts `org` is party to: payer, provider or delivering CBO."""
    return Contract.objects.filter(parties__organisation=org).distinct()


def party_role(contract: Contract, org: Organisation) -> str | None:
    party = ContractParty.objects.filter(contract=contract, organisation=org).first()
    return party.role if party else None


def may_edit(contract: Contract, org: Organisation, role: str) -> bool:
    """Hub admins and payer managers edit contracts they are payer or provider of."""
    if role not in ("hub_admin", "payer_manager"):
        return False
    return party_role(contract, org) in (PartyRole.PAYER, PartyRole.PROVIDER)


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
