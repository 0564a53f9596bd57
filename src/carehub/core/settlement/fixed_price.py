"""Fixed price: all up front, in even monthly or quarterly instalments, or per milestone."""

from __future__ import annotations

from carehub.core.money import ZERO, cents_to_decimal, fmt, fmt_cents, split_cents, to_cents
from carehub.core.periods import Span, months_touching, quarters_touching
from carehub.core.settlement.context import Context
from carehub.core.settlement.lines import paid, paid_cents, unpaid
from carehub.core.settlement.statement import Line
from carehub.core.terms import FixedPrice


def instalments(component: FixedPrice, term: Span) -> list[tuple[Span, int]]:
    """(span, cents) per instalment: the amount split evenly, cents rounded down, the
    remainder added to the last instalment."""
    spans = months_touching(term) if component.schedule == "monthly" else quarters_touching(term)
    shares = split_cents(to_cents(component.amount), len(spans))
    return list(zip(spans, shares, strict=True))


def settle_fixed_price(component: FixedPrice, ctx: Context) -> list[Line]:
    terms = ctx.terms
    if component.schedule == "upfront":
        if not ctx.period.contains(terms.effective):
            return []
        return [paid(component, "Fixed price", 1, component.amount, component.amount,
                     f"whole fixed price paid up front in the period holding effective "
                     f"{terms.effective}")]
    if component.schedule == "milestones":
        return _milestones(component, ctx)
    parts = instalments(component, terms.term)
    count = len(parts)
    word = "months" if component.schedule == "monthly" else "quarters"
    each = parts[0][1]
    remainder = parts[-1][1] - each
    lines: list[Line] = []
    for number, (span, cents) in enumerate(parts, start=1):
        # An instalment falls due on the first day of its month or quarter inside the term.
        due = max(span.start, terms.effective)
        if not ctx.period.contains(due):
            continue
        basis = (f"{fmt(component.amount)} ÷ {count} {word} = {fmt_cents(each)} "
                 "(cents rounded down)")
        if number == count and remainder:
            basis += f" + remainder {fmt_cents(remainder)} on the last instalment"
        lines.append(paid_cents(component, f"Instalment {number} of {count}", 1,
                                cents_to_decimal(cents), cents, basis + f", due {due}"))
    return lines


def _milestones(component: FixedPrice, ctx: Context) -> list[Line]:
    amounts = {milestone.name: milestone.amount for milestone in component.milestones}
    first_reported: dict[str, str] = {}
    lines: list[Line] = []
    for event in ctx.events("milestone"):
        name = event.name or ""
        in_period = ctx.period.contains(event.date)
        if name not in amounts:
            if in_period:
                lines.append(unpaid(component, f"Milestone {name} unpaid", 1, ZERO,
                                    f"reported {event.date}, but {name!r} is not a milestone "
                                    f"of these terms ({', '.join(amounts)})"))
            continue
        if name in first_reported:
            if in_period:
                lines.append(unpaid(component, f"Milestone {name} repeated", 1, amounts[name],
                                    f"reported again {event.date}; already paid for its "
                                    f"completion on {first_reported[name]}"))
            continue
        first_reported[name] = event.date.isoformat()
        if in_period:
            lines.append(paid(component, f"Milestone {name}", 1, amounts[name], amounts[name],
                              f"milestone {name} completion reported {event.date}"))
    return lines
