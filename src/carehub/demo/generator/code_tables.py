"""Code tables built once at import: diagnosis and procedure code indices, weighted
code pools, condition thresholds and the calibrated mean allowed per event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from carehub.demo import codes, distributions
from carehub.demo.generator.options import F64, I64


def index_of(values: Sequence[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


def _collect_dx() -> list[str]:
    found: list[str] = []
    for cond in distributions.CONDITIONS:
        found += [c for c, _ in cond.codes]
    for need in distributions.SOCIAL_NEEDS:
        found += [c for c, _ in need.z_codes]
    for pool in (codes.CHILD_ACUTE_DX, codes.ADULT_ACUTE_DX, codes.ED_DX, codes.IP_DX):
        found += [c for c, _ in pool]
    found += [p[1] for p in codes.OUTPATIENT_PROCEDURES if p[1]]
    found += [
        codes.OUTPATIENT_FALLBACK_DX,
        codes.DELIVERY_DX,
        codes.CHILD_PREVENTIVE_DX,
        codes.ADULT_PREVENTIVE_DX,
        codes.SCREENING_NEGATIVE_DX,
    ]
    return list(dict.fromkeys(found))


def _collect_procedures() -> list[str]:
    found: list[str] = []
    for pool in (
        codes.OFFICE_VISIT,
        codes.GENERIC_VISIT_EXTRAS,
        codes.ED_VISIT,
        codes.ED_EXTRAS,
        codes.LAB_EXTRAS,
    ):
        found += [c for c, _, _ in pool]
    for cond in distributions.CONDITIONS:
        found += [c for c, _, _ in cond.visit_extras]
    found += [code for _, code in codes.PREVENTIVE_BY_AGE]
    found += [p[0] for p in codes.OUTPATIENT_PROCEDURES]
    found += [codes.MEDICARE_WELLNESS, codes.IP_ADMIT[0], codes.IP_DAY[0], codes.IP_DISCHARGE[0]]
    found += [codes.SCREENING_CODE_MEDICARE, codes.SCREENING_CODE_OTHER]
    return list(dict.fromkeys(found))


DX_CODES: list[str] = _collect_dx()
DX = index_of(DX_CODES)
DX_NONE = len(DX_CODES)  # "no code in this slot"
PROC_CODES: list[str] = _collect_procedures()
PROC = index_of(PROC_CODES)
PROC_NONE = -1  # pharmacy lines carry no CPT/HCPCS code

N_CONDITIONS = len(distributions.CONDITIONS)
N_NEEDS = len(distributions.SOCIAL_NEEDS)
NEED = index_of([n.slug for n in distributions.SOCIAL_NEEDS])
N_BANDS = len(distributions.AGE_BANDS)


@dataclass(frozen=True)
class Pool:
    """A weighted choice of codes: indices, cumulative probabilities, price weights."""

    idx: I64
    cum: F64
    price: F64

    @classmethod
    def of(cls, items: Sequence[tuple[int, float, float]]) -> Pool:
        probs = np.array([p for _, p, _ in items], dtype=np.float64)
        cum = np.cumsum(probs / probs.sum())
        cum[-1] = 1.0
        return cls(
            np.array([i for i, _, _ in items], dtype=np.int64),
            cum,
            np.array([w for _, _, w in items], dtype=np.float64),
        )

    def draw(self, rng: np.random.Generator, size: int) -> tuple[I64, F64]:
        pick = np.searchsorted(self.cum, rng.random(size), side="right")
        pick = np.minimum(pick, len(self.idx) - 1)
        return self.idx[pick], self.price[pick]

    @property
    def mean_price(self) -> float:
        probs = np.diff(np.concatenate([[0.0], self.cum]))
        return float((probs * self.price).sum())


def _proc_pool(items: codes.Weighted) -> Pool:
    return Pool.of([(PROC[c], p, w) for c, p, w in items])


def _dx_pool(items: Sequence[tuple[str, float]]) -> Pool:
    return Pool.of([(DX[c], p, 1.0) for c, p in items])


OFFICE = _proc_pool(codes.OFFICE_VISIT)
GENERIC_EXTRAS = _proc_pool(codes.GENERIC_VISIT_EXTRAS)
ED_FIRST = _proc_pool(codes.ED_VISIT)
ED_EXTRAS = _proc_pool(codes.ED_EXTRAS)
LAB_EXTRAS = _proc_pool(codes.LAB_EXTRAS)
COND_EXTRAS = [_proc_pool(c.visit_extras) for c in distributions.CONDITIONS]
CHILD_DX = _dx_pool(codes.CHILD_ACUTE_DX)
ADULT_DX = _dx_pool(codes.ADULT_ACUTE_DX)
ED_DX = _dx_pool(codes.ED_DX)
IP_DX = _dx_pool(codes.IP_DX)
COND_DX = [_dx_pool(c.codes) for c in distributions.CONDITIONS]
NEED_DX = [_dx_pool(n.z_codes) for n in distributions.SOCIAL_NEEDS]
OP_PROC = Pool.of(
    [(i, p, w) for i, (_, _, p, w) in enumerate(codes.OUTPATIENT_PROCEDURES)]
)  # idx = row of OUTPATIENT_PROCEDURES
OP_PROC_CODE = np.array([PROC[p[0]] for p in codes.OUTPATIENT_PROCEDURES], dtype=np.int64)
OP_PROC_DX = np.array(
    [DX[p[1]] if p[1] else -1 for p in codes.OUTPATIENT_PROCEDURES], dtype=np.int64
)
PREVENTIVE_AGE = np.array([a for a, _ in codes.PREVENTIVE_BY_AGE], dtype=np.int64)
PREVENTIVE_CODE = np.array([PROC[c] for _, c in codes.PREVENTIVE_BY_AGE], dtype=np.int64)

EXTRA_LINES_MEAN = {"generic": 1.0, "condition": 1.5, "ed": 2.5, "outpatient": 1.2}

# Prevalence by (condition, product, age band), normalised so each product's average
# over its age mix equals the target, and the copula threshold for each.
_NORMAL = NormalDist()


def _condition_thresholds() -> F64:
    table = np.zeros((N_CONDITIONS, len(distributions.PRODUCTS), N_BANDS), dtype=np.float64)
    for k, cond in enumerate(distributions.CONDITIONS):
        for p in range(len(distributions.PRODUCTS)):
            weights = np.array(distributions.AGE_MIX[p]) * np.array(cond.age_rr)
            norm = weights.sum()
            for b in range(N_BANDS):
                prob = cond.prevalence[p] * cond.age_rr[b] / norm if norm > 0 else 0.0
                prob = min(max(prob, 1e-9), 0.97)
                table[k, p, b] = _NORMAL.inv_cdf(1.0 - prob)
    return table


CONDITION_THRESHOLD = _condition_thresholds()


def _event_means() -> F64:
    """Mean allowed per event by (product, setting), from the PMPM targets.

    Expected events per member-year and the mean relative weight of those events are
    computed from the same tables the generator samples from, so allowed per member-month
    lands on the target on average.
    """
    means = np.zeros((len(distributions.PRODUCTS), len(distributions.SETTINGS)), dtype=np.float64)
    op_mean_weight = OP_PROC.mean_price
    for p in range(len(distributions.PRODUCTS)):
        prev = np.array([c.prevalence[p] for c in distributions.CONDITIONS])
        visits = (
            prev * (1.0 + np.array([c.visits_per_year for c in distributions.CONDITIONS]))
        ).sum()
        generic = distributions.GENERIC_VISITS_PER_YEAR[p]
        screens = distributions.SCREENING_RATE[p]
        fills_k = prev * np.array([c.fills_per_year for c in distributions.CONDITIONS])
        fill_prices = np.array([c.fill_price for c in distributions.CONDITIONS])
        fills = fills_k.sum() + distributions.ACUTE_FILLS_PER_YEAR[p]
        fill_weight = (fills_k * fill_prices).sum() + distributions.ACUTE_FILLS_PER_YEAR[p]
        prof_events = visits + generic + screens
        prof_weight = visits + generic + screens * codes.SCREENING_PRICE
        # (events per year, summed relative weight per year) by setting
        per_setting = {
            distributions.INPATIENT: (
                distributions.IP_PER_1000[p] / 1000.0,
                distributions.IP_PER_1000[p] / 1000.0,
            ),
            distributions.ED: (
                distributions.ED_PER_1000[p] / 1000.0,
                distributions.ED_PER_1000[p] / 1000.0,
            ),
            distributions.OUTPATIENT: (
                distributions.OUTPATIENT_PER_YEAR[p],
                distributions.OUTPATIENT_PER_YEAR[p] * op_mean_weight,
            ),
            distributions.PROFESSIONAL: (prof_events, prof_weight),
            distributions.PHARMACY: (fills, fill_weight),
        }
        for s, (_, weight_per_year) in per_setting.items():
            yearly = distributions.ALLOWED_PMPM[p] * 12.0 * distributions.SETTING_SHARE[s]
            means[p, s] = yearly / weight_per_year
    return means


EVENT_MEAN = _event_means()
_NIGHTS_MEAN = (1.0 - distributions.ZERO_NIGHT_SHARE) * distributions.MEAN_NIGHTS
IP_WEIGHT_BASE = 0.5 + 0.125 * _NIGHTS_MEAN
