"""The one reader of a contract's rules for referral work: outreach attempts allowed,
timing per service, the escalation pathway, unit limits and the flexible-funds allocation.

`rules_for(contract)` builds a `ContractRules` from the contracts app's rows (the
contract, its `ServiceDefinition`s and `EscalationLevel`s) and the engine's typed terms
(`carehub.core.terms`, the version in force on the day asked about). Nothing here reads
the terms dictionary by hand.

A referral without a contract has no rules: callers raise an error rather than fall
back to defaults. The one default left is the escalation pathway of a contract that
defines no levels (`DEFAULT_ESCALATION`): the contract is real, its pathway just has not
been written yet, and an escalation must still reach someone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts import selectors
from carehub.contracts.models import Contract, EscalationLevel, ServiceDefinition
from carehub.core.terms import FeeForService, FlexibleFunds, Hybrid, Terms, TermsError, load_terms
from carehub.tenancy.rls import as_owner

# Used only when a contract defines no escalation pathway: supervisor, hub, then the plan.
DEFAULT_ESCALATION: tuple[tuple[int, str, int], ...] = (
    (1, "cbo_supervisor", 24),
    (2, "hub_coordinator", 48),
    (3, "payer_manager", 72),
)
CACHE_ATTRIBUTE = "_carehub_rules"


class ContractMissing(LookupError):
    """A contract that was asked for does not exist (or is not the caller's to use)."""


@dataclass(frozen=True)
class Timing:
    hours: int
    anchor: str  # referral | discharge | enrolment


@dataclass(frozen=True)
class FundsRule:
    per_member: Decimal
    per: str  # year | term
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ServiceRule:
    """One service of the contract: its definition row and what the terms say of it."""

    definition: ServiceDefinition
    code: str
    name: str
    timing: Timing | None
    # From the terms' fee-for-service or hybrid component paying this service, if any.
    max_units_per_member_per_day: int | None = None
    in_terms: bool = False


@dataclass(frozen=True)
class ContractRules:
    contract: Contract
    as_of: date
    max_attempts: int
    services: Mapping[str, ServiceRule]
    # (level, role, response hours) in level order.
    escalation: tuple[tuple[int, str, int], ...]
    escalation_is_default: bool
    terms: Terms | None
    funds: FundsRule | None
    terms_problem: str = ""
    service_codes_in_terms: frozenset[str] = field(default_factory=frozenset)

    @property
    def code(self) -> str:
        return self.contract.code

    def service(self, code: str) -> ServiceRule | None:
        return self.services.get(code)

    def timing(self, service_code: str) -> Timing | None:
        found = self.services.get(service_code)
        return found.timing if found else None


def contract_row(pk: int) -> Contract:
    """The contract of a referral the caller may see, read as the service: a party that
    has since left the contract (a CBO whose membership ended) still works its referral
    by the contract's rules, though row-level security no longer shows it the contract."""
    with scopes_disabled(), as_owner():
        return Contract.objects.get(pk=pk)


def contract_by_code(code: str, *, payer_id: int | None = None) -> Contract:
    """The contract named `code` (of that payer when given); ContractMissing otherwise."""
    with scopes_disabled():
        found = Contract.objects.filter(code=code)
        if payer_id is not None:
            found = found.filter(payer_id=payer_id)
        row = found.first() if code else None
    if row is None:
        raise ContractMissing(f"There is no contract {code or '(none given)'}.")
    return row


def _typed_terms(contract: Contract, as_of: date) -> tuple[Terms | None, str]:
    with scopes_disabled(), as_owner():
        document = selectors.terms_in_force(contract, as_of)
    if not document:
        return None, ""
    try:
        return load_terms(document), ""
    except TermsError as exc:
        return None, f"the terms of {contract.code} in force on {as_of} cannot be read: {exc}"


def _build(contract: Contract, as_of: date) -> ContractRules:
    terms, problem = _typed_terms(contract, as_of)
    per_day: dict[str, int] = {}
    funds: FundsRule | None = None
    in_terms: frozenset[str] = frozenset()
    if terms is not None:
        in_terms = frozenset(s.code for s in terms.services)
        for component in terms.components:
            if isinstance(component, FeeForService | Hybrid):
                limit = component.max_units_per_member_per_day
                if limit is not None:
                    for code in component.services:
                        per_day[code] = min(limit, per_day.get(code, limit))
            elif isinstance(component, FlexibleFunds) and funds is None:
                funds = FundsRule(per_member=component.per_member, per=component.per,
                                  categories=tuple(component.categories))
    # Read as the service (see `contract_row`): the rules are the contract's, whoever asks.
    with scopes_disabled(), as_owner():
        definitions = list(ServiceDefinition.objects.filter(contract=contract).order_by("code"))
        levels = list(EscalationLevel.objects.filter(contract=contract).order_by("level"))
    services = {
        d.code: ServiceRule(
            definition=d, code=d.code, name=d.name,
            timing=(Timing(int(d.timing_hours), str(d.timing_anchor or "referral"))
                    if d.timing_hours is not None else None),
            max_units_per_member_per_day=per_day.get(d.code), in_terms=d.code in in_terms)
        for d in definitions}
    escalation = tuple((r.level, str(r.role), int(r.response_hours)) for r in levels)
    return ContractRules(
        contract=contract, as_of=as_of, max_attempts=int(contract.max_outreach_attempts),
        services=services, escalation=escalation or DEFAULT_ESCALATION,
        escalation_is_default=not escalation, terms=terms, funds=funds, terms_problem=problem,
        service_codes_in_terms=in_terms)


def rules_for(contract: Contract, *, as_of: date | None = None) -> ContractRules:
    """The contract's rules on `as_of` (today by default). Loaded once per contract
    instance and day: a request or transaction that holds the contract reads its rows
    once; a fresh instance (the next request) reads them again."""
    day = as_of or timezone.localdate()
    cache: dict[date, ContractRules] = contract.__dict__.setdefault(CACHE_ATTRIBUTE, {})
    if day not in cache:
        cache[day] = _build(contract, day)
    return cache[day]
