"""Keep `ContractParty` in step with a contract's payer, provider and delivering CBOs."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django_scopes import scopes_disabled

from carehub.contracts.models import Acceptance, Contract, ContractParty, PartyRole
from carehub.tenancy.rls import as_owner


def sync_parties(contract: Contract) -> None:
    wanted: dict[int, str] = {}
    for cbo_id in contract.delivering_cbos.values_list("pk", flat=True):
        wanted[cbo_id] = PartyRole.DELIVERING
    wanted[contract.provider_id] = PartyRole.PROVIDER
    wanted[contract.payer_id] = PartyRole.PAYER
    # Parties span organisations: a trusted write, like the audit chain.
    with scopes_disabled(), as_owner():
        ContractParty.objects.filter(contract=contract).exclude(organisation_id__in=wanted).delete()
        for org_id, role in wanted.items():
            # A new payer or provider is only invited (it accepts through
            # contracts.services.accept_contract); a delivering CBO's part is decided by
            # the contract being in effect and its membership of the hub's network.
            status = Acceptance.ACCEPTED if role == PartyRole.DELIVERING else Acceptance.PROPOSED
            ContractParty.objects.update_or_create(
                contract=contract, organisation_id=org_id, defaults={"role": role},
                create_defaults={"role": role, "status": status},
            )


@receiver(post_save, sender=Contract)
def _contract_saved(sender: Any, instance: Contract, **kwargs: Any) -> None:
    sync_parties(instance)


@receiver(m2m_changed, sender=Contract.delivering_cbos.through)
def _delivering_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Contract):
        sync_parties(instance)
