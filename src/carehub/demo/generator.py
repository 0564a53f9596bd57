"""Synthetic payer extracts: roster, claims and screenings with the columns of population.md.

Members are generated in fixed-size chunks. Each chunk draws from its own random stream
derived from (seed, chunk number), so the output depends only on the seed and options,
and every step is vectorised over the chunk (no per-row Python). Parquet is written one
chunk at a time, so memory stays bounded whatever the member count.

Model, in short: each member has a product, an age band, a county and a latent frailty
factor. Chronic conditions are drawn with a Gaussian copula on that factor (so the sick
are sick with several things and use more care); risk score and utilisation rates scale
with it too. Social needs are drawn by product; screened members answer consistently with
their needs, and some positives are coded as Z codes on claims. Claims are events
(visits, stays, fills) expanded to lines; each event's allowed amount is calibrated so
that allowed per member-month matches the product's target on average.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from carehub.core.periods import add_months
from carehub.demo import codes as C
from carehub.demo import distributions as D
from carehub.demo import geography as G
from carehub.demo import names as N
from carehub.demo.identifiers import make_npis
from carehub.demo.network_data import demo_network

GENERATOR_VERSION = "1"
CHUNK_MEMBERS = 100_000  # fixed: part of the output's definition for a seed
MAX_MEMBERS = 99_900_000  # claim ids reserve 3 digits for the chunk number
MIN_MONTHS, MAX_MONTHS = 6, 60
FORMATS = ("parquet", "csv")
DEFAULT_AS_OF = date(2026, 10, 31)
PCPS_PER_COUNTY = 250

EPOCH = date(1970, 1, 1)
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

ROSTER_SCHEMA = pa.schema(
    [
        ("member_id", pa.string()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("birth_date", pa.date32()),
        ("sex", pa.string()),
        ("race", pa.string()),
        ("ethnicity", pa.string()),
        ("language", pa.string()),
        ("address", pa.string()),
        ("city", pa.string()),
        ("county", pa.string()),
        ("state", pa.string()),
        ("zip", pa.string()),
        ("product", pa.string()),
        ("pcp_npi", pa.string()),
        ("risk_score", pa.decimal128(6, 3)),
        ("enroll_start", pa.date32()),
        ("enroll_end", pa.date32()),
        ("hospice", pa.bool_()),
    ]
)
CLAIMS_SCHEMA = pa.schema(
    [
        ("claim_id", pa.string()),
        ("line", pa.int32()),
        ("member_id", pa.string()),
        ("setting", pa.string()),
        ("service_from", pa.date32()),
        ("service_to", pa.date32()),
        ("procedure_code", pa.string()),
        ("diagnosis_codes", pa.string()),
        ("allowed_amount", pa.decimal128(12, 2)),
        ("paid_amount", pa.decimal128(12, 2)),
    ]
)
SCREENINGS_SCHEMA = pa.schema(
    [
        ("member_id", pa.string()),
        ("date", pa.date32()),
        ("instrument", pa.string()),
        ("item", pa.string()),
        ("answer", pa.string()),
    ]
)
TABLES: dict[str, pa.Schema] = {
    "roster": ROSTER_SCHEMA,
    "claims": CLAIMS_SCHEMA,
    "screenings": SCREENINGS_SCHEMA,
}


class GenerateError(ValueError):
    """Bad options or an unusable output folder; the message is shown to the user."""


@dataclass(frozen=True)
class GenerateOptions:
    members: int
    seed: int
    fmt: str = "parquet"
    as_of: date = DEFAULT_AS_OF
    months: int = 12

    def validate(self) -> None:
        if self.members <= 0:
            raise GenerateError(f"--members must be a positive whole number, got {self.members}")
        if self.members > MAX_MEMBERS:
            raise GenerateError(f"--members must be at most {MAX_MEMBERS}, got {self.members}")
        if self.fmt not in FORMATS:
            raise GenerateError(f"unknown --format {self.fmt!r}; use parquet or csv")
        if not MIN_MONTHS <= self.months <= MAX_MONTHS:
            raise GenerateError(
                f"--months must be between {MIN_MONTHS} and {MAX_MONTHS}, got {self.months}"
            )
        if self.seed < 0:
            raise GenerateError(f"--seed must be zero or positive, got {self.seed}")


# ---------------------------------------------------------------------------------------
# Code tables (built once at import)


def _index(values: Sequence[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


def _collect_dx() -> list[str]:
    found: list[str] = []
    for cond in D.CONDITIONS:
        found += [c for c, _ in cond.codes]
    for need in D.SOCIAL_NEEDS:
        found += [c for c, _ in need.z_codes]
    for pool in (C.CHILD_ACUTE_DX, C.ADULT_ACUTE_DX, C.ED_DX, C.IP_DX):
        found += [c for c, _ in pool]
    found += [p[1] for p in C.OUTPATIENT_PROCEDURES if p[1]]
    found += [
        C.OUTPATIENT_FALLBACK_DX,
        C.DELIVERY_DX,
        C.CHILD_PREVENTIVE_DX,
        C.ADULT_PREVENTIVE_DX,
        C.SCREENING_NEGATIVE_DX,
    ]
    return list(dict.fromkeys(found))


def _collect_procedures() -> list[str]:
    found: list[str] = []
    for pool in (C.OFFICE_VISIT, C.GENERIC_VISIT_EXTRAS, C.ED_VISIT, C.ED_EXTRAS, C.LAB_EXTRAS):
        found += [c for c, _, _ in pool]
    for cond in D.CONDITIONS:
        found += [c for c, _, _ in cond.visit_extras]
    found += [code for _, code in C.PREVENTIVE_BY_AGE]
    found += [p[0] for p in C.OUTPATIENT_PROCEDURES]
    found += [C.MEDICARE_WELLNESS, C.IP_ADMIT[0], C.IP_DAY[0], C.IP_DISCHARGE[0]]
    found += [C.SCREENING_CODE_MEDICARE, C.SCREENING_CODE_OTHER]
    return list(dict.fromkeys(found))


DX_CODES: list[str] = _collect_dx()
DX = _index(DX_CODES)
DX_NONE = len(DX_CODES)  # "no code in this slot"
PROC_CODES: list[str] = _collect_procedures()
PROC = _index(PROC_CODES)
PROC_NONE = -1  # pharmacy lines carry no CPT/HCPCS code

K = len(D.CONDITIONS)
S = len(D.SOCIAL_NEEDS)
NEED = _index([n.slug for n in D.SOCIAL_NEEDS])
N_BANDS = len(D.AGE_BANDS)


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


def _proc_pool(items: C.Weighted) -> Pool:
    return Pool.of([(PROC[c], p, w) for c, p, w in items])


def _dx_pool(items: Sequence[tuple[str, float]]) -> Pool:
    return Pool.of([(DX[c], p, 1.0) for c, p in items])


OFFICE = _proc_pool(C.OFFICE_VISIT)
GENERIC_EXTRAS = _proc_pool(C.GENERIC_VISIT_EXTRAS)
ED_FIRST = _proc_pool(C.ED_VISIT)
ED_EXTRAS = _proc_pool(C.ED_EXTRAS)
LAB_EXTRAS = _proc_pool(C.LAB_EXTRAS)
COND_EXTRAS = [_proc_pool(c.visit_extras) for c in D.CONDITIONS]
CHILD_DX = _dx_pool(C.CHILD_ACUTE_DX)
ADULT_DX = _dx_pool(C.ADULT_ACUTE_DX)
ED_DX = _dx_pool(C.ED_DX)
IP_DX = _dx_pool(C.IP_DX)
COND_DX = [_dx_pool(c.codes) for c in D.CONDITIONS]
NEED_DX = [_dx_pool(n.z_codes) for n in D.SOCIAL_NEEDS]
OP_PROC = Pool.of(
    [(i, p, w) for i, (_, _, p, w) in enumerate(C.OUTPATIENT_PROCEDURES)]
)  # idx = row of OUTPATIENT_PROCEDURES
OP_PROC_CODE = np.array([PROC[p[0]] for p in C.OUTPATIENT_PROCEDURES], dtype=np.int64)
OP_PROC_DX = np.array([DX[p[1]] if p[1] else -1 for p in C.OUTPATIENT_PROCEDURES], dtype=np.int64)
PREVENTIVE_AGE = np.array([a for a, _ in C.PREVENTIVE_BY_AGE], dtype=np.int64)
PREVENTIVE_CODE = np.array([PROC[c] for _, c in C.PREVENTIVE_BY_AGE], dtype=np.int64)

EXTRA_LINES_MEAN = {"generic": 1.0, "condition": 1.5, "ed": 2.5, "outpatient": 1.2}

# Prevalence by (condition, product, age band), normalised so each product's average
# over its age mix equals the target, and the copula threshold for each.
_NORMAL = NormalDist()


def _condition_thresholds() -> F64:
    table = np.zeros((K, len(D.PRODUCTS), N_BANDS), dtype=np.float64)
    for k, cond in enumerate(D.CONDITIONS):
        for p in range(len(D.PRODUCTS)):
            weights = np.array(D.AGE_MIX[p]) * np.array(cond.age_rr)
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
    means = np.zeros((len(D.PRODUCTS), len(D.SETTINGS)), dtype=np.float64)
    op_mean_weight = OP_PROC.mean_price
    for p in range(len(D.PRODUCTS)):
        prev = np.array([c.prevalence[p] for c in D.CONDITIONS])
        visits = (prev * (1.0 + np.array([c.visits_per_year for c in D.CONDITIONS]))).sum()
        generic = D.GENERIC_VISITS_PER_YEAR[p]
        screens = D.SCREENING_RATE[p]
        fills_k = prev * np.array([c.fills_per_year for c in D.CONDITIONS])
        fill_prices = np.array([c.fill_price for c in D.CONDITIONS])
        fills = fills_k.sum() + D.ACUTE_FILLS_PER_YEAR[p]
        fill_weight = (fills_k * fill_prices).sum() + D.ACUTE_FILLS_PER_YEAR[p]
        prof_events = visits + generic + screens
        prof_weight = visits + generic + screens * C.SCREENING_PRICE
        # (events per year, summed relative weight per year) by setting
        per_setting = {
            D.INPATIENT: (D.IP_PER_1000[p] / 1000.0, D.IP_PER_1000[p] / 1000.0),
            D.ED: (D.ED_PER_1000[p] / 1000.0, D.ED_PER_1000[p] / 1000.0),
            D.OUTPATIENT: (
                D.OUTPATIENT_PER_YEAR[p],
                D.OUTPATIENT_PER_YEAR[p] * op_mean_weight,
            ),
            D.PROFESSIONAL: (prof_events, prof_weight),
            D.PHARMACY: (fills, fill_weight),
        }
        for s, (_, weight_per_year) in per_setting.items():
            yearly = D.ALLOWED_PMPM[p] * 12.0 * D.SETTING_SHARE[s]
            means[p, s] = yearly / weight_per_year
    return means


EVENT_MEAN = _event_means()
_NIGHTS_MEAN = (1.0 - D.ZERO_NIGHT_SHARE) * D.MEAN_NIGHTS
IP_WEIGHT_BASE = 0.5 + 0.125 * _NIGHTS_MEAN

# ---------------------------------------------------------------------------------------
# Geography tables

_ZIPS: list[str] = []
_ZIP_PLACE: list[int] = []
_PLACE_CITY: list[str] = []
_STREETS: list[str] = []
_PLACE_STREET_START: list[int] = []
_PLACE_STREET_COUNT: list[int] = []
_COUNTY_ZIP_START: list[int] = []
_COUNTY_ZIP_COUNT: list[int] = []
for _county in G.COUNTIES:
    _COUNTY_ZIP_START.append(len(_ZIPS))
    for _place in _county.places:
        _PLACE_STREET_START.append(len(_STREETS))
        _PLACE_STREET_COUNT.append(len(_place.streets))
        _STREETS.extend(_place.streets)
        for _zip in _place.zips:
            _ZIPS.append(_zip)
            _ZIP_PLACE.append(len(_PLACE_CITY))
        _PLACE_CITY.append(_place.city)
    _COUNTY_ZIP_COUNT.append(len(_ZIPS) - _COUNTY_ZIP_START[-1])

ZIP_PLACE = np.array(_ZIP_PLACE, dtype=np.int64)
PLACE_STREET_START = np.array(_PLACE_STREET_START, dtype=np.int64)
PLACE_STREET_COUNT = np.array(_PLACE_STREET_COUNT, dtype=np.int64)
COUNTY_ZIP_START = np.array(_COUNTY_ZIP_START, dtype=np.int64)
COUNTY_ZIP_COUNT = np.array(_COUNTY_ZIP_COUNT, dtype=np.int64)
COUNTY_CUM = np.cumsum([c.member_share for c in G.COUNTIES]) / sum(
    c.member_share for c in G.COUNTIES
)
RACE_CUM = np.array([np.cumsum(c.race) / sum(c.race) for c in G.COUNTIES])
RACE_LABELS = [*G.RACES, G.UNKNOWN]
ETHNICITY_LABELS = [*G.ETHNICITIES, G.UNKNOWN]
LANGUAGES: list[str] = list(
    dict.fromkeys([G.ENGLISH, G.SPANISH, *[lang for c in G.COUNTIES for lang in c.languages]])
)
LANG = _index(LANGUAGES)


def _language_tables() -> tuple[F64, F64]:
    """Per county: P(Spanish | Hispanic) and cumulative P(language | not Hispanic)."""
    spanish = np.zeros(len(G.COUNTIES))
    other = np.zeros((len(G.COUNTIES), len(LANGUAGES)))
    for i, county in enumerate(G.COUNTIES):
        spanish[i] = min(county.languages.get(G.SPANISH, 0.0) / county.hispanic, 0.9)
        probs = np.zeros(len(LANGUAGES))
        for lang, share in county.languages.items():
            if lang != G.SPANISH:
                probs[LANG[lang]] = share / (1.0 - county.hispanic)
        probs[LANG[G.ENGLISH]] = 1.0 - probs.sum()
        other[i] = np.cumsum(probs)
    return spanish, other


SPANISH_IF_HISPANIC, OTHER_LANGUAGE_CUM = _language_tables()

FIRST_NAMES: list[str] = [
    *N.FEMALE_NAMES,
    *N.MALE_NAMES,
    *N.HISPANIC_FEMALE_NAMES,
    *N.HISPANIC_MALE_NAMES,
]
_FIRST_OFFSETS = np.cumsum(
    [0, len(N.FEMALE_NAMES), len(N.MALE_NAMES), len(N.HISPANIC_FEMALE_NAMES)]
)
_FIRST_COUNTS = np.array(
    [
        len(N.FEMALE_NAMES),
        len(N.MALE_NAMES),
        len(N.HISPANIC_FEMALE_NAMES),
        len(N.HISPANIC_MALE_NAMES),
    ]
)
LAST_NAMES: list[str] = [*N.SURNAMES, *N.HISPANIC_SURNAMES]

SEX_LABELS = ["F", "M", "U"]


# ---------------------------------------------------------------------------------------
# Arrow helpers


def fixed_width_strings(prefix: str, numbers: npt.ArrayLike, width: int) -> pa.StringArray:
    """`prefix` + zero-padded decimal numbers, built as one byte buffer (no Python loop)."""
    values = np.asarray(numbers, dtype=np.int64)
    head = prefix.encode("ascii")
    row = len(head) + width
    buf = np.empty((len(values), row), dtype=np.uint8)
    if head:
        buf[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
    rest = values.copy()
    for pos in range(row - 1, len(head) - 1, -1):
        buf[:, pos] = 48 + rest % 10
        rest //= 10
    offsets = np.arange(len(values) + 1, dtype=np.int32) * row
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(buf))


def decimal_array(units: I64, precision: int, scale: int) -> pa.Array:
    """decimal128 array from integers counted in units of 10**-scale."""
    values = np.ascontiguousarray(units, dtype=np.int64)
    words = np.empty((len(values), 2), dtype=np.int64)
    words[:, 0] = values
    words[:, 1] = values >> 63  # sign extension into the high word
    return pa.Array.from_buffers(
        pa.decimal128(precision, scale), len(values), [None, pa.py_buffer(words)]
    )


def date_array(days: npt.ArrayLike, missing: B | None = None) -> pa.Array:
    values = np.asarray(days, dtype=np.int32)
    return pa.array(values, type=pa.date32(), mask=missing)


def labels(dictionary: Sequence[str], indices: npt.ArrayLike, missing: B | None = None) -> pa.Array:
    """Dictionary-encoded strings: cheap to build and written as Parquet dictionary pages."""
    idx = pa.array(np.asarray(indices, dtype=np.int32), mask=missing)
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(dictionary), type=pa.string()))


def _pick(cum: F64, u: F64) -> I64:
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int64)


def _pick_rows(cum_rows: F64, row: I64, u: F64) -> I64:
    """Categorical draw where each element uses its own row of cumulative probabilities."""
    chosen = (u[:, None] >= cum_rows[row]).sum(axis=1)
    return np.minimum(chosen, cum_rows.shape[1] - 1).astype(np.int64)


def _days(d: date) -> int:
    return (d - EPOCH).days


def claims_window(as_of: date, months: int) -> tuple[date, date]:
    """First and last day of the claims window: the `months` months ending on as_of."""
    return add_months(as_of, -months) + timedelta(days=1), as_of


# ---------------------------------------------------------------------------------------
# Members


@dataclass
class Members:
    gidx: I64
    product: I64
    age: I64
    band: I64
    birth: I64
    sex: I64
    county: I64
    zip: I64
    street: I64
    house: I64
    race: I64
    ethnicity: I64
    language: I64
    first: I64
    last: I64
    pcp: I64
    frailty: F64
    risk_milli: I64
    hospice: B
    conditions: B  # (n, K)
    condition_dx: I64  # (n, K) the member's own code for each condition
    needs: B  # (n, S)
    coded: B  # (n, S) needs carried as Z codes on claims
    need_dx: I64  # (n, S)
    screened: B
    screen_day: I64
    instrument: I64
    s1: I64
    e1: I64  # -1 = open
    s2: I64  # -1 = no second span
    # Enrolled days inside the window: [a1, b1] and [a2, b2] (empty when a > b).
    a1: I64
    b1: I64
    a2: I64
    b2: I64

    @property
    def n(self) -> int:
        return len(self.gidx)

    @property
    def exposure_days(self) -> I64:
        return np.maximum(self.b1 - self.a1 + 1, 0) + np.maximum(self.b2 - self.a2 + 1, 0)

    def enrolled_day(self, member: I64, u: F64) -> I64:
        """Map uniform draws to a day the member is enrolled inside the window."""
        len1 = np.maximum(self.b1[member] - self.a1[member] + 1, 0)
        total = len1 + np.maximum(self.b2[member] - self.a2[member] + 1, 0)
        offset = np.minimum((u * total).astype(np.int64), np.maximum(total - 1, 0))
        return np.where(offset < len1, self.a1[member] + offset, self.a2[member] + offset - len1)


@dataclass(frozen=True)
class Context:
    seed: int
    as_of: int
    window_start: int
    pcp_npis: I64  # (counties * PCPS_PER_COUNTY)


def _member_number(gidx: I64) -> I64:
    # A bijection on 0..10**9-1, so member ids look issued rather than sequential.
    return (gidx * 738_219_617 + 104_729) % 1_000_000_000


def member_ids(gidx: I64) -> pa.StringArray:
    return fixed_width_strings("M", _member_number(gidx), 9)


def make_members(rng: np.random.Generator, first: int, n: int, ctx: Context) -> Members:
    gidx = np.arange(first, first + n, dtype=np.int64)
    u = rng.random
    product = _pick(np.cumsum(D.PRODUCT_MIX), u(n))
    age_cum = np.cumsum(np.array(D.AGE_MIX), axis=1)
    band = _pick_rows(age_cum, product, u(n))
    lo = np.array([b[0] for b in D.AGE_BANDS])[band]
    hi = np.array([b[1] for b in D.AGE_BANDS])[band]
    age = lo + (u(n) * (hi - lo + 1)).astype(np.int64)
    birth = ctx.as_of - np.floor((age + u(n)) * 365.25).astype(np.int64)
    female = u(n) < np.array(D.FEMALE_SHARE)[product]
    sex = np.where(female, 0, 1)
    sex = np.where(u(n) < D.UNKNOWN_SEX_SHARE, 2, sex)

    county = _pick(COUNTY_CUM, u(n))
    zip_idx = COUNTY_ZIP_START[county] + (u(n) * COUNTY_ZIP_COUNT[county]).astype(np.int64)
    place = ZIP_PLACE[zip_idx]
    street = PLACE_STREET_START[place] + (u(n) * PLACE_STREET_COUNT[place]).astype(np.int64)
    house = 1 + (u(n) * 2999).astype(np.int64)

    race = _pick_rows(RACE_CUM, county, u(n))
    hispanic_share = np.array([c.hispanic for c in G.COUNTIES])[county]
    hispanic = u(n) < hispanic_share
    language = _pick_rows(OTHER_LANGUAGE_CUM, county, u(n))
    spanish = hispanic & (u(n) < SPANISH_IF_HISPANIC[county])
    language = np.where(hispanic, np.where(spanish, LANG[G.SPANISH], LANG[G.ENGLISH]), language)
    ethnicity = np.where(hispanic, 0, 1)
    unknown = u(n) < D.UNKNOWN_RACE_SHARE
    race = np.where(unknown, len(G.RACES), race)
    ethnicity = np.where(unknown, len(G.ETHNICITIES), ethnicity)

    name_group = np.where(sex == 0, 0, 1) + 2 * (hispanic & (u(n) < 0.8))
    first_name = _FIRST_OFFSETS[name_group] + (u(n) * _FIRST_COUNTS[name_group]).astype(np.int64)
    hispanic_surname = hispanic & (u(n) < 0.85)
    last_name = np.where(
        hispanic_surname,
        len(N.SURNAMES) + (u(n) * len(N.HISPANIC_SURNAMES)).astype(np.int64),
        (u(n) * len(N.SURNAMES)).astype(np.int64),
    )
    pcp = county * PCPS_PER_COUNTY + (u(n) * PCPS_PER_COUNTY).astype(np.int64)

    frailty = rng.standard_normal(n)
    rho = D.CONDITION_FRAILTY_LOADING
    liability = rho * frailty[:, None] + np.sqrt(1 - rho**2) * rng.standard_normal((n, K))
    threshold = CONDITION_THRESHOLD[:, product, band].T  # (n, K)
    conditions = liability > threshold
    condition_dx = np.empty((n, K), dtype=np.int64)
    for k in range(K):
        condition_dx[:, k] = COND_DX[k].draw(rng, n)[0]

    noise = rng.standard_normal(n)
    log_risk = (
        D.RISK_SIGMA * frailty + D.RISK_NOISE * noise - (D.RISK_SIGMA**2 + D.RISK_NOISE**2) / 2
    )
    risk = np.array(D.RISK_MEAN)[product] * np.exp(log_risk)
    risk_milli = np.clip(np.round(risk * 1000), 50, 99_999).astype(np.int64)

    medicare = np.isin(product, D.MEDICARE_PRODUCTS)
    hospice_p = D.HOSPICE_SHARE_65PLUS * np.exp(0.8 * frailty - 0.32)
    hospice = medicare & (age >= 65) & (u(n) < hospice_p)

    need_prev = np.array([nd.prevalence for nd in D.SOCIAL_NEEDS]).T[product]  # (n, S)
    needs = rng.random((n, S)) < need_prev
    screened = u(n) < np.array(D.SCREENING_RATE)[product]
    coded = needs & screened[:, None] & (rng.random((n, S)) < D.Z_CODING_RATE)
    need_dx = np.empty((n, S), dtype=np.int64)
    for s in range(S):
        need_dx[:, s] = NEED_DX[s].draw(rng, n)[0]
    instrument = _pick(np.cumsum(D.INSTRUMENT_MIX), u(n))

    m = Members(
        gidx=gidx,
        product=product,
        age=age,
        band=band,
        birth=birth,
        sex=sex,
        county=county,
        zip=zip_idx,
        street=street,
        house=house,
        race=race,
        ethnicity=ethnicity,
        language=language,
        first=first_name,
        last=last_name,
        pcp=pcp,
        frailty=frailty,
        risk_milli=risk_milli,
        hospice=hospice,
        conditions=conditions,
        condition_dx=condition_dx,
        needs=needs,
        coded=coded,
        need_dx=need_dx,
        screened=screened,
        screen_day=np.zeros(n, dtype=np.int64),
        instrument=instrument,
        s1=np.zeros(n, np.int64),
        e1=np.zeros(n, np.int64),
        s2=np.zeros(n, np.int64),
        a1=np.zeros(n, np.int64),
        b1=np.zeros(n, np.int64),
        a2=np.zeros(n, np.int64),
        b2=np.zeros(n, np.int64),
    )
    _enrolment(rng, m, ctx)
    m.screen_day = m.enrolled_day(np.arange(n), u(n))
    return m


def _enrolment(rng: np.random.Generator, m: Members, ctx: Context) -> None:
    n = m.n
    w0, end = ctx.window_start, ctx.as_of
    wlen = end - w0 + 1
    pattern = _pick(np.cumsum(D.ENROLMENT_PATTERN_MIX), rng.random(n))
    pattern = np.where(m.birth >= w0, 0, pattern)  # born inside the window: enrolled at birth
    before = w0 - 1 - (rng.random(n) * 8 * 365).astype(np.int64)
    inside = w0 + (rng.random(n) * (wlen - 30)).astype(np.int64)
    s1 = np.where(pattern == 1, inside, before)
    s1 = np.maximum(s1, m.birth)
    left = w0 + 30 + (rng.random(n) * (wlen - 32)).astype(np.int64)
    first_end = w0 + 30 + (rng.random(n) * (wlen * 0.6 - 30)).astype(np.int64)
    gap = 30 + (rng.random(n) * 90).astype(np.int64)
    e1 = np.where(pattern == 2, left, np.where(pattern == 3, first_end, -1))
    # The second span starts before as_of even in the shortest window.
    s2 = np.where(pattern == 3, np.minimum(first_end + gap + 1, end - 7), -1)
    m.s1, m.e1, m.s2 = s1, e1, s2
    m.a1 = np.maximum(s1, w0)
    m.b1 = np.where(e1 >= 0, e1, end)
    two = s2 >= 0
    m.a2 = np.where(two, s2, 1)
    m.b2 = np.where(two, end, 0)


# ---------------------------------------------------------------------------------------
# Claims


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


EXTRA_POOLS: list[Pool] = [GENERIC_EXTRAS, ED_EXTRAS, LAB_EXTRAS, *COND_EXTRAS]
POOL_GENERIC, POOL_ED, POOL_LAB = 0, 1, 2
POOL_CONDITION0 = 3
POOL_NONE, POOL_INPATIENT = -1, -2


def _random_condition(
    rng: np.random.Generator, m: Members, member: I64, exclude: I64 | None = None
) -> I64:
    """A random one of each member's conditions as a dx index (DX_NONE when none)."""
    has = m.conditions[member]
    if exclude is not None:
        has = has & (np.arange(K)[None, :] != exclude[:, None])
    score = np.where(has, rng.random((len(member), K)), -1.0)
    k = score.argmax(axis=1)
    dx = m.condition_dx[member, k]
    return np.where(has.any(axis=1), dx, DX_NONE)


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


def _events(rng: np.random.Generator, m: Members, ctx: Context) -> Events:
    years = m.exposure_days / 365.25
    use = np.exp(D.USE_SIGMA * m.frailty - D.USE_SIGMA**2 / 2)
    social = _social_slots(m)
    product = m.product
    parts: list[Events] = []

    def add(
        member: I64,
        setting: int,
        dx: I64,
        first_code: I64,
        first_price: F64,
        extra_pool: I64 | int,
        n_extra: I64,
        weight: F64 | float,
        day_to_offset: I64 | None = None,
    ) -> None:
        size = len(member)
        day_from = m.enrolled_day(member, rng.random(size))
        day_to = (
            day_from if day_to_offset is None else np.minimum(day_from + day_to_offset, ctx.as_of)
        )
        parts.append(
            Events(
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
        )

    # Condition management visits: at least one per condition, more with time enrolled.
    mem_k, cond_k = np.nonzero(m.conditions)
    visit_rate = np.array([c.visits_per_year for c in D.CONDITIONS])[cond_k] * years[mem_k]
    count = 1 + rng.poisson(visit_rate)
    pair = np.repeat(np.arange(len(mem_k)), count)
    member, k = mem_k[pair], cond_k[pair]
    dx = np.stack(
        [
            m.condition_dx[member, k],
            _maybe(rng, _random_condition(rng, m, member, exclude=k), 0.6),
            _maybe(rng, social[member, 0], 0.4),
        ],
        axis=1,
    )
    code, price = OFFICE.draw(rng, len(member))
    add(
        member,
        D.PROFESSIONAL,
        dx,
        code,
        price,
        POOL_CONDITION0 + k,
        rng.poisson(EXTRA_LINES_MEAN["condition"], len(member)),
        1.0,
    )

    # Pharmacy fills for conditions treated with drugs, and acute fills.
    fills = np.array([c.fills_per_year for c in D.CONDITIONS])
    fill_price: F64 = np.array([c.fill_price for c in D.CONDITIONS], dtype=np.float64)
    pair = np.repeat(np.arange(len(mem_k)), rng.poisson(fills[cond_k] * years[mem_k]))
    member, k = mem_k[pair], cond_k[pair]
    dx = np.stack(
        [m.condition_dx[member, k], np.full(len(member), DX_NONE), np.full(len(member), DX_NONE)],
        axis=1,
    )
    none = np.full(len(member), PROC_NONE, dtype=np.int64)
    add(
        member,
        D.PHARMACY,
        dx,
        none,
        np.ones(len(member)),
        POOL_NONE,
        np.zeros(len(member), np.int64),
        fill_price[k],
    )
    member = _poisson_events(rng, np.array(D.ACUTE_FILLS_PER_YEAR)[product] * years)
    acute = _acute_dx(rng, m, member)
    dx = np.stack([acute, np.full(len(member), DX_NONE), np.full(len(member), DX_NONE)], axis=1)
    add(
        member,
        D.PHARMACY,
        dx,
        np.full(len(member), PROC_NONE, dtype=np.int64),
        np.ones(len(member)),
        POOL_NONE,
        np.zeros(len(member), np.int64),
        1.0,
    )

    # Other office visits: sick visits and preventive visits.
    member = _poisson_events(rng, np.array(D.GENERIC_VISITS_PER_YEAR)[product] * years * use)
    preventive = rng.random(len(member)) < D.PREVENTIVE_SHARE
    age = m.age[member]
    prev_code = PREVENTIVE_CODE[np.searchsorted(PREVENTIVE_AGE, age, side="left")]
    medicare = np.isin(product[member], D.MEDICARE_PRODUCTS)
    prev_code = np.where(medicare, PROC[C.MEDICARE_WELLNESS], prev_code)
    prev_dx = np.where(age < 18, DX[C.CHILD_PREVENTIVE_DX], DX[C.ADULT_PREVENTIVE_DX])
    code, price = OFFICE.draw(rng, len(member))
    code = np.where(preventive, prev_code, code)
    price = np.where(preventive, C.PREVENTIVE_PRICE, price)
    dx = np.stack(
        [
            np.where(preventive, prev_dx, _acute_dx(rng, m, member)),
            _maybe(rng, _random_condition(rng, m, member), 0.5),
            _maybe(rng, social[member, 0], 0.2),
        ],
        axis=1,
    )
    add(
        member,
        D.PROFESSIONAL,
        dx,
        code,
        price,
        POOL_GENERIC,
        rng.poisson(EXTRA_LINES_MEAN["generic"], len(member)),
        1.0,
    )

    # Screening visits: the SDOH assessment, carrying the Z codes the screen found.
    member = np.nonzero(m.screened)[0]
    slots = social[member]
    principal = np.where(slots[:, 0] == DX_NONE, DX[C.SCREENING_NEGATIVE_DX], slots[:, 0])
    dx = np.stack([principal, slots[:, 1], slots[:, 2]], axis=1)
    code = np.where(
        np.isin(product[member], D.MEDICARE_PRODUCTS),
        PROC[C.SCREENING_CODE_MEDICARE],
        PROC[C.SCREENING_CODE_OTHER],
    )
    size = len(member)
    parts_before = len(parts)
    add(
        member,
        D.PROFESSIONAL,
        dx,
        code,
        np.ones(size),
        POOL_NONE,
        np.zeros(size, np.int64),
        C.SCREENING_PRICE,
    )
    parts[parts_before].day_from = m.screen_day[member]
    parts[parts_before].day_to = m.screen_day[member]

    # Emergency department visits.
    member = _poisson_events(rng, np.array(D.ED_PER_1000)[product] / 1000.0 * years * use)
    own = _random_condition(rng, m, member)
    principal = np.where(
        (own != DX_NONE) & (rng.random(len(member)) < 0.3), own, ED_DX.draw(rng, len(member))[0]
    )
    dx = np.stack(
        [
            principal,
            _maybe(rng, _random_condition(rng, m, member), 0.5),
            _maybe(rng, social[member, 0], 0.3),
        ],
        axis=1,
    )
    dx[:, 1] = np.where(dx[:, 1] == dx[:, 0], DX_NONE, dx[:, 1])
    code, price = ED_FIRST.draw(rng, len(member))
    add(
        member,
        D.ED,
        dx,
        code,
        price,
        POOL_ED,
        rng.poisson(EXTRA_LINES_MEAN["ed"], len(member)),
        1.0,
    )

    # Inpatient stays: admission to discharge, lines per day of the stay.
    member = _poisson_events(rng, np.array(D.IP_PER_1000)[product] / 1000.0 * years * use)
    size = len(member)
    nights = 1 + rng.poisson(D.MEAN_NIGHTS - 1, size)
    nights = np.where(rng.random(size) < D.ZERO_NIGHT_SHARE, 0, nights)
    own = _random_condition(rng, m, member)
    childbearing = (
        (product[member] == D.MEDICAID)
        & (m.sex[member] == 0)
        & (m.age[member] >= 18)
        & (m.age[member] <= 44)
    )
    principal = np.where(
        (own != DX_NONE) & (rng.random(size) < 0.45), own, IP_DX.draw(rng, size)[0]
    )
    principal = np.where(
        childbearing & (rng.random(size) < C.DELIVERY_SHARE), DX[C.DELIVERY_DX], principal
    )
    dx = np.stack(
        [
            principal,
            _maybe(rng, _random_condition(rng, m, member), 0.7),
            _maybe(rng, social[member, 0], 0.3),
        ],
        axis=1,
    )
    dx[:, 1] = np.where(dx[:, 1] == dx[:, 0], DX_NONE, dx[:, 1])
    day_lines = np.minimum(np.maximum(nights - 1, 0), C.IP_MAX_DAY_LINES)
    weight: F64 = ((0.5 + 0.125 * nights) / IP_WEIGHT_BASE).astype(np.float64)
    add(
        member,
        D.INPATIENT,
        dx,
        np.full(size, PROC[C.IP_ADMIT[0]], dtype=np.int64),
        np.full(size, C.IP_ADMIT[1]),
        POOL_INPATIENT,
        day_lines + 1,
        weight,
        nights,
    )

    # Hospital outpatient: imaging, screening, therapy and labs.
    member = _poisson_events(rng, np.array(D.OUTPATIENT_PER_YEAR)[product] * years * use)
    size = len(member)
    row, op_price = OP_PROC.draw(rng, size)
    paired = OP_PROC_DX[row]
    own = _random_condition(rng, m, member)
    own = np.where(own == DX_NONE, DX[C.OUTPATIENT_FALLBACK_DX], own)
    principal = np.where(paired >= 0, paired, own)
    dx = np.stack(
        [
            principal,
            _maybe(rng, _random_condition(rng, m, member), 0.4),
            np.full(size, DX_NONE),
        ],
        axis=1,
    )
    dx[:, 1] = np.where(dx[:, 1] == dx[:, 0], DX_NONE, dx[:, 1])
    add(
        member,
        D.OUTPATIENT,
        dx,
        OP_PROC_CODE[row],
        op_price,
        POOL_LAB,
        rng.poisson(EXTRA_LINES_MEAN["outpatient"], size),
        op_price / OP_PROC.mean_price,
    )

    return Events(
        member=np.concatenate([p.member for p in parts]),
        setting=np.concatenate([p.setting for p in parts]),
        day_from=np.concatenate([p.day_from for p in parts]),
        day_to=np.concatenate([p.day_to for p in parts]),
        dx=np.concatenate([p.dx for p in parts]),
        first_code=np.concatenate([p.first_code for p in parts]),
        first_price=np.concatenate([p.first_price for p in parts]),
        extra_pool=np.concatenate([p.extra_pool for p in parts]),
        n_extra=np.concatenate([p.n_extra for p in parts]),
        weight=np.concatenate([p.weight for p in parts]),
    )


def _acute_dx(rng: np.random.Generator, m: Members, member: I64) -> I64:
    child = m.age[member] < 18
    return np.where(child, CHILD_DX.draw(rng, len(member))[0], ADULT_DX.draw(rng, len(member))[0])


def _diagnosis_strings(keys: I64) -> list[str]:
    out = []
    base = DX_NONE + 1
    for key in keys.tolist():
        p, rest = divmod(key, base * base)
        s, z = divmod(rest, base)
        parts = [DX_CODES[p]]
        for extra in (s, z):
            if extra != DX_NONE and DX_CODES[extra] not in parts:
                parts.append(DX_CODES[extra])
        out.append(";".join(parts))
    return out


def make_claims(
    rng: np.random.Generator, m: Members, ctx: Context, chunk: int, ids: pa.StringArray
) -> pa.Table:
    ev = _events(rng, m, ctx)
    # Order claims by member, date and setting so claim numbers read naturally.
    key = (ev.member << 24) | ((ev.day_from - ctx.window_start + 1) << 4) | ev.setting
    order = np.argsort(key, kind="stable")
    ev = Events(**{f: getattr(ev, f)[order] for f in ev.__dataclass_fields__})
    n_events = len(ev.member)

    n_lines = 1 + ev.n_extra
    line_event = np.repeat(np.arange(n_events, dtype=np.int64), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    line_no = np.arange(len(line_event), dtype=np.int64) - starts[line_event] + 1
    total_lines = len(line_event)

    code = np.full(total_lines, PROC_NONE, dtype=np.int64)
    price = np.zeros(total_lines, dtype=np.float64)
    first = line_no == 1
    code[first] = ev.first_code
    price[first] = ev.first_price
    pool = ev.extra_pool[line_event]
    for p_idx, extra in enumerate(EXTRA_POOLS):
        sel = np.nonzero(~first & (pool == p_idx))[0]
        if len(sel):
            code[sel], price[sel] = extra.draw(rng, len(sel))
    # Inpatient: a line per further day, then the discharge line.
    inpatient = ~first & (pool == POOL_INPATIENT)
    last = line_no == n_lines[line_event]
    code[inpatient] = np.where(last[inpatient], PROC[C.IP_DISCHARGE[0]], PROC[C.IP_DAY[0]])
    price[inpatient] = np.where(last[inpatient], C.IP_DISCHARGE[1], C.IP_DAY[1])
    price = np.where(price > 0, price, 1.0)

    # Allowed per claim, split across lines by price weight, rounded to cents per line.
    product = m.product[ev.member]
    sigma = np.array(D.CLAIM_COST_SIGMA)[ev.setting]
    claim_allowed = (
        EVENT_MEAN[product, ev.setting]
        * ev.weight
        * np.exp(sigma * rng.standard_normal(n_events) - sigma**2 / 2)
    )
    claim_price = np.add.reduceat(price, starts)
    allowed_cents = np.maximum(
        np.round(claim_allowed[line_event] * price / claim_price[line_event] * 100), 1
    ).astype(np.int64)
    ratio = np.array(D.PAID_RATIO)[product][line_event] * (1.0 - 0.03 * rng.random(total_lines))
    paid_cents = np.round(allowed_cents * ratio).astype(np.int64)
    paid_cents = np.where(rng.random(total_lines) < D.DENIED_SHARE, 0, paid_cents)

    base = DX_NONE + 1
    dx_key = (ev.dx[:, 0] * base + ev.dx[:, 1]) * base + ev.dx[:, 2]
    uniq, dx_index = np.unique(dx_key, return_inverse=True)

    claim_numbers = chunk * 100_000_000 + np.arange(n_events, dtype=np.int64)
    claim_ids = fixed_width_strings("C", claim_numbers, 11).take(pa.array(line_event))
    return pa.table(
        [
            claim_ids,
            pa.array(line_no.astype(np.int32)),
            pa.DictionaryArray.from_arrays(pa.array(ev.member[line_event].astype(np.int32)), ids),
            labels(D.SETTINGS, ev.setting[line_event]),
            date_array(ev.day_from[line_event]),
            date_array(ev.day_to[line_event]),
            labels(PROC_CODES, np.maximum(code, 0), missing=code < 0),
            labels(_diagnosis_strings(uniq), dx_index[line_event]),
            decimal_array(allowed_cents, 12, 2),
            decimal_array(paid_cents, 12, 2),
        ],
        schema=_dictionary_schema(
            CLAIMS_SCHEMA, {"member_id", "setting", "procedure_code", "diagnosis_codes"}
        ),
    )


def _dictionary_schema(schema: pa.Schema, dictionary_columns: set[str]) -> pa.Schema:
    return pa.schema(
        [
            pa.field(f.name, pa.dictionary(pa.int32(), pa.string()))
            if f.name in dictionary_columns
            else f
            for f in schema
        ]
    )


# ---------------------------------------------------------------------------------------
# Roster and screenings


def make_roster(m: Members, ctx: Context, ids: pa.StringArray) -> pa.Table:
    two = m.s2 >= 0
    row = np.sort(np.concatenate([np.arange(m.n), np.nonzero(two)[0]]), kind="stable")
    second = np.zeros(len(row), dtype=bool)
    second[1:] = row[1:] == row[:-1]
    start = np.where(second, m.s2[row], m.s1[row])
    end = np.where(second, -1, m.e1[row])
    take = pa.array(row)
    street = pa.array(_STREETS).take(pa.array(m.street[row]))
    address = pc.binary_join_element_wise(pc.cast(pa.array(m.house[row]), pa.string()), street, " ")
    county_names = [c.name for c in G.COUNTIES]
    return pa.table(
        [
            ids.take(take),
            labels(FIRST_NAMES, m.first[row]),
            labels(LAST_NAMES, m.last[row]),
            date_array(m.birth[row]),
            labels(SEX_LABELS, m.sex[row]),
            labels(RACE_LABELS, m.race[row]),
            labels(ETHNICITY_LABELS, m.ethnicity[row]),
            labels(LANGUAGES, m.language[row]),
            address,
            labels(_PLACE_CITY, ZIP_PLACE[m.zip[row]]),
            labels(county_names, m.county[row]),
            labels(["NY"], np.zeros(len(row), np.int64)),
            labels(_ZIPS, m.zip[row]),
            labels(D.PRODUCTS, m.product[row]),
            fixed_width_strings("", ctx.pcp_npis[m.pcp[row]], 10),
            decimal_array(m.risk_milli[row], 6, 3),
            date_array(start),
            date_array(np.maximum(end, 0), missing=end < 0),
            pa.array(m.hospice[row]),
        ],
        schema=_dictionary_schema(
            ROSTER_SCHEMA,
            {
                "first_name",
                "last_name",
                "sex",
                "race",
                "ethnicity",
                "language",
                "city",
                "county",
                "state",
                "zip",
                "product",
            },
        ),
    )


SCREENING_ITEM_CODES: list[str] = list(
    dict.fromkeys(item[0] for items in C.SCREENING_ITEMS.values() for item in items)
)
SCREENING_ANSWERS: list[str] = list(
    dict.fromkeys(
        [
            *(a for items in C.SCREENING_ITEMS.values() for it in items for a in it[2]),
            *(it[3] for items in C.SCREENING_ITEMS.values() for it in items if it[3]),
            C.AHC_HOMELESS_ANSWER,
        ]
    )
)
_ANSWER = _index(SCREENING_ANSWERS)


def make_screenings(rng: np.random.Generator, m: Members, ids: pa.StringArray) -> pa.Table:
    members: list[I64] = []
    items: list[I64] = []
    answers: list[I64] = []
    orders: list[I64] = []
    instruments: list[I64] = []
    order = 0
    for inst_idx, inst in enumerate(C.INSTRUMENTS):
        who = np.nonzero(m.screened & (m.instrument == inst_idx))[0]
        for item, need, positive, negative in C.SCREENING_ITEMS[inst]:
            has = m.needs[who, NEED[need]]
            pos_pick = (rng.random(len(who)) * len(positive)).astype(np.int64)
            pos_codes = np.array([_ANSWER[a] for a in positive])[pos_pick]
            if inst == "ahc-hrsn" and item == "71802-3":
                homeless = m.needs[who, NEED["homelessness"]]
                pos_codes = np.where(homeless, _ANSWER[C.AHC_HOMELESS_ANSWER], pos_codes)
                has = has | homeless
            if negative:
                keep = np.ones(len(who), dtype=bool)
                answer = np.where(has, pos_codes, _ANSWER[negative])
            else:
                keep = has
                answer = pos_codes
            members.append(who[keep])
            answers.append(answer[keep])
            items.append(np.full(int(keep.sum()), SCREENING_ITEM_CODES.index(item)))
            orders.append(np.full(int(keep.sum()), order))
            instruments.append(np.full(int(keep.sum()), inst_idx))
            order += 1
    member = np.concatenate(members)
    sort = np.lexsort((np.concatenate(orders), member))
    member = member[sort]
    return pa.table(
        [
            ids.take(pa.array(member)),
            date_array(m.screen_day[member]),
            labels(C.INSTRUMENTS, np.concatenate(instruments)[sort]),
            labels(SCREENING_ITEM_CODES, np.concatenate(items)[sort]),
            labels(SCREENING_ANSWERS, np.concatenate(answers)[sort]),
        ],
        schema=_dictionary_schema(SCREENINGS_SCHEMA, {"instrument", "item", "answer"}),
    )


# ---------------------------------------------------------------------------------------
# Writing


class _TableWriter:
    """Writes chunks of one table as Parquet row groups or CSV rows."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.fmt = fmt
        self.rows = 0
        self._schema = schema
        self._parquet: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        self._path = path

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.fmt == "parquet":
            if self._parquet is None:
                # store_schema=False: readers see plain strings, not dictionary types.
                self._parquet = pq.ParquetWriter(
                    self._path,
                    table.schema,
                    compression="zstd",
                    compression_level=1,
                    store_schema=False,
                    dictionary_pagesize_limit=4 << 20,
                )
            self._parquet.write_table(table, row_group_size=1 << 20)
        else:
            plain = table.cast(self._schema)
            if self._csv is None:
                self._csv = pacsv.CSVWriter(
                    self._path,
                    self._schema,
                    write_options=pacsv.WriteOptions(quoting_style="needed"),
                )
            self._csv.write_table(plain)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._csv is not None:
            self._csv.close()
        if self._parquet is None and self._csv is None:  # no rows at all: header only
            self.write(self._schema.empty_table())
            self.close()


def _context(options: GenerateOptions) -> Context:
    start, end = claims_window(options.as_of, options.months)
    rng = np.random.default_rng([options.seed, 0xC0FFEE])
    bases = rng.choice(10**8, size=len(G.COUNTIES) * PCPS_PER_COUNTY, replace=False)
    pcp = make_npis(bases.astype(np.int64) + 10**8)
    return Context(seed=options.seed, as_of=_days(end), window_start=_days(start), pcp_npis=pcp)


def generate_chunks(
    options: GenerateOptions,
) -> Any:
    """Yield (roster, claims, screenings) Arrow tables, one triple per member chunk."""
    ctx = _context(options)
    for chunk, first in enumerate(range(0, options.members, CHUNK_MEMBERS)):
        n = min(CHUNK_MEMBERS, options.members - first)
        streams = np.random.SeedSequence([options.seed, chunk]).spawn(3)
        member_rng, claims_rng, screen_rng = (np.random.default_rng(s) for s in streams)
        m = make_members(member_rng, first, n, ctx)
        ids = member_ids(m.gidx)
        yield (
            make_roster(m, ctx, ids),
            make_claims(claims_rng, m, ctx, chunk, ids),
            make_screenings(screen_rng, m, ids),
        )


def generate(
    options: GenerateOptions,
    out_dir: Path,
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Write the extracts, network.json and manifest.json into out_dir; return the manifest.

    Output is assembled in a temporary sibling folder and renamed into place, so out_dir
    is either absent, or complete.
    """
    options.validate()
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise GenerateError(f"output path {out_dir} exists and is not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise GenerateError(
            f"output folder {out_dir} already exists and is not empty; "
            "choose another folder or pass --overwrite"
        )
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=parent))
    except OSError as exc:
        raise GenerateError(f"cannot write to folder {parent}: {exc.strerror or exc}") from exc

    try:
        manifest = _write_all(options, tmp, progress)
        _move_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _write_all(
    options: GenerateOptions, folder: Path, progress: Callable[[int, int], None] | None
) -> dict[str, Any]:
    ext = "parquet" if options.fmt == "parquet" else "csv"
    writers = {
        name: _TableWriter(folder / f"{name}.{ext}", schema, options.fmt)
        for name, schema in TABLES.items()
    }
    done = 0
    try:
        for roster, claims, screenings in generate_chunks(options):
            writers["roster"].write(roster)
            writers["claims"].write(claims)
            writers["screenings"].write(screenings)
            done += min(CHUNK_MEMBERS, options.members - done)
            if progress:
                progress(done, options.members)
    finally:
        for w in writers.values():
            w.close()
    network = demo_network(options.seed)
    (folder / "network.json").write_text(json.dumps(network, indent=2) + "\n", encoding="utf-8")
    start, end = claims_window(options.as_of, options.months)
    manifest: dict[str, Any] = {
        "generator": "carehub.demo.generator",
        "generator_version": GENERATOR_VERSION,
        "seed": options.seed,
        "members": options.members,
        "as_of": options.as_of.isoformat(),
        "months": options.months,
        "claims_window": {"start": start.isoformat(), "end": end.isoformat()},
        "format": options.fmt,
        "files": {name: {"path": f"{name}.{ext}", "rows": w.rows} for name, w in writers.items()}
        | {"network": {"path": "network.json"}},
        "row_counts": {name: w.rows for name, w in writers.items()},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    if out_dir.is_dir():
        # Empty folder: rename replaces it. Non-empty (overwrite): swap, then delete old.
        if not any(out_dir.iterdir()):
            os.rename(tmp, out_dir)
            return
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.rename(out_dir, old / "previous")
        os.rename(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
        return
    os.rename(tmp, out_dir)
