"""A CBO leaving a contract with referrals in progress (`carehub.contracts.departures`).

The hub sees the leaving CBO's open referrals under the contract and chooses for each:
reroute it to another delivering CBO (through `creation.reroute`, which moves the
member's access with it) or let it finish where it is. The leaving CBO keeps its party
on the contract, and so its referrals' rules and pages, until none of them is open; the
last one rerouted or finished ends the departure (`departure_work.settle_contract`,
called by `reroute` and by `transition` into a final state).
"""

from __future__ import annotations

from django.db import transaction
from django_scopes import scopes_disabled

from carehub.contracts import departures
from carehub.contracts.models import Departure, ServiceDefinition
from carehub.network.models import Service
from carehub.referrals.models import Referral
from carehub.referrals.services.base import ReferralError, event
from carehub.referrals.services.creation import reroute
from carehub.referrals.services.departure_work import (
    count_open,
    open_referrals_of,
    settle_contract,
)
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner

__all__ = ["count_open", "let_finish", "open_referrals_of", "reroute_choices",
           "reroute_leaving", "settle_contract"]


def _departure_of(departure: Departure, referral: Referral) -> None:
    if departure.left_at is not None:
        raise ReferralError(f"{departure.organisation.name} has already left "
                            f"{departure.contract.code}.")
    if (referral.organisation_id != departure.organisation_id
            or referral.contract_id != departure.contract_id or not referral.is_open):
        raise ReferralError("This referral is not one of the leaving organisation's open "
                            "referrals under the contract.")


def reroute_choices(departure: Departure, referral: Referral) -> list[Organisation]:
    """The contract's delivering CBOs (the leaving one is off the list) whose directory
    entry offers the referral's service type where the member lives."""
    member = referral.member
    with scopes_disabled(), as_owner():
        # The contract's definition of the service says its type; the referral's own
        # type is the fallback for a code the contract does not define.
        definition = ServiceDefinition.objects.filter(
            contract=departure.contract, code=referral.service_code).select_related(
            "service_type").first()
        slug = definition.service_type.slug if definition else referral.service_type
        delivering = departure.contract.delivering_cbos.exclude(pk=departure.organisation_id)
        offers = Service.objects.filter(organisation__in=delivering, status="active",
                                        service_type__slug=slug)
        found = {o.organisation_id for o in offers
                 if member.county in o.coverage_counties or member.zip in o.coverage_zips}
        return list(Organisation.objects.filter(pk__in=found).order_by("name"))


def reroute_leaving(departure: Departure, referral: Referral, version: int,
                    organisation: Organisation, *, acting: Acting, note: str = "") -> Referral:
    """Hand one of the leaving CBO's referrals to another delivering CBO."""
    _departure_of(departure, referral)
    if organisation.pk not in {o.pk for o in reroute_choices(departure, referral)}:
        raise ReferralError(f"{organisation.name} does not deliver this service under "
                            f"{departure.contract.code} where the member lives.")
    why = f"{departure.organisation.name} is leaving {departure.contract.code}."
    return reroute(referral, version, organisation, acting=acting,
                   reason=" ".join(p for p in (why, note.strip()) if p))


def let_finish(departure: Departure, referral: Referral, *, acting: Acting) -> Referral:
    """Leave the referral with the leaving CBO until it finishes."""
    _departure_of(departure, referral)
    with transaction.atomic():
        departures.note_let_finish(departure, referral.pk, acting=acting)
        with as_owner():
            event(referral, "routed", acting,
                  note=f"Stays with {departure.organisation.name} until it finishes, "
                       f"while it leaves {departure.contract.code}.")
    return referral
