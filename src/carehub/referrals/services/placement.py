"""Placing a referral where routing says, and the hub's needs-routing queue.

`place_referral` asks `referrals.routing.Router` where a new referral goes and records
the answer on it: the CBO and the reason in words, or, when no CBO qualifies, the hub
itself as holder with `needs_routing` set and the reason ("no CBO under DEMO-MEALS covers
Bronx County for nutrition"). A coordinator may choose the CBO instead, with a reason
(audited and shown on the referral page). `route_from_queue` takes a held referral out of
the queue: routing again, or handing it to a CBO the coordinator chooses, with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract, ServiceDefinition
from carehub.members.models import Member
from carehub.referrals import notices
from carehub.referrals.models import Referral
from carehub.referrals.routing import Decision, Router, UnknownServiceType
from carehub.referrals.services.base import (
    ReferralError,
    audit_referral,
    bump,
    contract_of,
    event,
    organisation_of,
)
from carehub.referrals.services.creation import create_referral, grant_access
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import as_owner

OVERRIDE_NEEDS_REASON = "Say why you chose this organisation instead of routing (reason)."


@dataclass(frozen=True)
class Placement:
    referral: Referral
    decision: Decision

    @property
    def needs_routing(self) -> bool:
        return self.referral.needs_routing


def contract_service_type(contract: Contract, service_code: str) -> str:
    """The directory service type (slug) of the contract's service `service_code`."""
    with scopes_disabled(), as_owner():
        found = (ServiceDefinition.objects.filter(contract=contract, code=service_code)
                 .select_related("service_type").first())
    if found is None:
        raise ReferralError(f"{service_code} is not a service of {contract.code} (service).")
    return found.service_type.slug


def _service_type(router: Router, contract: Contract, service_code: str,
                  service_type: str) -> str:
    if not service_type:
        return contract_service_type(contract, service_code)
    try:
        return router.service_type(service_type).slug
    except UnknownServiceType as exc:
        raise ReferralError(f"{exc} (service type)") from None


def _network_cbo(router: Router, organisation: Organisation) -> Organisation:
    found = router.cbos.get(organisation.pk)
    if found is None:
        raise ReferralError(f"{organisation.name} is not a CBO of {router.hub.name}'s network "
                            f"(organisation).")
    return found


def place_referral(*, member: Member, hub: Organisation, contract: Contract,
                   service_code: str, acting: Acting, service_type: str = "",
                   organisation: Organisation | None = None, override_reason: str = "",
                   rules_override_reason: str = "", anchor_date: date | None = None,
                   source: str = "manual", router: Router | None = None,
                   now: datetime | None = None) -> Placement:
    """Create the referral where routing places it (or where the coordinator chose,
    with `override_reason`), recording the decision; held by the hub when nobody
    qualifies. The contract's rules are checked by `create_referral` (a hub
    administrator's `rules_override_reason` overrides those that may be). Raises
    ReferralError, RuleRefused among them, and saves nothing, on a refusal."""
    router = router or Router(hub)
    kind = _service_type(router, contract, service_code, service_type)
    decision = router.decide(member, contract, kind)
    override = organisation is not None
    if override:
        assert organisation is not None
        if not override_reason.strip():
            raise ReferralError(OVERRIDE_NEEDS_REASON)
        target = _network_cbo(router, organisation)
    else:
        target = decision.organisation or hub
    with transaction.atomic():
        referral = create_referral(
            member=member, organisation=target, hub=hub, contract=contract,
            service_code=service_code, service_type=kind, anchor_date=anchor_date,
            source=source, acting=acting, now=now, override_reason=rules_override_reason,
            notify=False)
        fields = {"routing_reason": decision.reason[:400],
                  "needs_routing": not override and decision.organisation is None,
                  "routed_by_override": override,
                  "override_reason": override_reason.strip()[:300] if override else ""}
        with as_owner():
            Referral.objects.filter(pk=referral.pk).update(**fields)
            for name, value in fields.items():
                setattr(referral, name, value)
            event(referral, "routed", acting, note=_note(referral, target, decision), at=now)
        audit_referral("update", referral, acting, detail={
            "routed_to": target.pk, "needs_routing": referral.needs_routing,
            "override": override, "reason": referral.override_reason or decision.reason})
        if referral.needs_routing:
            notices.held_for_routing(hub, acting=acting)
        else:
            notices.placed_with(target, acting=acting)
        notices.sent_to_hub(hub, acting=acting)  # a plan's referral: its hub hears too
    if target.pk != hub.pk:
        router.load[target.pk] += 1  # later decisions of the same router see this one
    return Placement(referral, decision)


def _note(referral: Referral, target: Organisation, decision: Decision) -> str:
    if referral.routed_by_override:
        return (f"routed to {target.name} by the coordinator: {referral.override_reason} "
                f"(routing said: {decision.reason})")
    if referral.needs_routing:
        return f"needs routing: {decision.reason}"
    return f"routed: {decision.reason}"


def route_from_queue(referral: Referral, version: int, organisation: Organisation | None = None,
                     *, acting: Acting, reason: str = "") -> Placement:
    """Take a referral out of the hub's needs-routing queue: with no `organisation`, route
    it again (it stays in the queue, with the new reason, while nobody qualifies); with
    one, hand it to that network CBO, which needs a `reason`."""
    hub = organisation_of(acting)
    if referral.hub_id != hub.pk:
        raise ReferralError("Only the referral's hub routes it.")
    if not referral.is_open:
        raise ReferralError("A finished referral cannot be routed.")
    if not referral.needs_routing:
        raise ReferralError("This referral is not waiting for routing.")
    router = Router(hub)
    contract = contract_of(referral)
    try:
        kind = referral.service_type or (
            contract_service_type(contract, referral.service_code) if contract else "")
    except ReferralError:
        kind = ""
    decision = router.decide(referral.member, contract, kind)
    if organisation is not None:
        if not reason.strip():
            raise ReferralError(OVERRIDE_NEEDS_REASON)
        target: Organisation | None = _network_cbo(router, organisation)
    else:
        target = decision.organisation
    with transaction.atomic():
        if target is None:
            with as_owner():
                bump(referral, version, acting, routing_reason=decision.reason[:400])
                event(referral, "routed", acting, note=f"still needs routing: {decision.reason}")
            audit_referral("update", referral, acting,
                           detail={"needs_routing": True, "reason": decision.reason})
            return Placement(referral, decision)
        grant_access(referral.member, target, "referral")
        override = organisation is not None
        with as_owner():
            bump(referral, version, acting, organisation=target, assignee=None,
                 needs_routing=False, routing_reason=decision.reason[:400],
                 routed_by_override=override,
                 override_reason=reason.strip()[:300] if override else "")
            event(referral, "routed", acting, note=_note(referral, target, decision))
        audit_referral("update", referral, acting, detail={
            "routed_to": target.pk, "from_queue": True, "override": override,
            "reason": referral.override_reason or decision.reason})
        notices.placed_with(target, acting=acting)
    return Placement(referral, decision)
