"""What every referral writer shares: the errors the rules raise, the timeline row, the
audit event and the optimistic version check.

Writers take the acting party as one keyword argument, `acting` (a
`tenancy.access.Acting`): its user is the actor, its organisation the author of the
timeline row and of the audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from carehub.audit import services as audit
from carehub.contracts.models import Contract
from carehub.core.referral_states import TERMINAL, State
from carehub.referrals.contract_terms import ContractRules, contract_row, rules_for
from carehub.referrals.models import Referral, ReferralEvent
from carehub.referrals.rules import Problem
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation


class ReferralError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


class ConflictError(ReferralError):
    """Someone else changed the referral since the form was loaded."""


class AlreadyOwned(ReferralError):
    """Another organisation owns open outreach for this member and service."""

    def __init__(self, owner: str, state: str, since: datetime) -> None:
        self.owner = owner
        super().__init__(f"{owner} already owns outreach for this member and service "
                         f"({state} since {timezone.localtime(since):%Y-%m-%d %H:%M}).")


class RuleRefused(ReferralError):
    """The contract's rules refuse the referral; `problems` names each rule broken."""

    def __init__(self, problems: list[Problem], *, preface: str = "Referral not made") -> None:
        self.problems = list(problems)
        super().__init__(f"{preface}: " + " ".join(p.message for p in self.problems))


def contract_of(referral: Referral) -> Contract | None:
    """The referral's contract (None for a legacy row without one), loaded once and read
    as the service (`contract_terms.contract_row`)."""
    if referral.contract_id is None:
        return None
    field = Referral._meta.get_field("contract")
    if not field.is_cached(referral):  # type: ignore[union-attr]
        referral.contract = contract_row(referral.contract_id)
    return referral.contract


def rules_of(referral: Referral, as_of: Any = None) -> ContractRules:
    """The rules of the referral's contract; a referral without one is refused work that
    needs its rules (never given defaults)."""
    contract = contract_of(referral)
    if contract is None:
        raise ReferralError(
            f"Referral {referral.pk} has no contract ({referral.contract_code or 'none'} names "
            f"none of its plan's contracts); the hub must settle its contract first.")
    return rules_for(contract, as_of=as_of)


def organisation_of(acting: Acting) -> Organisation:
    """The organisation a referral write is made for; every such write has one."""
    if acting.organisation is None:
        raise ReferralError("Referral work is done for an organisation; none is acting.")
    return acting.organisation


def user_name(user: Any) -> str:
    if user is None:
        return "someone"
    full = f"{getattr(user, 'first_name', '')} {getattr(user, 'last_name', '')}".strip()
    return full or str(getattr(user, "username", "someone"))


def event(referral: Referral, kind: str, acting: Acting, *, from_state: str = "",
          to_state: str = "", note: str = "", at: datetime | None = None) -> ReferralEvent:
    """Append a timeline row; the acting organisation is the author of its note."""
    return ReferralEvent.objects.create(
        referral=referral, member_id=referral.member_id, organisation=organisation_of(acting),
        kind=kind, from_state=from_state, to_state=to_state, note=note[:300],
        actor=acting.user, at=at or timezone.now())


def audit_referral(action: str, referral: Referral, acting: Acting,
                   object_type: str = "referral", object_id: str | int | None = None,
                   detail: dict[str, Any] | None = None) -> None:
    audit.record(action, object_type=object_type,
                 object_id=str(object_id if object_id is not None else referral.pk),
                 acting=acting, member_id=referral.member_id, detail=detail)


def bump(referral: Referral, version: int, acting: Acting, **changes: Any) -> Referral:
    """Write `changes` only if the referral is still at `version`; else ConflictError."""
    now = timezone.now()
    updated = Referral.objects.filter(pk=referral.pk, version=version).update(
        version=F("version") + 1, updated_at=now, updated_by=acting.user, **changes)
    if updated == 0:
        current = Referral.objects.select_related("updated_by").get(pk=referral.pk)
        raise ConflictError(
            f"This referral was changed by {user_name(current.updated_by)} at "
            f"{timezone.localtime(current.updated_at):%Y-%m-%d %H:%M:%S} (now "
            f"{current.get_state_display().lower()}). Reload to see their change; your input "
            f"is kept below.")
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.version = version + 1
    referral.updated_at = now
    referral.updated_by = acting.user
    return referral


def refuse_finished(referral: Referral, what: str) -> None:
    """Refuse `what` on a completed or closed referral. Call inside the writer's
    transaction: the state is read again under a row lock, so a referral finished
    since the page was loaded is refused too."""
    state = (Referral.objects.select_for_update().filter(pk=referral.pk)
             .values_list("state", flat=True).first())
    if state is not None and State(state) in TERMINAL:
        raise ReferralError(
            f"This referral is {State(state).value}; {what} cannot be added to a finished "
            f"referral.")
