"""Referring on: a domain found positive in a referral's screening becomes a new referral
to a CBO of the hub's network that offers a matching service, in one step from the
screening result.

The choices are read again when the referral is made, so a form left open cannot refer
to a CBO that has since stopped offering the service. The new referral is made by
`create_referral`, under the same hub, and through it follows the rules every referral
follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django_scopes import scopes_disabled

from carehub.contracts import selectors as contract_selectors
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.network.models import CapacityStatus, ServiceType
from carehub.network.selectors import services_for_routing
from carehub.referrals.labels import label
from carehub.referrals.models import OPEN_STATES, Referral, Screening
from carehub.referrals.services.base import ReferralError, audit_referral, event
from carehub.referrals.services.creation import create_referral
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner

# The directory service type that answers each screening domain.
DOMAIN_SERVICE_TYPES: dict[str, str] = {
    "housing": "tenancy-support",
    "food": "nutrition",
    "transportation": "transportation",
    "utilities": "care-coordination",
    "safety": "care-management",
}


@dataclass(frozen=True)
class Offer:
    """A CBO that offers the domain's service type to this member."""

    organisation: Organisation
    service_name: str
    capacity: str  # in words


@dataclass
class ReferOnChoice:
    """One positive domain: the contract service it would be referred under and the
    CBOs to choose from, or why it cannot be referred on."""

    domain: str
    domain_label: str
    service_type: str  # slug
    service_type_label: str
    contract_code: str = ""
    service_code: str = ""
    offers: list[Offer] = field(default_factory=list)
    open_elsewhere: str = ""  # the organisation already working on it, if any
    unavailable: str = ""

    @property
    def can_refer(self) -> bool:
        return bool(self.offers) and not self.unavailable and not self.open_elsewhere


def latest_screening(referral: Referral) -> Screening | None:
    return (Screening.objects.filter(referral=referral).order_by("-at", "-pk").first())


def _contracts(referral: Referral) -> list[Contract]:
    """The referral's own contract first, then the other contracts in effect between the
    member's plan and the referral's hub."""
    found: list[Contract] = []
    with scopes_disabled():
        effect = contract_selectors.in_effect()
        own = effect.filter(code=referral.contract_code).first() if referral.contract_code \
            else None
        if own is not None:
            found.append(own)
        if referral.hub_id is not None:
            others = effect.filter(payer_id=referral.plan_id, provider_id=referral.hub_id)
            if own is not None:
                others = others.exclude(pk=own.pk)
            found.extend(others.order_by("code"))
    return found


def _service_for(contracts: list[Contract], service_type: str) -> tuple[str, str] | None:
    """(contract code, service code) of the first contract with a service of the type."""
    with scopes_disabled():
        for contract in contracts:
            definition = (ServiceDefinition.objects
                          .filter(contract=contract, service_type__slug=service_type)
                          .order_by("code").first())
            if definition is not None:
                return contract.code, definition.code
    return None


def _offers(referral: Referral, service_type: str) -> list[Offer]:
    assert referral.hub is not None
    member = referral.member
    # The hub's network directory, read as the hub sees it: a CBO does not see its peers'
    # entries, yet refers on through the hub. Directory rows describe organisations, not
    # members; the referral itself was read under the acting organisation's rules.
    with scopes_disabled(), as_owner():
        services = services_for_routing(referral.hub, service_type,
                                        county=member.county or None, zip=member.zip or None)
        offers: list[Offer] = []
        seen: set[int] = set()
        for s in services:
            if s.capacity_status == CapacityStatus.CLOSED or s.organisation_id in seen:
                continue
            seen.add(s.organisation_id)
            offers.append(Offer(s.organisation, s.name, s.get_capacity_status_display()))
    return offers


def refer_on_choices(referral: Referral) -> list[ReferOnChoice]:
    """For the referral's latest screening, each positive domain and where it can go."""
    screening = latest_screening(referral)
    if screening is None or not screening.positive_domains:
        return []
    contracts = _contracts(referral) if referral.hub_id else []
    with scopes_disabled():
        names = dict(ServiceType.objects.values_list("slug", "name"))
    choices: list[ReferOnChoice] = []
    for domain in screening.positive_domains:
        slug = DOMAIN_SERVICE_TYPES.get(domain, "")
        choice = ReferOnChoice(domain, label(domain, "domain"), slug, names.get(slug, slug))
        choices.append(choice)
        hub = referral.hub
        if hub is None:
            choice.unavailable = "This referral came without a hub; ask the plan to refer."
            continue
        found = _service_for(contracts, slug)
        if found is None:
            choice.unavailable = (f"No contract of {hub.name} with this plan has a "
                                  f"{choice.service_type_label.lower()} service.")
            continue
        choice.contract_code, choice.service_code = found
        with scopes_disabled(), as_owner():
            # Across organisations on purpose, as create_referral checks: one owner per
            # service for a member.
            open_row = (Referral.objects.filter(member_id=referral.member_id,
                                                service_code=choice.service_code,
                                                state__in=OPEN_STATES)
                        .select_related("organisation").first())
        if open_row is not None:
            choice.open_elsewhere = open_row.organisation.name
            continue
        choice.offers = _offers(referral, slug)
        if not choice.offers:
            choice.unavailable = (f"No CBO of {hub.name}'s network offers "
                                  f"{choice.service_type_label.lower()} where the member "
                                  f"lives.")
    return choices


def refer_on(referral: Referral, *, domain: str, organisation_id: int,
             acting: Acting) -> Referral:
    """Refer a positive domain of the referral's screening on to a CBO offering it.

    The new referral is made under the contract service found for the domain and the
    same hub; the screening referral's timeline records where the domain went.
    """
    if referral.organisation_id != acting.organisation.pk:
        raise ReferralError("Only the organisation working this referral refers on from it.")
    choice = next((c for c in refer_on_choices(referral) if c.domain == domain), None)
    if choice is None:
        raise ReferralError(f"{label(domain, 'domain').capitalize()} is not a positive domain "
                            f"of this referral's latest screening.")
    if choice.open_elsewhere:
        raise ReferralError(f"{choice.open_elsewhere} already works with the member on "
                            f"{choice.domain_label}.")
    if choice.unavailable:
        raise ReferralError(choice.unavailable)
    offer = next((o for o in choice.offers if o.organisation.pk == organisation_id), None)
    if offer is None:
        raise ReferralError(f"Choose one of the CBOs offering {choice.service_type_label.lower()}"
                            f" for {choice.domain_label}.")
    assert referral.hub is not None
    with transaction.atomic():
        # The code is resolved among the member's plan's contracts and the rules are
        # checked, as for every referral.
        made = create_referral(
            member=referral.member, organisation=offer.organisation, hub=referral.hub,
            service_code=choice.service_code, contract_code=choice.contract_code,
            service_type=choice.service_type, source="refer_on", acting=acting)
        event(referral, "referred_on", acting,
              note=f"{choice.domain_label} to {offer.organisation.name} (referral {made.pk})")
        audit_referral("create", referral, acting, object_type="refer_on",
                       object_id=made.pk, detail={"domain": domain,
                                                  "organisation": offer.organisation.pk,
                                                  "from": referral.pk})
    return made
