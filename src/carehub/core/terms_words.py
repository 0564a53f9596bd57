"""Contract payment terms in words and numbers, for people who do not read YAML.

`describe(terms)` turns the typed terms (`carehub.core.terms`) into one `ComponentText`
per payment component: a heading and short lines such as "Floor $18,000.00 a month, paid
up front" or "Home-delivered meal (HDM) at $7.50 per meal, at most 2 a day per member".
The wording follows the meaning fixed in design/contract-terms.md; the numbers come from
the same typed terms the payment engine settles, so the page and the statement agree.

Pure Python: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from carehub.core.money import cents_to_decimal
from carehub.core.settlement.fixed_price import instalments
from carehub.core.settlement.performance import penalty_cents
from carehub.core.terms import (
    Bundled,
    Capitation,
    Component,
    FeeForService,
    FixedPrice,
    FlexibleFunds,
    Hybrid,
    OutcomeBased,
    Performance,
    Prepayment,
    SharedLosses,
    SharedSavings,
    Target,
    Terms,
)

KIND_NAMES = {
    "fixed_price": "Fixed price",
    "fee_for_service": "Fee for service",
    "bundled": "Bundled case rate",
    "capitation": "Capitation",
    "hybrid": "Hybrid: monthly floor and fee for service",
    "performance": "Pay for performance",
    "shared_savings": "Shared savings",
    "shared_losses": "Shared losses",
    "outcome_based": "Outcome-based payment",
    "prepayment": "Prepayment",
    "flexible_funds": "Flexible funds",
}
MLR_NAMES = {"medical": "medical care", "quality": "quality improvement",
             "admin": "administration"}
BILLING_NAMES = {"invoice": "an aggregate invoice", "claims": "member-level claims"}
# How many escalating penalties are spelt out as an example.
PENALTY_EXAMPLES = 3


@dataclass(frozen=True, slots=True)
class ComponentText:
    """One payment component in words: `heading` names it, `lines` say how it pays."""

    id: str
    kind: str
    heading: str
    lines: tuple[str, ...]
    mlr: str

    @property
    def summary(self) -> str:
        """The lines on one line: "floor $18,000.00 a month; …"."""
        return "; ".join(_lower_first(line) for line in self.lines)


def money(amount: Decimal) -> str:
    """$18,000.00: dollars, thousands separators, two decimals (negative: -$5.00)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def number(value: Decimal | int) -> str:
    """A count or quantity without trailing zeros, with thousands separators: 2, 2,600, 1.5."""
    normal = Decimal(value).normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal):,}"
    whole, _, fraction = format(normal, "f").partition(".")
    return f"{int(whole):,}.{fraction}"


def percent(rate: Decimal) -> str:
    """A rate as a percentage: 0.40 → 40%, 0.475 → 47.5%."""
    return f"{number(rate * 100)}%"


def plural(word: str, count: Decimal | int = 2) -> str:
    """meal → meals; member-month → member-months; one of anything stays singular."""
    if count == 1 or not word:
        return word
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def describe(terms: Terms) -> list[ComponentText]:
    """Every component of `terms`, in the order the terms list them."""
    return [describe_component(terms, component) for component in terms.components]


def describe_component(terms: Terms, component: Component) -> ComponentText:
    writer = _WRITERS.get(component.type)
    lines = writer(terms, component) if writer else []
    return ComponentText(
        id=component.id, kind=KIND_NAMES.get(component.type, component.type),
        heading=component.label or KIND_NAMES.get(component.type, component.type),
        lines=tuple(lines), mlr=MLR_NAMES.get(component.mlr, component.mlr),
    )


def describe_overview(terms: Terms) -> list[str]:
    """Who pays whom, when, and how it is billed."""
    return [
        f"{terms.payer} pays {terms.provider} from {terms.effective.isoformat()} "
        f"to {terms.ends.isoformat()}",
        f"Billed as {BILLING_NAMES.get(terms.billing, terms.billing)}",
        *[f"{slug} bills as {BILLING_NAMES.get(mode, mode)}"
          for slug, mode in sorted(terms.billing_by_provider.items())],
    ]


def describe_services(terms: Terms) -> list[str]:
    """The fee schedule: one line per service in the catalogue."""
    return [f"{_service_name(terms, service.code)}: {money(service.rate)} per {service.unit}"
            for service in terms.services]


def _service_name(terms: Terms, code: str) -> str:
    try:
        service = terms.service(code)
    except KeyError:
        return code
    extra = [code]
    if service.hcpcs:
        extra.append(f"HCPCS {service.hcpcs}" + "".join(f"-{m}" for m in service.modifiers))
    if service.name == code:
        return f"{code}" if len(extra) == 1 else f"{code} ({', '.join(extra[1:])})"
    return f"{service.name} ({', '.join(extra)})"


def _names(terms: Terms, codes: Iterable[str]) -> str:
    return ", ".join(_service_name(terms, code) for code in codes)


def _unit_of(terms: Terms, codes: tuple[str, ...]) -> str:
    """The unit the codes share ("meal"), else "unit"."""
    units = set()
    for code in codes:
        try:
            units.add(terms.service(code).unit)
        except KeyError:
            units.add("unit")
    return units.pop() if len(units) == 1 else "unit"


def _fee_lines(terms: Terms, services: tuple[str, ...], per_day: int | None,
               max_units: int | None) -> list[str]:
    lines = []
    for code in services:
        try:
            service = terms.service(code)
        except KeyError:
            lines.append(f"{code} at its catalogue rate")
            continue
        line = f"{_service_name(terms, code)} at {money(service.rate)} per {service.unit}"
        if per_day is not None:
            line += f", at most {number(per_day)} a day per member"
        lines.append(line)
    if max_units is not None:
        unit = _unit_of(terms, services)
        lines.append(f"At most {number(max_units)} {plural(unit, max_units)} paid in a "
                     "statement period; units past the cap are listed unpaid")
    return lines


def _fixed_price(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, FixedPrice)
    if component.schedule == "upfront":
        return [f"{money(component.amount)}, paid up front in the first period of the term "
                f"(from {terms.effective.isoformat()})"]
    if component.schedule == "milestones":
        lines = [f"{money(component.amount)} in all, paid by milestone"]
        lines += [f"{money(m.amount)} when {m.name} is reported complete"
                  for m in component.milestones]
        return lines
    parts = instalments(component, terms.term)
    word = "monthly" if component.schedule == "monthly" else "quarterly"
    each = cents_to_decimal(parts[0][1])
    last = cents_to_decimal(parts[-1][1])
    line = (f"{money(component.amount)} for the term, paid in {len(parts)} {word} "
            f"instalments of {money(each)}")
    if last != each:
        line += f" (the last one {money(last)})"
    return [line]


def _fee_for_service(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, FeeForService)
    lines = _fee_lines(terms, component.services, component.max_units_per_member_per_day,
                       component.max_units)
    if component.guaranteed_minimum is not None:
        lines.append(f"Guaranteed minimum {money(component.guaranteed_minimum)} a period: "
                     "a lower total is topped up to it")
    return lines


def _hybrid(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, Hybrid)
    lines = [f"Floor {money(component.floor)} a month, paid up front"]
    lines += _fee_lines(terms, component.services, component.max_units_per_member_per_day,
                        component.max_units)
    if component.reconcile == "member":
        lines.append("Reconciled member by member: each member's fees above their share of "
                     "the floor are paid on top of it")
    else:
        lines.append("When a month's fees exceed the floor, the balance is paid on top of it; "
                     "otherwise the floor is the month's payment")
    return lines


def _bundled(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, Bundled)
    lines = [f"{_service_name(terms, component.service)}: {money(component.rate)} per episode "
             f"of {number(component.episode_days)} days, paid when the episode starts"]
    if component.max_renewals:
        lines.append(f"Up to {number(component.max_renewals)} "
                     f"{plural('renewal', component.max_renewals)}, each needing an approval")
    else:
        lines.append("No renewals")
    if component.included_services:
        lines.append(f"Includes {_names(terms, component.included_services)}: not paid "
                     "separately while an episode is open")
    return lines


def _capitation(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, Capitation)
    rule = ("a member counts for a month when attributed on its first day"
            if component.member_month_rule == "first_of_month"
            else "prorated by the days each member is attributed in the month")
    return [f"{money(component.pmpm)} per member per month", rule[0].upper() + rule[1:]]


def _goal(goal: Target) -> str:
    way = "at least" if goal.direction == "at_least" else "at most"
    return f"{goal.metric} is {way} {goal.target}"


def _performance(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, Performance)
    lines = [f"Bonus {money(bonus.amount)} when {_goal(bonus.goal)} in the period"
             for bonus in component.bonuses]
    penalties = component.penalties
    if penalties is not None:
        examples = ", ".join(money(cents_to_decimal(penalty_cents(penalties, n)))
                             for n in range(1, PENALTY_EXAMPLES + 1))
        how = ("compounded" if penalties.step_mode == "compound"
               else "of the first amount, added")
        lines.append(f"Penalties start at {money(penalties.first)} and rise "
                     f"{number(penalties.step_percent)}% per occurrence, {how}: "
                     f"{examples}, …; occurrences are counted from the start of the contract")
    return lines


def _shared_savings(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, SharedSavings)
    lines = [(f"Benchmark {money(component.benchmark)} total cost of care"
              if component.benchmark is not None
              else "Benchmark total cost of care taken from the period's activity")]
    if component.net_of:
        lines.append("Savings are net of payments under "
                     + ", ".join(_component_name(terms, other) for other in component.net_of))
    count = len(component.quality_metrics)
    if component.min_rate == component.max_rate or not count:
        lines.append(f"Share of savings {percent(component.min_rate)}")
    else:
        lines.append(f"Share of savings from {percent(component.min_rate)} to "
                     f"{percent(component.max_rate)}, by the share of the {count} quality "
                     f"{plural('metric', count)} met")
    lines += [f"Quality metric: {_goal(goal)}" for goal in component.quality_metrics]
    if component.minimum_savings_rate is not None:
        lines.append(f"Paid only when savings reach {percent(component.minimum_savings_rate)} "
                     "of the benchmark")
    if component.cap is not None:
        lines.append(f"Capped at {money(component.cap)}"
                     + (", before the share is applied" if component.cap_first else ""))
    return lines


def _shared_losses(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, SharedLosses)
    lines = [(f"Benchmark {money(component.benchmark)} total cost of care"
              if component.benchmark is not None
              else "Benchmark total cost of care taken from the period's activity"),
             f"The provider repays {percent(component.rate)} of costs above the benchmark"]
    if component.threshold_rate is not None:
        lines.append(f"Only when costs exceed the benchmark by more than "
                     f"{percent(component.threshold_rate)} of it")
    if component.cap is not None:
        lines.append(f"Repayment capped at {money(component.cap)}")
    return lines


def _outcome_based(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, OutcomeBased)
    lines = []
    if component.engagement_amount:
        lines.append(f"{money(component.engagement_amount)} per confirmed engagement "
                     "(for example a home visit)")
    lines.append(f"{money(component.unit_rate)} per outcome unit")
    for pathway, units in component.pathways.items():
        worth = (component.unit_rate * units).quantize(Decimal("0.01"))
        lines.append(f"{pathway} pathway completed: {number(units)} "
                     f"{plural('unit', units)} = {money(worth)}")
    if component.budget is not None:
        lines.append(f"Budget {money(component.budget)} for the term")
    return lines


def _prepayment(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, Prepayment)
    lines = [f"{money(component.amount)} paid in advance in the first period of the term"]
    if component.recoup_rate:
        lines.append(f"Recouped by withholding {percent(component.recoup_rate)} of each later "
                     "statement until repaid")
    else:
        lines.append("Not recouped")
    return lines


def _flexible_funds(terms: Terms, component: Component) -> list[str]:
    assert isinstance(component, FlexibleFunds)
    per = "a year" if component.per == "year" else "over the term"
    return [f"Up to {money(component.per_member)} per member {per}",
            f"For spending on {', '.join(component.categories)}; spending past a member's "
            "allocation is listed unpaid"]


def _component_name(terms: Terms, component_id: str) -> str:
    try:
        other = terms.component(component_id)
    except KeyError:
        return component_id
    return f"{other.label} ({component_id})" if other.label else component_id


def _lower_first(text: str) -> str:
    # Keep acronyms and codes ("HDM", "MEALPLAN") as written.
    head = text.split(" ", 1)[0]
    if len(head) > 1 and head[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]


_WRITERS: dict[str, Callable[[Terms, Component], list[str]]] = {
    "fixed_price": _fixed_price,
    "fee_for_service": _fee_for_service,
    "bundled": _bundled,
    "capitation": _capitation,
    "hybrid": _hybrid,
    "performance": _performance,
    "shared_savings": _shared_savings,
    "shared_losses": _shared_losses,
    "outcome_based": _outcome_based,
    "prepayment": _prepayment,
    "flexible_funds": _flexible_funds,
}
