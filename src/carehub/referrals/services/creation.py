"""Creating and routing referrals: who owns outreach, access that follows the referrals,
a hub coordinator's reroute and a supervisor's choice of worker."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.core.referral_states import State
from carehub.members.models import Member, MemberAccess
from carehub.referrals import due, notices
from carehub.referrals.contract_terms import ContractMissing, contract_by_code
from carehub.referrals.models import OPEN_STATES, ContactPreference, Referral
from carehub.referrals.rules import OVERRIDABLE, Door, Problem, check_referral
from carehub.referrals.services.base import (
    AlreadyOwned,
    ReferralError,
    RuleRefused,
    audit_referral,
    bump,
    contract_of,
    event,
    user_name,
)
from carehub.referrals.services.departure_work import settle_contract
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, Role
from carehub.tenancy.rls import as_owner


def due_at_for(contract: Contract | None, service_code: str, *, created: datetime,
               anchor_date: date | None, enrolled_on: date | None = None,
               state: str = State.ASSIGNED.value,
               entered: datetime | None = None) -> datetime | None:
    """When the next action of a referral in `state` is due (`carehub.referrals.due`):
    the contract's timing where it sets one, the documented defaults elsewhere."""
    return due.due_for(state, entered=entered or created, created=created,
                       timing=due.service_timing(contract, service_code),
                       anchor_date=anchor_date, enrolled_on=enrolled_on)


def open_referral_for(member: Member, service_code: str) -> Referral | None:
    # Across organisations on purpose: a second organisation must see who owns outreach.
    with scopes_disabled(), as_owner():
        return (Referral.objects.select_related("organisation")
                .filter(member=member, service_code=service_code, state__in=OPEN_STATES)
                .first())


def grant_access(member: Member, organisation: Organisation, reason: str) -> None:
    """One step of `create_referral` and `reroute`, inside their transaction and audit."""
    with scopes_disabled(), as_owner():
        MemberAccess.objects.get_or_create(member=member, organisation=organisation,
                                           defaults={"reason": reason})


def withdraw_access(member: Member, organisation: Organisation, *, acting: Acting,
                    why: str) -> bool:
    """Take back a referral's grant once `organisation` holds no referral for the member.

    Access follows the referrals: an organisation keeps seeing a member while it owns or
    hubs one of the member's referrals, open or finished (the organisation that did the
    work keeps its record of it for billing and audits). Grants made for another reason
    (the plan's own members, a hub's programme) are never withdrawn here. Returns whether
    a grant was withdrawn; the withdrawal is audited.
    """
    with transaction.atomic():
        with scopes_disabled(), as_owner():
            if Referral.objects.filter(member=member).filter(
                    Q(organisation=organisation) | Q(hub=organisation)).exists():
                return False
            withdrawn, _ = MemberAccess.objects.filter(
                member=member, organisation=organisation, reason="referral").delete()
        if withdrawn:
            audit.record("delete", object_type="member_access",
                         object_id=f"{member.pk}:{organisation.pk}", acting=acting,
                         member_id=member.pk,
                         detail={"organisation": organisation.pk, "why": why})
    return bool(withdrawn)


def resolve_contract(member: Member, *, contract: Contract | None = None,
                     service: ServiceDefinition | None = None, contract_code: str = "",
                     service_code: str = "") -> tuple[Contract, ServiceDefinition]:
    """The contract and service a referral is made under, from rows or from codes typed on
    a form. A code is looked up among the contracts the member's plan pays for only: an
    unknown code and another plan's code get the same answer. With no service given, a
    contract with a single service definition answers for it."""
    if contract is None:
        if not contract_code.strip():
            raise RuleRefused([Problem("contract", "Choose the contract the referral is made "
                                                   "under; every referral has one.")])
        try:
            contract = contract_by_code(contract_code.strip(), payer_id=member.plan_id)
        except ContractMissing:
            with scopes_disabled():
                plan = Organisation.objects.get(pk=member.plan_id)
            raise RuleRefused([Problem("payer", f"There is no contract {contract_code.strip()} "
                                                f"paid by {plan.name}.")]) from None
    if service is None:
        with scopes_disabled():
            definitions = ServiceDefinition.objects.filter(contract=contract)
            if service_code.strip():
                service = definitions.filter(code=service_code.strip()).first()
            elif definitions.count() == 1:
                service = definitions.first()
            codes = sorted(d.code for d in definitions)
        if service is None:
            shown = service_code.strip() or "No service"
            raise RuleRefused([Problem("service", f"{shown} is not a service of {contract.code}; "
                                                  f"its services are "
                                                  f"{', '.join(codes) or 'not defined yet'}.")])
    return contract, service


def create_referral(*, member: Member, organisation: Organisation, acting: Acting,
                    contract: Contract | None = None, service: ServiceDefinition | None = None,
                    contract_code: str = "", service_code: str = "", service_type: str = "",
                    hub: Organisation | None = None, anchor_date: date | None = None,
                    source: str = "manual", ranked_entry: Any = None, assignee: Any = None,
                    now: datetime | None = None, override_reason: str = "",
                    notify: bool = True) -> Referral:
    """Refer a member to `organisation` for a contract's service.

    The contract and service are given as rows or as codes (`resolve_contract`). The
    contract's rules are checked (`rules.check_referral`); a refusal raises RuleRefused
    naming every rule broken. A hub administrator may make the referral anyway with an
    `override_reason` when every rule broken is one of `rules.OVERRIDABLE`; the reason is
    recorded on the referral's timeline and audited. Refused
    too when another organisation owns open outreach for the member and service, or the
    member asked not to be contacted. The organisation's people (and the assignee) are
    told (`notices`) unless `notify` is False (a caller that tells them itself)."""
    created = now or timezone.now()
    contract, service = resolve_contract(member, contract=contract, service=service,
                                         contract_code=contract_code, service_code=service_code)
    problems = check_referral(member=member, contract=contract, service=service,
                              organisation=organisation, as_of=timezone.localdate(created),
                              hub=hub)
    reason = override_reason.strip()
    if problems:
        if not reason:
            raise RuleRefused(problems)
        if not acting.has_role(Role.HUB_ADMIN):
            raise RuleRefused(problems, preface="Referral not made (only a hub administrator "
                                                "may override the contract's rules)")
        if any(p.rule not in OVERRIDABLE for p in problems):
            raise RuleRefused(problems, preface="Referral not made (the contract's "
                                                "relationships and BAA cannot be overridden)")
    existing = open_referral_for(member, service.code)
    if existing is not None:
        raise AlreadyOwned(existing.organisation.name, existing.get_state_display().lower(),
                           existing.created_at)
    if ContactPreference.objects.filter(member=member, do_not_contact=True).exists():
        raise ReferralError("This member asked not to be contacted; no outreach referral can be made.")
    with scopes_disabled():
        kind = service_type or service.service_type.slug
    try:
        with transaction.atomic():
            grant_access(member, organisation, "referral")
            if hub is not None:
                grant_access(member, hub, "referral")
            with as_owner():
                referral = Referral.objects.create(
                    member=member, plan_id=member.plan_id, hub=hub, organisation=organisation,
                    contract=contract, service=service, contract_code=contract.code,
                    service_code=service.code, service_type=kind, anchor_date=anchor_date,
                    source=source, ranked_entry=ranked_entry, assignee=assignee,
                    created_by=acting.user, updated_by=acting.user,
                    due_at=due_at_for(contract, service.code, created=created,
                                      anchor_date=anchor_date))
                event(referral, "assigned", acting, to_state=State.ASSIGNED.value,
                      note=f"referred to {organisation.name}", at=created)
                if problems:
                    event(referral, "rules_override", acting, at=created,
                          note=f"Contract rules overridden by {user_name(acting.user)}: {reason}"
                               f" (broken: {', '.join(p.rule for p in problems)})")
            detail: dict[str, Any] = {"organisation": organisation.pk, "service": service.code,
                                      "contract": contract.code}
            if problems:
                detail["override_reason"] = reason
                detail["rules_overridden"] = [p.rule for p in problems]
            audit_referral("create", referral, acting, detail=detail)
            if notify:
                notices.placed_with(organisation, acting=acting)
                notices.assigned_to_worker(assignee, acting=acting, referral=referral)
    except IntegrityError:
        # Lost a race with another organisation starting outreach at the same moment.
        existing = open_referral_for(member, service.code)
        if existing is None:
            raise
        raise AlreadyOwned(existing.organisation.name, existing.get_state_display().lower(),
                           existing.created_at) from None
    return referral


def reroute(referral: Referral, version: int, organisation: Organisation, *, acting: Acting,
            reason: str) -> Referral:
    """A hub coordinator's override: hand the referral to another organisation, one
    that delivers under the referral's contract (RuleRefused otherwise), saying why (the
    reason is kept on the referral, shown on its page and audited)."""
    if not reason.strip():
        raise ReferralError("Say why the referral moves to another organisation (reason).")
    if not referral.is_open:
        raise ReferralError("A finished referral cannot be rerouted.")
    contract = contract_of(referral)
    if contract is not None:
        with scopes_disabled(), as_owner():
            service = (ServiceDefinition.objects.filter(pk=referral.service_id).first()
                       if referral.service_id else None)
        refused = Door(contract, service,
                       timezone.localdate()).organisation_problems(organisation)
        if refused:
            raise RuleRefused(refused, preface="Referral not moved")
    with transaction.atomic():
        grant_access(referral.member, organisation, "referral")
        previous = referral.organisation
        with as_owner():
            bump(referral, version, acting, organisation=organisation, assignee=None,
                 needs_routing=False, routed_by_override=True,
                 override_reason=reason.strip()[:300])
            event(referral, "routed", acting,
                  note=f"from {previous.name} to {organisation.name}: {reason.strip()}")
        audit_referral("update", referral, acting,
                       detail={"rerouted_from": previous.pk, "to": organisation.pk,
                               "reason": reason.strip()[:300]})
        withdraw_access(referral.member, previous, acting=acting,
                        why=f"referral {referral.pk} rerouted to {organisation.name}")
        # The last open referral of a CBO leaving the contract ends its departure.
        settle_contract(referral.contract_code, acting=acting)
        notices.placed_with(organisation, acting=acting)
    return referral


def assign_worker(referral: Referral, version: int, worker: Any, *,
                  acting: Acting, notify: bool = True) -> Referral:
    """Give the referral to one of its organisation's workers (None: to nobody); the
    worker is told unless `notify` is False (`assign_workers` tells them once)."""
    if worker is not None and not worker.memberships.filter(
            organisation=referral.organisation, is_active=True).exists():
        raise ReferralError(f"{user_name(worker)} does not work for {referral.organisation.name}.")
    with transaction.atomic():
        bump(referral, version, acting, assignee=worker)
        event(referral, "assigned", acting, note=f"worker: {user_name(worker)}")
        audit_referral("update", referral, acting,
                       detail={"assignee": getattr(worker, "pk", None)})
        if notify:
            notices.assigned_to_worker(worker, acting=acting, referral=referral)
    return referral
