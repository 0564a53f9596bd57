"""The plan's view of its network: the organisations and services its contracts use.

A plan (payer) keeps no directory entries of its own. What it may see is what it pays
for: under each contract in effect that it pays, the provider and the delivering CBOs
still in the provider hub's network, and of their services those of the types the
contract's scope of work names (all their services when it names none). The same rule
is stated for PostgreSQL in the network migration `0003_plan_reads_its_network`.

Directory entries describe organisations, not members, so reads are not audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django_scopes import scopes_disabled

from carehub.contracts.selectors import contracts_in_effect
from carehub.network.models import Service
from carehub.network.selectors import CAPACITY_ORDER
from carehub.tenancy.access import network_cbos
from carehub.tenancy.models import Organisation, OrganisationKind


@dataclass(frozen=True)
class PlanEntry:
    """One service in the plan's network and the plan's contracts that use it."""

    service: Service
    contracts: tuple[str, ...]


def plan_network_uses(payer: Organisation) -> dict[tuple[int, int | None], set[str]]:
    """(organisation id, service type id or None for any) → codes of the contracts in
    effect, paid by `payer`, that use that organisation for that type of service."""
    uses: dict[tuple[int, int | None], set[str]] = {}
    if payer.kind != OrganisationKind.PAYER:
        return uses
    with scopes_disabled():
        contracts = (contracts_in_effect(payer).filter(payer=payer)
                     .select_related("provider")
                     .prefetch_related("delivering_cbos", "service_definitions"))
        for contract in contracts:
            organisations = [contract.provider.pk]
            if contract.provider.kind == OrganisationKind.HUB:
                members = set(network_cbos(contract.provider).values_list("pk", flat=True))
                organisations += [cbo.pk for cbo in contract.delivering_cbos.all()
                                  if cbo.pk in members]
            types: list[int | None] = [None]
            defined = sorted({d.service_type_id for d in contract.service_definitions.all()})
            if defined:
                types = list(defined)
            for organisation in organisations:
                for service_type in types:
                    uses.setdefault((organisation, service_type), set()).add(contract.code)
    return uses


def plan_directory(payer: Organisation, *, service_type: str = "", county: str = "",
                   language: str = "", query: str = "") -> list[PlanEntry]:
    """The services of the plan's network, filtered as the directory filters, accepting
    first; each with the contracts that use it. Empty for anything but a plan."""
    uses = plan_network_uses(payer)
    if not uses:
        return []
    organisations = {organisation for organisation, _ in uses}
    with scopes_disabled():
        qs = (Service.objects.filter(organisation__in=organisations, status="active")
              .select_related("organisation", "service_type"))
        if service_type:
            qs = qs.filter(service_type__slug=service_type)
        if query:
            qs = qs.filter(Q(name__icontains=query) | Q(organisation__name__icontains=query))
        services = list(qs.annotate(capacity_rank=CAPACITY_ORDER).order_by(
            "capacity_rank", "organisation__name", "name"))
    entries: list[PlanEntry] = []
    wanted_language = language.casefold()
    for service in services:
        codes = (uses.get((service.organisation_id, None), set())
                 | uses.get((service.organisation_id, service.service_type_id), set()))
        if not codes:
            continue
        # JSON list fields are filtered in Python: portable across SQLite and PostgreSQL.
        if county and county not in service.coverage_counties:
            continue
        if wanted_language and wanted_language not in {x.casefold() for x in service.languages}:
            continue
        entries.append(PlanEntry(service, tuple(sorted(codes))))
    return entries
