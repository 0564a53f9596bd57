"""The one way a referral changes state.

`transition` asks the pure state machine (`core.referral_states.check_transition`),
writes the referral with an optimistic version check, appends a ReferralEvent and an
audit event, all in one transaction. A writer holding a stale version gets ConflictError
naming who changed the referral and when, and nothing of theirs is saved.

Every move recomputes the referral's due time for its new state (`referrals.due`). A
move to completed or closed while escalations are open needs an answer for them:
`open_escalations="keep"` leaves them open (the barrier outlives the referral) and
`"resolve"` resolves them with the referral; without one the move is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from carehub.core.referral_states import (
    STATE_LABELS,
    TERMINAL,
    CloseReason,
    IllegalTransition,
    State,
    TransitionContext,
    check_transition,
)
from carehub.referrals import due
from carehub.referrals.models import Escalation, Referral
from carehub.referrals.services.base import (
    ReferralError,
    audit_referral,
    bump,
    contract_of,
    event,
    rules_of,
)
from carehub.referrals.services.departure_work import settle_contract
from carehub.referrals.services.escalations import resolve_escalation
from carehub.tenancy.access import Acting

KEEP_ESCALATIONS = "keep"
RESOLVE_ESCALATIONS = "resolve"
OPEN_ESCALATION_ANSWERS = (KEEP_ESCALATIONS, RESOLVE_ESCALATIONS)


def transition(referral: Referral, version: int, target: str, *, acting: Acting,
               close_reason: str = "", decline_reason: str = "", note: str = "",
               open_escalations: str = "", on: date | None = None) -> Referral:
    """Move the referral to `target` if the state machine allows it. The contract's
    rules are read when the move depends on them (closing as unreachable, enrolment); a
    referral without a contract is refused those moves, never defaulted."""
    unreachable = target == State.CLOSED.value and close_reason == CloseReason.UNREACHABLE.value
    attempts_allowed = rules_of(referral).max_attempts if unreachable else 0
    context = TransitionContext(
        outreach_attempts=referral.attempts, max_outreach_attempts=attempts_allowed,
        close_reason=close_reason, decline_reason=decline_reason)
    try:
        goal = check_transition(referral.state, target, context)
    except IllegalTransition as exc:
        raise ReferralError(str(exc)[0].upper() + str(exc)[1:] + ".") from None
    if open_escalations and open_escalations not in OPEN_ESCALATION_ANSWERS:
        raise ReferralError("Open escalations: choose to keep them open or to resolve them.")
    moment = timezone.now()
    day = on or timezone.localdate()
    changes: dict[str, Any] = {"state": goal.value}
    if goal is State.CLOSED:
        changes["close_reason"] = close_reason
    if goal is State.DECLINED:
        changes["decline_reason"] = decline_reason[:200]
    if goal is State.ENROLLED:
        changes["enrolled_on"] = day
        rules_of(referral)  # no enrolment without a contract
    if goal is State.COMPLETED:
        changes["completed_on"] = day
    changes["due_at"] = due.due_for(
        goal, entered=moment, created=referral.created_at or moment,
        timing=due.service_timing(contract_of(referral), referral.service_code),
        anchor_date=referral.anchor_date,
        enrolled_on=changes.get("enrolled_on", referral.enrolled_on))
    reason = close_reason or decline_reason
    with transaction.atomic():
        pending: list[Escalation] = []
        if goal in TERMINAL:
            pending = list(Escalation.objects.select_for_update()
                           .filter(referral=referral, resolved_at__isnull=True).order_by("pk"))
            if pending and not open_escalations:
                raise ReferralError(
                    f"Open escalations: this referral has {len(pending)} open "
                    f"escalation{'s' if len(pending) != 1 else ''}; choose whether "
                    f"{'they stay' if len(pending) != 1 else 'it stays'} open or "
                    f"{'are' if len(pending) != 1 else 'is'} resolved with the referral.")
        previous = referral.state
        bump(referral, version, acting, **changes)
        event(referral, "transition", acting, from_state=previous, to_state=goal.value,
              note=" ".join(p for p in (reason, note) if p))
        if pending and open_escalations == RESOLVE_ESCALATIONS:
            why = STATE_LABELS[goal].lower() + (f" ({reason})" if reason else "")
            for row in pending:
                resolve_escalation(row, acting=acting, resolution=(
                    f"Resolved with the referral: {why}. {note}".strip()))
        audit_referral("update", referral, acting,
                       detail={"from": previous, "to": goal.value, "reason": reason,
                               **({"open_escalations": open_escalations,
                                   "escalations": [r.pk for r in pending]} if pending else {})})
        if not referral.is_open:
            # The last open referral of a CBO leaving the contract ends its departure.
            settle_contract(referral.contract_code, acting=acting)
    return referral
