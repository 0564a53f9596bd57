"""The one way a referral changes state.

`transition` asks the pure state machine (`core.referral_states.check_transition`),
writes the referral with an optimistic version check, appends a ReferralEvent and an
audit event, all in one transaction. A writer holding a stale version gets ConflictError
naming who changed the referral and when, and nothing of theirs is saved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from carehub.core.referral_states import (
    CloseReason,
    IllegalTransition,
    State,
    TransitionContext,
    check_transition,
)
from carehub.referrals.models import Referral
from carehub.referrals.services.base import ReferralError, audit_referral, bump, event, rules_of
from carehub.referrals.services.creation import due_at_for
from carehub.referrals.services.departure_work import settle_contract
from carehub.tenancy.access import Acting


def transition(referral: Referral, version: int, target: str, *, acting: Acting,
               close_reason: str = "", decline_reason: str = "", note: str = "",
               on: date | None = None) -> Referral:
    """Move the referral to `target` if the state machine allows it. The contract's
    rules are read when the move depends on them (closing as unreachable, enrolment's
    due date); a referral without a contract is refused those moves, never defaulted."""
    unreachable = target == State.CLOSED.value and close_reason == CloseReason.UNREACHABLE.value
    attempts_allowed = rules_of(referral).max_attempts if unreachable else 0
    context = TransitionContext(
        outreach_attempts=referral.attempts, max_outreach_attempts=attempts_allowed,
        close_reason=close_reason, decline_reason=decline_reason)
    try:
        goal = check_transition(referral.state, target, context)
    except IllegalTransition as exc:
        raise ReferralError(str(exc)[0].upper() + str(exc)[1:] + ".") from None
    day = on or timezone.localdate()
    changes: dict[str, Any] = {"state": goal.value}
    if goal is State.CLOSED:
        changes["close_reason"] = close_reason
    if goal is State.DECLINED:
        changes["decline_reason"] = decline_reason[:200]
    if goal is State.ENROLLED:
        changes["enrolled_on"] = day
        contract = rules_of(referral).contract  # no enrolment without a contract
        due = due_at_for(contract, referral.service_code,
                         created=timezone.now(), anchor_date=referral.anchor_date,
                         enrolled_on=day)
        changes["due_at"] = due
    if goal is State.COMPLETED:
        changes["completed_on"] = day
    if goal in (State.CONTACTED,):
        changes["due_at"] = None  # first contact made: the contact timing is met
    with transaction.atomic():
        previous = referral.state
        bump(referral, version, acting, **changes)
        reason = close_reason or decline_reason
        event(referral, "transition", acting, from_state=previous, to_state=goal.value,
              note=" ".join(p for p in (reason, note) if p))
        audit_referral("update", referral, acting,
                       detail={"from": previous, "to": goal.value, "reason": reason})
        if not referral.is_open:
            # The last open referral of a CBO leaving the contract ends its departure.
            settle_contract(referral.contract_code, acting=acting)
    return referral
