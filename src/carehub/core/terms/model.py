"""Contract payment terms as data: frozen, typed models of the services and payment
components a contract pays for (see docs/payment-engine.md and design/contract-terms.md).

`carehub.core.terms.reader` builds them from YAML or JSON; settlement and the studio
read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from carehub.core.periods import Span

MLR_CATEGORIES = ("medical", "quality", "admin")
COMPONENT_TYPES = (
    "fixed_price", "fee_for_service", "bundled", "capitation", "hybrid", "performance",
    "shared_savings", "shared_losses", "outcome_based", "prepayment", "flexible_funds",
)
DIRECTIONS = ("at_least", "at_most")


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name: str
    unit: str
    rate: Decimal
    hcpcs: str | None = None
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Component:
    id: str
    type: str
    label: str | None = None
    mlr: str = "medical"


@dataclass(frozen=True, slots=True)
class Milestone:
    name: str
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class FixedPrice(Component):
    amount: Decimal
    schedule: str
    milestones: tuple[Milestone, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FeeForService(Component):
    services: tuple[str, ...]
    max_units: int | None = None
    max_units_per_member_per_day: int | None = None
    guaranteed_minimum: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class Bundled(Component):
    service: str
    rate: Decimal
    episode_days: int
    max_renewals: int
    included_services: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Capitation(Component):
    pmpm: Decimal
    member_month_rule: str


@dataclass(frozen=True, kw_only=True)
class Hybrid(Component):
    floor: Decimal
    services: tuple[str, ...]
    max_units: int | None = None
    max_units_per_member_per_day: int | None = None
    reconcile: str = "pooled"


@dataclass(frozen=True, slots=True)
class Target:
    metric: str
    target: Decimal
    direction: str

    def met_by(self, value: Decimal) -> bool:
        return value >= self.target if self.direction == "at_least" else value <= self.target

    def describe(self) -> str:
        return f"{'≥' if self.direction == 'at_least' else '≤'} {self.target}"


@dataclass(frozen=True, slots=True)
class Bonus:
    goal: Target
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Penalties:
    first: Decimal
    step_percent: Decimal
    step_mode: str


@dataclass(frozen=True, kw_only=True)
class Performance(Component):
    bonuses: tuple[Bonus, ...] = ()
    penalties: Penalties | None = None


@dataclass(frozen=True, kw_only=True)
class SharedSavings(Component):
    benchmark: Decimal | None
    net_of: tuple[str, ...]
    min_rate: Decimal
    max_rate: Decimal
    quality_metrics: tuple[Target, ...]
    minimum_savings_rate: Decimal | None = None
    cap: Decimal | None = None
    cap_first: bool = False


@dataclass(frozen=True, kw_only=True)
class SharedLosses(Component):
    benchmark: Decimal | None
    rate: Decimal
    threshold_rate: Decimal | None = None
    cap: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class OutcomeBased(Component):
    unit_rate: Decimal
    pathways: Mapping[str, Decimal]
    engagement_amount: Decimal
    budget: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class Prepayment(Component):
    amount: Decimal
    recoup_rate: Decimal


@dataclass(frozen=True, kw_only=True)
class FlexibleFunds(Component):
    per_member: Decimal
    per: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Terms:
    contract: str
    payer: str
    provider: str
    effective: date
    ends: date
    billing: str
    services: tuple[Service, ...]
    components: tuple[Component, ...]
    # Assumptions for the payment model studio; ignored by settlement.
    studio: Mapping[str, Any] = field(default_factory=dict)
    # Delivering organisations (by slug) that bill otherwise than `billing`: a CBO ready
    # for member-level claims moves to them by an amendment while the rest invoice.
    billing_by_provider: Mapping[str, str] = field(default_factory=dict)

    def billing_for(self, organisation_slug: str) -> str:
        """How the lines an organisation delivers are billed: `invoice` or `claims`."""
        return self.billing_by_provider.get(organisation_slug, self.billing)

    @property
    def term(self) -> Span:
        return Span(self.effective, self.ends)

    def service(self, code: str) -> Service:
        for service in self.services:
            if service.code == code:
                return service
        raise KeyError(code)

    def component(self, component_id: str) -> Component:
        for component in self.components:
            if component.id == component_id:
                return component
        raise KeyError(component_id)
