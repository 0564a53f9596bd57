"""Claims as events (visits, stays, fills) before they are expanded into lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from carehub.demo import codes, distributions
from carehub.demo.generator.code_tables import (
    ADULT_DX,
    CHILD_DX,
    COND_EXTRAS,
    DX,
    DX_NONE,
    ED_DX,
    ED_EXTRAS,
    ED_FIRST,
    EXTRA_LINES_MEAN,
    GENERIC_EXTRAS,
    IP_DX,
    IP_WEIGHT_BASE,
    LAB_EXTRAS,
    N_CONDITIONS,
    OFFICE,
    OP_PROC,
    OP_PROC_CODE,
    OP_PROC_DX,
    PREVENTIVE_AGE,
    PREVENTIVE_CODE,
    PROC,
    PROC_NONE,
    Pool,
)
from carehub.demo.generator.members import Context, Members
from carehub.demo.generator.options import F64, I64


@dataclass
class Events:
    """One row per claim (visit, stay, fill) before expansion into lines."""

    member: I64
    setting: I64
    day_from: I64
    day_to: I64
    dx: I64  # (E, 3): principal, secondary, social slot
    first_code: I64
    first_price: F64
    extra_pool: I64  # index into EXTRA_POOLS, -1 none, -2 inpatient day lines
    n_extra: I64
    weight: F64  # relative allowed of the event within its setting

    @classmethod
    def concatenate(cls, parts: Sequence[Events]) -> Events:
        return cls(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in _EVENT_FIELDS})

    def take(self, order: I64) -> Events:
        """The same events reordered (or selected) by row index."""
        return Events(**{f: getattr(self, f)[order] for f in _EVENT_FIELDS})


_EVENT_FIELDS = tuple(Events.__dataclass_fields__)

EXTRA_POOLS: list[Pool] = [GENERIC_EXTRAS, ED_EXTRAS, LAB_EXTRAS, *COND_EXTRAS]
POOL_GENERIC, POOL_ED, POOL_LAB = 0, 1, 2
POOL_CONDITION0 = 3
POOL_NONE, POOL_INPATIENT = -1, -2


@dataclass(frozen=True)
class Exposure:
    """What a member's events scale with: years enrolled in the window, use of care
    (rising with frailty), and up to three Z codes their claims may carry."""

    years: F64
    use: F64
    social: I64  # (n, 3)

    @classmethod
    def of(cls, m: Members) -> Exposure:
        return cls(
            years=m.exposure_days / 365.25,
            use=np.exp(distributions.USE_SIGMA * m.frailty - distributions.USE_SIGMA**2 / 2),
            social=_social_slots(m),
        )


# The order of the steps is part of the output's definition: each one draws from the
# chunk's claims stream in turn.
def claim_events(rng: np.random.Generator, m: Members, ctx: Context) -> Events:
    exposure = Exposure.of(m)
    steps = (
        _condition_visits,
        _condition_fills,
        _acute_fills,
        _office_visits,
        _screening_visits,
        _ed_visits,
        _inpatient_stays,
        _outpatient_visits,
    )
    return Events.concatenate([step(rng, m, ctx, exposure) for step in steps])


def _condition_visits(
    rng: np.random.Generator, m: Members, ctx: Context, exposure: Exposure
) -> Events:
    """Condition management visits: at least one per condition, more with time enrolled."""
    mem_k, cond_k = np.nonzero(m.conditions)
    visits_per_year = np.array([c.visits_per_year for c in distributions.CONDITIONS])
    count = 1 + rng.poisson(visits_per_year[cond_k] * exposure.years[mem_k])
    pair = np.repeat(np.arange(len(mem_k)), count)
    member, k = mem_k[pair], cond_k[pair]
    dx = _diagnoses(
        m.condition_dx[member, k],
        _maybe_condition(rng, m, member, 0.6, exclude=k),
        _maybe(rng, exposure.social[member, 0], 0.4),
    )
    code, price = OFFICE.draw(rng, len(member))
    return _event_rows(
        rng,
        m,
        ctx,
        member,
        distributions.PROFESSIONAL,
        dx,
        code,
        price,
        extra_pool=POOL_CONDITION0 + k,
        n_extra=rng.poisson(EXTRA_LINES_MEAN["condition"], len(member)),
        weight=1.0,
    )


def _condition_fills(
    rng: np.random.Generator, m: Members, ctx: Context, exposure: Exposure
) -> Events:
    """Pharmacy fills for the conditions treated with drugs."""
    mem_k, cond_k = np.nonzero(m.conditions)
    fills = np.array([c.fills_per_year for c in distributions.CONDITIONS])
    fill_price: F64 = np.array([c.fill_price for c in distributions.CONDITIONS], dtype=np.float64)
    pair = np.repeat(np.arange(len(mem_k)), rng.poisson(fills[cond_k] * exposure.years[mem_k]))
    member, k = mem_k[pair], cond_k[pair]
    return _fills(rng, m, ctx, member, m.condition_dx[member, k], fill_price[k])


def _acute_fills(rng: np.random.Generator, m: Members, ctx: Context, exposure: Exposure) -> Events:
    """Pharmacy fills for acute illness (antibiotics and the like)."""
    member = _member_events(rng, m, exposure, distributions.ACUTE_FILLS_PER_YEAR, frailty=False)
    return _fills(rng, m, ctx, member, _acute_dx(rng, m, member), 1.0)


def _office_visits(
    rng: np.random.Generator, m: Members, ctx: Context, exposure: Exposure
) -> Events:
    """Other office visits: sick visits and preventive visits."""
    member = _member_events(rng, m, exposure, distributions.GENERIC_VISITS_PER_YEAR)
    preventive = rng.random(len(member)) < distributions.PREVENTIVE_SHARE
    age = m.age[member]
    prev_code = PREVENTIVE_CODE[np.searchsorted(PREVENTIVE_AGE, age, side="left")]
    medicare = np.isin(m.product[member], distributions.MEDICARE_PRODUCTS)
    prev_code = np.where(medicare, PROC[codes.MEDICARE_WELLNESS], prev_code)
    prev_dx = np.where(age < 18, DX[codes.CHILD_PREVENTIVE_DX], DX[codes.ADULT_PREVENTIVE_DX])
    code, price = OFFICE.draw(rng, len(member))
    code = np.where(preventive, prev_code, code)
    price = np.where(preventive, codes.PREVENTIVE_PRICE, price)
    dx = _diagnoses(
        np.where(preventive, prev_dx, _acute_dx(rng, m, member)),
        _maybe_condition(rng, m, member, 0.5),
        _maybe(rng, exposure.social[member, 0], 0.2),
    )
    return _event_rows(
        rng,
        m,
        ctx,
        member,
        distributions.PROFESSIONAL,
        dx,
        code,
        price,
        extra_pool=POOL_GENERIC,
        n_extra=rng.poisson(EXTRA_LINES_MEAN["generic"], len(member)),
        weight=1.0,
    )


def _screening_visits(
    rng: np.random.Generator, m: Members, ctx: Context, exposure: Exposure
) -> Events:
    """Screening visits: the SDOH assessment on the screening day, carrying the Z codes
    the screen found."""
    member = np.nonzero(m.screened)[0]
    slots = exposure.social[member]
    principal = np.where(slots[:, 0] == DX_NONE, DX[codes.SCREENING_NEGATIVE_DX], slots[:, 0])
    code = np.where(
        np.isin(m.product[member], distributions.MEDICARE_PRODUCTS),
        PROC[codes.SCREENING_CODE_MEDICARE],
        PROC[codes.SCREENING_CODE_OTHER],
    )
    size = len(member)
    return _event_rows(
        rng,
        m,
        ctx,
        member,
        distributions.PROFESSIONAL,
        _diagnoses(principal, slots[:, 1], slots[:, 2]),
        code,
        np.ones(size),
        extra_pool=POOL_NONE,
        n_extra=np.zeros(size, np.int64),
        weight=codes.SCREENING_PRICE,
        on=m.screen_day[member],
    )


def _ed_visits(rng: np.random.Generator, m: Members, ctx: Context, exposure: Exposure) -> Events:
    """Emergency department visits."""
    member = _member_events(rng, m, exposure, np.array(distributions.ED_PER_1000) / 1000.0)
    own = _random_condition(rng, m, member)
    principal = np.where(
        (own != DX_NONE) & (rng.random(len(member)) < 0.3), own, ED_DX.draw(rng, len(member))[0]
    )
    dx = _diagnoses(
        principal,
        _maybe_condition(rng, m, member, 0.5),
        _maybe(rng, exposure.social[member, 0], 0.3),
        distinct=True,
    )
    code, price = ED_FIRST.draw(rng, len(member))
    return _event_rows(
        rng,
        m,
        ctx,
        member,
        distributions.ED,
        dx,
        code,
        price,
        extra_pool=POOL_ED,
        n_extra=rng.poisson(EXTRA_LINES_MEAN["ed"], len(member)),
        weight=1.0,
    )


def _inpatient_stays(
    rng: np.random.Generator, m: Members, ctx: Context, exposure: Exposure
) -> Events:
    """Inpatient stays: admission to discharge, lines per day of the stay."""
    member = _member_events(rng, m, exposure, np.array(distributions.IP_PER_1000) / 1000.0)
    size = len(member)
    nights = 1 + rng.poisson(distributions.MEAN_NIGHTS - 1, size)
    nights = np.where(rng.random(size) < distributions.ZERO_NIGHT_SHARE, 0, nights)
    own = _random_condition(rng, m, member)
    childbearing = (
        (m.product[member] == distributions.MEDICAID)
        & (m.sex[member] == 0)
        & (m.age[member] >= 18)
        & (m.age[member] <= 44)
    )
    principal = np.where(
        (own != DX_NONE) & (rng.random(size) < 0.45), own, IP_DX.draw(rng, size)[0]
    )
    principal = np.where(
        childbearing & (rng.random(size) < codes.DELIVERY_SHARE), DX[codes.DELIVERY_DX], principal
    )
    dx = _diagnoses(
        principal,
        _maybe_condition(rng, m, member, 0.7),
        _maybe(rng, exposure.social[member, 0], 0.3),
        distinct=True,
    )
    day_lines = np.minimum(np.maximum(nights - 1, 0), codes.IP_MAX_DAY_LINES)
    weight: F64 = ((0.5 + 0.125 * nights) / IP_WEIGHT_BASE).astype(np.float64)
    return _event_rows(
        rng,
        m,
        ctx,
        member,
        distributions.INPATIENT,
        dx,
        np.full(size, PROC[codes.IP_ADMIT[0]], dtype=np.int64),
        np.full(size, codes.IP_ADMIT[1]),
        extra_pool=POOL_INPATIENT,
        n_extra=day_lines + 1,
        weight=weight,
        nights=nights,
    )


def _outpatient_visits(
    rng: np.random.Generator, m: Members, ctx: Context, exposure: Exposure
) -> Events:
    """Hospital outpatient: imaging, screening, therapy and labs."""
    member = _member_events(rng, m, exposure, distributions.OUTPATIENT_PER_YEAR)
    size = len(member)
    row, op_price = OP_PROC.draw(rng, size)
    paired = OP_PROC_DX[row]
    own = _random_condition(rng, m, member)
    own = np.where(own == DX_NONE, DX[codes.OUTPATIENT_FALLBACK_DX], own)
    dx = _diagnoses(
        np.where(paired >= 0, paired, own),
        _maybe_condition(rng, m, member, 0.4),
        distinct=True,
    )
    return _event_rows(
        rng,
        m,
        ctx,
        member,
        distributions.OUTPATIENT,
        dx,
        OP_PROC_CODE[row],
        op_price,
        extra_pool=POOL_LAB,
        n_extra=rng.poisson(EXTRA_LINES_MEAN["outpatient"], size),
        weight=op_price / OP_PROC.mean_price,
    )


# ---------------------------------------------------------------------------------------
# Shared by the steps


def _event_rows(
    rng: np.random.Generator,
    m: Members,
    ctx: Context,
    member: I64,
    setting: int,
    dx: I64,
    first_code: I64,
    first_price: F64,
    *,
    extra_pool: I64 | int,
    n_extra: I64,
    weight: F64 | float,
    nights: I64 | None = None,
    on: I64 | None = None,
) -> Events:
    """Events of one kind on days the member is enrolled (or `on` given days); a stay
    ends `nights` later, not after the window."""
    size = len(member)
    # Drawn even when `on` fixes the days, so the stream stays as the output defines it.
    day_from = m.enrolled_day(member, rng.random(size))
    if on is not None:
        day_from = on
    day_to = day_from if nights is None else np.minimum(day_from + nights, ctx.as_of)
    return Events(
        member=member,
        setting=np.full(size, setting, dtype=np.int64),
        day_from=day_from,
        day_to=day_to,
        dx=dx,
        first_code=first_code,
        first_price=first_price,
        extra_pool=np.broadcast_to(np.asarray(extra_pool, dtype=np.int64), size).copy(),
        n_extra=n_extra,
        weight=np.broadcast_to(np.asarray(weight, dtype=np.float64), size).copy(),
    )


def _fills(
    rng: np.random.Generator,
    m: Members,
    ctx: Context,
    member: I64,
    principal: I64,
    weight: F64 | float,
) -> Events:
    """Pharmacy fills: one line, no procedure code, the diagnosis they treat."""
    size = len(member)
    return _event_rows(
        rng,
        m,
        ctx,
        member,
        distributions.PHARMACY,
        _diagnoses(principal),
        np.full(size, PROC_NONE, dtype=np.int64),
        np.ones(size),
        extra_pool=POOL_NONE,
        n_extra=np.zeros(size, np.int64),
        weight=weight,
    )


def _diagnoses(
    principal: I64,
    secondary: I64 | None = None,
    social: I64 | None = None,
    *,
    distinct: bool = False,
) -> I64:
    """The (E, 3) diagnosis slots; a missing slot is DX_NONE. With `distinct`, a secondary
    code equal to the principal one is dropped."""
    empty = np.full(len(principal), DX_NONE)
    dx = np.stack(
        [principal, empty if secondary is None else secondary, empty if social is None else social],
        axis=1,
    )
    if distinct:
        dx[:, 1] = np.where(dx[:, 1] == dx[:, 0], DX_NONE, dx[:, 1])
    return dx


def _member_events(
    rng: np.random.Generator,
    m: Members,
    exposure: Exposure,
    per_year: Sequence[float] | F64,
    *,
    frailty: bool = True,
) -> I64:
    """Member row of each event of a kind that happens `per_year[product]` times a year
    (more often for frailer members unless `frailty` is off), Poisson-distributed."""
    rate = np.asarray(per_year)[m.product] * exposure.years
    if frailty:
        rate = rate * exposure.use
    return _poisson_events(rng, rate)


def _random_condition(
    rng: np.random.Generator, m: Members, member: I64, exclude: I64 | None = None
) -> I64:
    """A random one of each member's conditions as a dx index (DX_NONE when none)."""
    has = m.conditions[member]
    if exclude is not None:
        has = has & (np.arange(N_CONDITIONS)[None, :] != exclude[:, None])
    score = np.where(has, rng.random((len(member), N_CONDITIONS)), -1.0)
    k = score.argmax(axis=1)
    dx = m.condition_dx[member, k]
    return np.where(has.any(axis=1), dx, DX_NONE)


def _maybe_condition(
    rng: np.random.Generator, m: Members, member: I64, p: float, exclude: I64 | None = None
) -> I64:
    """With probability p, a random one of the member's (other) conditions."""
    return _maybe(rng, _random_condition(rng, m, member, exclude=exclude), p)


def _social_slots(m: Members) -> I64:
    """Up to three coded Z codes per member, in need order; DX_NONE when absent."""
    rank = np.cumsum(m.coded, axis=1)
    slots = np.full((m.n, 3), DX_NONE, dtype=np.int64)
    for j in range(3):
        hit = m.coded & (rank == j + 1)
        col = hit.argmax(axis=1)
        slots[:, j] = np.where(hit.any(axis=1), m.need_dx[np.arange(m.n), col], DX_NONE)
    return slots


def _maybe(rng: np.random.Generator, values: I64, p: float) -> I64:
    return np.where(rng.random(len(values)) < p, values, DX_NONE)


def _poisson_events(rng: np.random.Generator, rate: F64) -> I64:
    counts = rng.poisson(rate)
    return np.repeat(np.arange(len(rate), dtype=np.int64), counts)


def _acute_dx(rng: np.random.Generator, m: Members, member: I64) -> I64:
    child = m.age[member] < 18
    return np.where(child, CHILD_DX.draw(rng, len(member))[0], ADULT_DX.draw(rng, len(member))[0])
