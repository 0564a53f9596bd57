"""Services delivered under the contract, and pathways with their steps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from carehub.contracts.models import Contract
from carehub.core.referral_states import State
from carehub.referrals.contract_terms import rules_for
from carehub.referrals.models import Pathway, PathwayStep, Referral, ServiceDelivery
from carehub.referrals.services.base import ReferralError, audit_referral, rules_of
from carehub.referrals.services.states import transition
from carehub.tenancy.access import Acting

SERVICE_STATES = (State.ENROLLED.value, State.IN_SERVICE.value)


def contract_service_codes(contract: Contract, on: date) -> set[str]:
    """The codes of the contract's service definitions (those a service may be logged
    under), as its rules stand on `on`."""
    return set(rules_for(contract, as_of=on).services)


def log_service(referral: Referral, *, service_code: str, on: date, units: int, setting: str,
                acting: Acting, note: str = "") -> ServiceDelivery:
    """Log a service given to an enrolled member; the first moves the referral in service.

    The service is checked against the referral's contract: it must be one of the
    contract's service definitions, in the terms in force on the day when the contract
    has terms, and within the terms' units per member per day."""
    if referral.state not in SERVICE_STATES:
        raise ReferralError(
            f"Services are logged once the member is enrolled; this referral is "
            f"{referral.get_state_display().lower()}.")
    if units < 1:
        raise ReferralError("Units must be 1 or more.")
    if on > timezone.localdate():
        raise ReferralError("A service cannot be logged for a future date.")
    rules = rules_of(referral, as_of=on)
    code = service_code.strip()
    rule = rules.service(code)
    if rule is None:
        raise ReferralError(
            f"{code or 'No service'} is not a service of contract {rules.code}; its services "
            f"are {', '.join(sorted(rules.services)) or 'not defined yet'}.")
    if rules.terms is not None and not rule.in_terms:
        raise ReferralError(
            f"{code} is not in the terms of contract {rules.code} in force on {on}; they pay "
            f"for {', '.join(sorted(rules.service_codes_in_terms))}.")
    with transaction.atomic():
        limit = rule.max_units_per_member_per_day
        if limit is not None:
            # Lock the referral so two logs for the same day cannot both pass the limit.
            Referral.objects.select_for_update().filter(pk=referral.pk).first()
            logged = ServiceDelivery.objects.filter(
                member_id=referral.member_id, service=rule.definition, date=on,
            ).aggregate(u=Sum("units"))["u"] or 0
            if logged + units > limit:
                raise ReferralError(
                    f"Contract {rules.code} pays at most {limit} {code} a member a day; "
                    f"{logged} already logged on {on}, so {units} more would pass it.")
        delivery = ServiceDelivery.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, contract_id=referral.contract_id,
            service=rule.definition, contract_code=referral.contract_code,
            service_code=code, date=on, units=units, setting=setting,
            staff=acting.user, note=note[:300], at=timezone.now())
        audit_referral("create", referral, acting, object_type="service_delivery",
                       object_id=delivery.pk, detail={"service": code, "units": units})
        if referral.state == State.ENROLLED.value:
            fresh = Referral.objects.get(pk=referral.pk)
            transition(fresh, fresh.version, State.IN_SERVICE.value, acting=acting,
                       note="first service logged")
    return delivery


def start_pathway(referral: Referral, *, pathway: str, steps: Iterable[str], acting: Acting,
                  on: date | None = None) -> Pathway:
    names = [s.strip() for s in steps if s.strip()]
    if not names:
        raise ReferralError("A pathway needs at least one step.")
    with transaction.atomic():
        row = Pathway.objects.create(referral=referral, member_id=referral.member_id,
                                     organisation_id=referral.organisation_id,
                                     pathway=pathway, started_on=on or timezone.localdate(),
                                     at=timezone.now())
        PathwayStep.objects.bulk_create(
            [PathwayStep(pathway=row, position=i, name=n) for i, n in enumerate(names, 1)])
        audit_referral("create", referral, acting, object_type="pathway", object_id=row.pk,
                       detail={"pathway": pathway, "steps": len(names)})
    return row


def complete_step(step: PathwayStep, *, acting: Acting, on: date | None = None) -> Pathway:
    """Mark a step done; the pathway completes when its last step is done."""
    day = on or timezone.localdate()
    with transaction.atomic():
        # Read again under a lock: the step in hand may predate another completion.
        pathway = Pathway.objects.select_for_update().select_related("referral").get(
            pk=step.pathway_id)
        if pathway.completed_on is not None:
            raise ReferralError("This pathway is already complete.")
        step.done_on = day
        step.save(update_fields=["done_on"])
        if not pathway.steps.filter(done_on__isnull=True).exists():
            pathway.completed_on = day
            pathway.save(update_fields=["completed_on"])
        audit_referral("update", pathway.referral, acting, object_type="pathway_step",
                       object_id=step.pk,
                       detail={"pathway_complete": pathway.completed_on is not None})
    return pathway
