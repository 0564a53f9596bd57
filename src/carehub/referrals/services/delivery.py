"""Services delivered under the contract, and pathways with their steps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from carehub.core.referral_states import State
from carehub.referrals import contract_terms
from carehub.referrals.models import Pathway, PathwayStep, Referral, ServiceDelivery
from carehub.referrals.services.base import ReferralError, audit_referral
from carehub.referrals.services.states import transition
from carehub.tenancy.access import Acting

SERVICE_STATES = (State.ENROLLED.value, State.IN_SERVICE.value)


def contract_service_codes(contract_code: str, on: date) -> set[str] | None:
    """The service codes of the contract's terms in force; None when unknown."""
    document = contract_terms.terms(contract_code, on)
    if not document:
        return None
    return {str(s.get("code")) for s in document.get("services", [])}


def log_service(referral: Referral, *, service_code: str, on: date, units: int, setting: str,
                acting: Acting, note: str = "") -> ServiceDelivery:
    """Log a service given to an enrolled member; the first moves the referral in service."""
    if referral.state not in SERVICE_STATES:
        raise ReferralError(
            f"Services are logged once the member is enrolled; this referral is "
            f"{referral.get_state_display().lower()}.")
    if units < 1:
        raise ReferralError("Units must be 1 or more.")
    if on > timezone.localdate():
        raise ReferralError("A service cannot be logged for a future date.")
    allowed = contract_service_codes(referral.contract_code, on)
    if allowed is not None and service_code not in allowed:
        raise ReferralError(
            f"{service_code} is not a service of contract {referral.contract_code} on {on}; "
            f"its services are {', '.join(sorted(allowed))}.")
    with transaction.atomic():
        delivery = ServiceDelivery.objects.create(
            referral=referral, member_id=referral.member_id,
            organisation_id=referral.organisation_id, contract_code=referral.contract_code,
            service_code=service_code, date=on, units=units, setting=setting,
            staff=acting.user, note=note[:300], at=timezone.now())
        audit_referral("create", referral, acting, object_type="service_delivery",
                       object_id=delivery.pk, detail={"service": service_code, "units": units})
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
