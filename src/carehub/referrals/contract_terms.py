"""What a referral needs to know about its contract: outreach attempts allowed, timing
expectations, the escalation pathway and the flexible-funds allocation.

The contracts app owns contracts; this module reads them through its documented names
(`ServiceDefinition`, `EscalationLevel`, `selectors.in_effect`, `selectors.terms_in_force`).
A referral whose contract code names no contract in effect (none given, a proposal not
yet accepted, a declined one) follows the defaults below, so referral work never stops
for want of a contract row. The defaults are stated here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django_scopes import scopes_disabled

from carehub.contracts import selectors
from carehub.contracts.models import Contract, EscalationLevel, ServiceDefinition

DEFAULT_MAX_ATTEMPTS = 3
# Used when a contract defines no escalation pathway: supervisor, hub, then the plan.
DEFAULT_ESCALATION: tuple[tuple[int, str, int], ...] = (
    (1, "cbo_supervisor", 24),
    (2, "hub_coordinator", 48),
    (3, "payer_manager", 72),
)


@dataclass(frozen=True)
class Timing:
    hours: int
    anchor: str  # referral | discharge | enrolment


@dataclass(frozen=True)
class FundsRule:
    per_member: Decimal
    per: str  # year | term
    categories: tuple[str, ...]


def contract(code: str) -> Contract | None:
    """The contract named `code` if it is in effect (both parties accepted); a proposal
    not yet accepted, or declined, sets no rules: the defaults apply."""
    if not code:
        return None
    return selectors.in_effect().filter(code=code).first()


def max_outreach_attempts(code: str) -> int:
    found = contract(code)
    value = getattr(found, "max_outreach_attempts", None)
    return int(value) if value else DEFAULT_MAX_ATTEMPTS


def timing(code: str, service_code: str) -> Timing | None:
    found = contract(code)
    if found is None:
        return None
    with scopes_disabled():
        definition = ServiceDefinition.objects.filter(
            contract=found, code=service_code).first()
    if definition is None or definition.timing_hours is None:
        return None
    return Timing(int(definition.timing_hours), str(definition.timing_anchor or "referral"))


def max_duration_days(code: str, service_code: str) -> int | None:
    """The service definition's maximum duration in days, when the contract sets one."""
    found = contract(code)
    if found is None:
        return None
    with scopes_disabled():
        days = (ServiceDefinition.objects.filter(contract=found, code=service_code)
                .values_list("max_duration_days", flat=True).first())
    return int(days) if days else None


def escalation_levels(code: str) -> tuple[tuple[int, str, int], ...]:
    """(level, role, response hours) in level order."""
    found = contract(code)
    if found is not None:
        with scopes_disabled():
            rows = list(EscalationLevel.objects.filter(contract=found).order_by("level"))
        if rows:
            return tuple((r.level, str(r.role), int(r.response_hours)) for r in rows)
    return DEFAULT_ESCALATION


def terms(code: str, as_of: date) -> dict[str, Any] | None:
    found = contract(code)
    if found is None:
        return None
    result = selectors.terms_in_force(found, as_of)
    return dict(result) if result else None


def funds_rule(code: str, as_of: date) -> FundsRule | None:
    """The contract's flexible-funds component, or None when it has none."""
    document = terms(code, as_of)
    if not document:
        return None
    for component in document.get("components", []):
        if component.get("type") == "flexible_funds":
            return FundsRule(
                per_member=Decimal(str(component["per_member"])),
                per=str(component.get("per", "term")),
                categories=tuple(str(c) for c in component.get("categories", [])),
            )
    return None
