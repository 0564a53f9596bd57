"""Payment model studio: a Monte Carlo year for candidate terms.

For each run the studio draws a year of demand and cost, prices it under each candidate's
components, and reports the payer's cost and the provider's margin (payments − cost of
delivering). The pricing follows the engine's rules component by component, at the level
of monthly totals (docs/payment-engine.md lists what the studio simplifies). Results are
estimates in float64, not amounts owed: statements come from `carehub.core.settlement`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from carehub.core.periods import months_touching
from carehub.core.terms import (
    Bundled,
    Capitation,
    FeeForService,
    FixedPrice,
    FlexibleFunds,
    Hybrid,
    OutcomeBased,
    Performance,
    Prepayment,
    SharedLosses,
    SharedSavings,
    Terms,
)
from carehub.core.validation import InputError

# name -> (meaning, drawn per month?)
VARIABLES: dict[str, tuple[str, bool]] = {
    "volume": ("units of service demanded per month", True),
    "cost_per_unit": ("the provider's cost of delivering one unit, per run", False),
    "intensity": ("units actually delivered per unit expected (1 = as planned), per run",
                  False),
    "members": ("attributed members, per run", False),
    "quality": ("value of each bonus or quality metric, drawn per metric and run", False),
    "penalties": ("penalty occurrences per month", True),
    "actual_cost": ("actual total cost of care for the year, per run", False),
    "benchmark": ("total cost of care benchmark when the terms give none, per run", False),
    "spending": ("flexible-fund spending requested per member per year", False),
    "completion_rate": ("pathway completions per engagement", False),
}
DEFAULTS = {"intensity": "fixed:1", "members": "fixed:1000", "quality": "fixed:0",
            "penalties": "fixed:0", "spending": "fixed:0", "completion_rate": "fixed:0.5"}
REQUIRED = ("volume", "cost_per_unit")
DISTRIBUTIONS = {"normal": 2, "uniform": 2, "triangular": 3, "lognormal": 2, "poisson": 1,
                 "fixed": 1}
STUDIO_FIELDS = ("assume", "units_per_episode", "scope_units_per_month")


class StudioError(InputError):
    """Bad simulation settings."""


@dataclass(frozen=True)
class Distribution:
    kind: str
    params: tuple[float, ...]
    text: str

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        p = self.params
        if self.kind == "normal":
            values = rng.normal(p[0], p[1], size)
        elif self.kind == "uniform":
            values = rng.uniform(p[0], p[1], size)
        elif self.kind == "triangular":
            values = rng.triangular(p[0], p[1], p[2], size)
        elif self.kind == "lognormal":
            values = rng.lognormal(p[0], p[1], size)
        elif self.kind == "poisson":
            values = rng.poisson(p[0], size).astype(float)
        else:
            values = np.full(size, p[0], dtype=float)
        # Every studio quantity is a count, a cost or a share: none can be negative.
        return np.maximum(values, 0.0)


def parse_distribution(text: str) -> Distribution:
    """`normal:MEAN,SD`, `uniform:LO,HI`, `triangular:LO,MODE,HI`, `lognormal:MU,SIGMA`,
    `poisson:LAMBDA` or `fixed:X`; a bare number means `fixed:X`."""
    kind, _, rest = text.partition(":")
    if not rest:
        kind, rest = "fixed", text
    kind = kind.strip().lower()
    if kind not in DISTRIBUTIONS:
        raise ValueError(f'unknown distribution "{kind}" (use one of: normal:MEAN,SD, '
                         "uniform:LO,HI, triangular:LO,MODE,HI, lognormal:MU,SIGMA, "
                         "poisson:LAMBDA, fixed:X)")
    try:
        params = tuple(float(part) for part in rest.split(","))
    except ValueError:
        raise ValueError(f'"{text}": parameters must be numbers') from None
    if len(params) != DISTRIBUTIONS[kind] or not all(math.isfinite(v) for v in params):
        raise ValueError(f'"{text}": {kind} takes {DISTRIBUTIONS[kind]} number(s)')
    if kind in ("normal", "lognormal") and params[1] < 0:
        raise ValueError(f'"{text}": the spread must not be negative')
    if kind == "uniform" and params[1] < params[0]:
        raise ValueError(f'"{text}": HI must be at least LO')
    if kind == "triangular" and not params[0] <= params[1] <= params[2]:
        raise ValueError(f'"{text}": needs LO <= MODE <= HI')
    if kind == "poisson" and params[0] < 0:
        raise ValueError(f'"{text}": LAMBDA must not be negative')
    return Distribution(kind, params, text)


@dataclass(frozen=True)
class Outcome:
    """One candidate's simulated year: per-run payer cost and provider margin."""

    name: str
    payer_cost: np.ndarray
    provider_margin: np.ndarray

    def summary(self) -> dict[str, float]:
        cost, margin = self.payer_cost, self.provider_margin
        return {
            "payer_cost_mean": float(cost.mean()),
            "payer_cost_p5": float(np.percentile(cost, 5)),
            "payer_cost_p95": float(np.percentile(cost, 95)),
            "provider_margin_mean": float(margin.mean()),
            "provider_margin_p5": float(np.percentile(margin, 5)),
            "provider_loss_probability": float((margin < 0).mean()),
        }

    @property
    def payer_risk(self) -> float:
        """Spread of the payer's cost: P95 − P5."""
        return float(np.percentile(self.payer_cost, 95) - np.percentile(self.payer_cost, 5))

    @property
    def provider_risk(self) -> float:
        """Margin at risk: expected margin − 5th percentile margin."""
        return float(self.provider_margin.mean() - np.percentile(self.provider_margin, 5))


def studio_settings(terms: Terms, overrides: Mapping[str, Distribution]
                    ) -> tuple[dict[str, Distribution], dict[str, Any]]:
    """The distributions for one candidate (command line over the terms' `studio.assume`
    over the defaults) and its other studio settings; errors name the path."""
    errors: list[tuple[str, str]] = []
    block = dict(terms.studio)
    for key in block:
        if key not in STUDIO_FIELDS:
            errors.append((f"studio.{key}", f"unknown field (allowed here: "
                                            f"{', '.join(STUDIO_FIELDS)})"))
    chosen = {name: parse_distribution(text) for name, text in DEFAULTS.items()}
    assume = block.get("assume") or {}
    if not isinstance(assume, Mapping):
        errors.append(("studio.assume", "must be a mapping of variable to distribution"))
        assume = {}
    for name, text in assume.items():
        if name not in VARIABLES:
            errors.append((f"studio.assume.{name}",
                           f"unknown variable (known: {', '.join(VARIABLES)})"))
            continue
        try:
            chosen[name] = parse_distribution(str(text))
        except ValueError as exc:
            errors.append((f"studio.assume.{name}", str(exc)))
    chosen.update(overrides)
    for name in REQUIRED:
        if name not in chosen:
            errors.append(("", f"--simulate {name}=DIST is required"))
    other: dict[str, Any] = {}
    for key in ("units_per_episode", "scope_units_per_month"):
        value = block.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            errors.append((f"studio.{key}", f"must be a positive number, got {value!r}"))
        else:
            other[key] = float(value)
    if any(isinstance(c, Bundled) for c in terms.components) and "units_per_episode" not in other:
        errors.append(("studio.units_per_episode", "required when the terms have a bundled "
                                                   "component (units delivered per episode)"))
    if errors:
        raise StudioError(errors)
    return chosen, other


def simulate(terms: Terms, overrides: Mapping[str, Distribution], runs: int,
             seed: int | None, name: str = "") -> Outcome:
    """Price `runs` simulated years under `terms`."""
    dists, other = studio_settings(terms, overrides)
    rng = np.random.default_rng(seed)
    months = min(12, len(months_touching(terms.term)))
    term_months = len(months_touching(terms.term))

    def draw(variable: str, per_month: bool | None = None) -> np.ndarray:
        monthly = VARIABLES[variable][1] if per_month is None else per_month
        return dists[variable].sample(rng, (runs, months) if monthly else runs)

    volume = draw("volume")  # expected units per month
    intensity = draw("intensity")
    cost_per_unit = draw("cost_per_unit")
    members = np.floor(draw("members"))
    delivered = volume * intensity[:, None]
    if "scope_units_per_month" in other:
        delivered = np.minimum(delivered, other["scope_units_per_month"])
    episodes = volume / other.get("units_per_episode", 1.0)
    rates = {service.code: float(service.rate) for service in terms.services}
    bundled_codes = {code for c in terms.components if isinstance(c, Bundled)
                     for code in c.included_services}

    paid = np.zeros(runs)
    pass_through = np.zeros(runs)  # money handed on to members: cost to both parties
    by_component: dict[str, np.ndarray] = {}
    for component in terms.components:
        amount = np.zeros(runs)
        if isinstance(component, FixedPrice):
            amount += float(component.amount) * months / term_months
        elif isinstance(component, FeeForService | Hybrid):
            codes = [code for code in component.services if code not in bundled_codes]
            rate = float(np.mean([rates[code] for code in codes])) if codes else 0.0
            units = delivered if codes else np.zeros_like(delivered)
            if component.max_units is not None:
                units = np.minimum(units, component.max_units)
            monthly = units * rate
            if isinstance(component, Hybrid):
                monthly = np.maximum(monthly, float(component.floor))
            elif component.guaranteed_minimum is not None:
                monthly = np.maximum(monthly, float(component.guaranteed_minimum))
            amount += monthly.sum(axis=1)
        elif isinstance(component, Bundled):
            amount += (episodes * float(component.rate)).sum(axis=1)
        elif isinstance(component, Capitation):
            amount += float(component.pmpm) * members * months
        elif isinstance(component, Performance):
            for bonus in component.bonuses:
                values = draw("quality", per_month=False)
                target = float(bonus.goal.target)
                met = values >= target if bonus.goal.direction == "at_least" else values <= target
                amount += np.where(met, float(bonus.amount), 0.0)
            if component.penalties is not None:
                count = np.rint(draw("penalties")).sum(axis=1).astype(int)
                amount -= _penalty_totals(component, count)
        elif isinstance(component, OutcomeBased):
            engaged = episodes.sum(axis=1)
            completion = draw("completion_rate")
            units = (float(np.mean([float(u) for u in component.pathways.values()]))
                     if component.pathways else 0.0)
            amount += (engaged * float(component.engagement_amount)
                       + engaged * completion * units * float(component.unit_rate))
            if component.budget is not None:
                amount = np.minimum(amount, float(component.budget))
        elif isinstance(component, Prepayment):
            # Recouped within the term it is cash timing, not cost; unrecouped it is a grant.
            if component.recoup_rate == 0:
                amount += float(component.amount)
        elif isinstance(component, FlexibleFunds):
            spend = np.minimum(draw("spending"), float(component.per_member))
            amount += spend * members * months / 12
            pass_through += amount
        by_component[component.id] = amount
        paid += amount
    for component in terms.components:
        if isinstance(component, SharedSavings | SharedLosses):
            paid += _shared(component, by_component, dists, rng, runs)
    cost_of_delivering = (delivered * cost_per_unit[:, None]).sum(axis=1) + pass_through
    return Outcome(name or terms.contract, paid, paid - cost_of_delivering)


def _penalty_totals(component: Performance, counts: np.ndarray) -> np.ndarray:
    penalties = component.penalties
    assert penalties is not None
    top = int(counts.max()) if counts.size else 0
    n = np.arange(1, top + 1, dtype=float)
    step = float(penalties.step_percent) / 100
    each = (float(penalties.first) * (1 + step * (n - 1)) if penalties.step_mode == "linear"
            else float(penalties.first) * (1 + step) ** (n - 1))
    cumulative = np.concatenate([[0.0], np.cumsum(each)])
    return cumulative[counts]


def _shared(component: SharedSavings | SharedLosses, by_component: Mapping[str, np.ndarray],
            dists: Mapping[str, Distribution], rng: np.random.Generator,
            runs: int) -> np.ndarray:
    if "actual_cost" not in dists:
        return np.zeros(runs)
    actual = dists["actual_cost"].sample(rng, runs)
    if component.benchmark is not None:
        benchmark = np.full(runs, float(component.benchmark))
    elif "benchmark" in dists:
        benchmark = dists["benchmark"].sample(rng, runs)
    else:
        return np.zeros(runs)
    if isinstance(component, SharedLosses):
        loss = actual - benchmark
        threshold = float(component.threshold_rate or 0) * benchmark
        owed = np.where(loss > threshold, float(component.rate) * loss, 0.0)
        if component.cap is not None:
            owed = np.minimum(owed, float(component.cap))
        return -owed
    netted = sum((by_component.get(other, np.zeros(runs)) for other in component.net_of),
                 np.zeros(runs))
    savings = benchmark - actual - netted
    total = len(component.quality_metrics)
    met = np.zeros(runs)
    for goal in component.quality_metrics:
        values = dists["quality"].sample(rng, runs)
        target = float(goal.target)
        met += (values >= target) if goal.direction == "at_least" else (values <= target)
    low, high = float(component.min_rate), float(component.max_rate)
    rate = np.full(runs, high) if total == 0 else low + (high - low) * met / total
    shared = savings
    if component.cap is not None and component.cap_first:
        shared = np.minimum(savings, float(component.cap))
    bonus = rate * shared
    if component.cap is not None and not component.cap_first:
        bonus = np.minimum(bonus, float(component.cap))
    eligible = savings > 0
    if component.minimum_savings_rate is not None:
        eligible &= savings >= float(component.minimum_savings_rate) * benchmark
    return np.where(eligible, bonus, 0.0)


def compare(candidates: Sequence[tuple[str, Terms]], overrides: Mapping[str, Distribution],
            runs: int, seed: int | None) -> list[Outcome]:
    """Each candidate sees the same random stream (same seed), so differences between
    them come from the terms, not from luck."""
    return [simulate(terms, overrides, runs, seed, name) for name, terms in candidates]


def render_svg(outcomes: Sequence[Outcome]) -> str:
    """Two panels side by side: the payer's cost (mean, P5–P95) and the provider's margin
    (mean, P5, chance of a loss), one bar per candidate."""
    width, height, left, top, panel = 980, 420, 70, 60, 400
    bar_area = height - top - 90
    names = [outcome.name for outcome in outcomes]
    stats = [outcome.summary() for outcome in outcomes]

    def panel_svg(x0: int, title: str, mean_key: str, low_key: str, high_key: str | None,
                  colour: str) -> list[str]:
        values = [s[k] for s in stats for k in (mean_key, low_key, high_key) if k]
        lo, hi = min(0.0, *values), max(0.0, *values)
        span = (hi - lo) or 1.0

        def y(value: float) -> float:
            return top + bar_area * (hi - value) / span

        out = [f'<text x="{x0 + panel / 2}" y="30" text-anchor="middle" font-size="15" '
               f'font-weight="bold">{title}</text>',
               f'<line x1="{x0}" x2="{x0 + panel}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
               'stroke="#444"/>']
        slot = panel / max(1, len(stats))
        for index, s in enumerate(stats):
            cx = x0 + slot * index + slot / 2
            mean = s[mean_key]
            top_y, bottom_y = sorted((y(mean), y(0)))
            out.append(f'<rect x="{cx - slot * 0.3:.1f}" y="{top_y:.1f}" width="{slot * 0.6:.1f}"'
                       f' height="{bottom_y - top_y:.1f}" fill="{colour}"/>')
            low_y = y(s[low_key])
            high_y = y(s[high_key]) if high_key else y(mean)
            out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{low_y:.1f}" y2="{high_y:.1f}" '
                       'stroke="#111" stroke-width="2"/>')
            out.append(f'<line x1="{cx - 8:.1f}" x2="{cx + 8:.1f}" y1="{low_y:.1f}" '
                       f'y2="{low_y:.1f}" stroke="#111" stroke-width="2"/>')
            label = f"{mean:,.0f}"
            if not high_key:
                label += f" · loss {s['provider_loss_probability']:.0%}"
            out.append(f'<text x="{cx:.1f}" y="{top + bar_area + 20}" text-anchor="middle" '
                       f'font-size="11">{_escape(label)}</text>')
            out.append(f'<text x="{cx:.1f}" y="{top + bar_area + 38}" text-anchor="middle" '
                       f'font-size="11">{_escape(names[index][:22])}</text>')
        return out

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    parts += panel_svg(left, "Payer's cost: mean, whiskers P5–P95", "payer_cost_mean",
                       "payer_cost_p5", "payer_cost_p95", "#4477aa")
    parts += panel_svg(left + panel + 80, "Provider's margin: mean, whisker to P5",
                       "provider_margin_mean", "provider_margin_p5", None, "#228833")
    parts.append(f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle" font-size="11">'
                 f'{len(outcomes[0].payer_cost) if outcomes else 0} simulated years per '
                 'candidate</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
