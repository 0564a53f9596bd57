"""Members: demographics, conditions, social needs, screening and enrolment spans."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from carehub.demo import distributions, geography, names
from carehub.demo.generator.arrow import fixed_width_strings
from carehub.demo.generator.code_tables import (
    COND_DX,
    CONDITION_THRESHOLD,
    N_CONDITIONS,
    N_NEEDS,
    NEED_DX,
)
from carehub.demo.generator.options import F64, I64, PCPS_PER_COUNTY, Mask
from carehub.demo.generator.population_tables import (
    COUNTY_CUM,
    COUNTY_ZIP_COUNT,
    COUNTY_ZIP_START,
    FIRST_NAME_COUNTS,
    FIRST_NAME_OFFSETS,
    LANG,
    OTHER_LANGUAGE_CUM,
    PLACE_STREET_COUNT,
    PLACE_STREET_START,
    RACE_CUM,
    SPANISH_IF_HISPANIC,
    ZIP_PLACE,
)


def pick(cum: F64, u: F64) -> I64:
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int64)


def pick_rows(cum_rows: F64, row: I64, u: F64) -> I64:
    """Categorical draw where each element uses its own row of cumulative probabilities."""
    chosen = (u[:, None] >= cum_rows[row]).sum(axis=1)
    return np.minimum(chosen, cum_rows.shape[1] - 1).astype(np.int64)


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
    hospice: Mask
    conditions: Mask  # (n, N_CONDITIONS)
    condition_dx: I64  # (n, N_CONDITIONS) the member's own code for each condition
    needs: Mask  # (n, N_NEEDS)
    coded: Mask  # (n, N_NEEDS) needs carried as Z codes on claims
    need_dx: I64  # (n, N_NEEDS)
    screened: Mask
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
    product = pick(np.cumsum(distributions.PRODUCT_MIX), u(n))
    age_cum = np.cumsum(np.array(distributions.AGE_MIX), axis=1)
    band = pick_rows(age_cum, product, u(n))
    lo = np.array([b[0] for b in distributions.AGE_BANDS])[band]
    hi = np.array([b[1] for b in distributions.AGE_BANDS])[band]
    age = lo + (u(n) * (hi - lo + 1)).astype(np.int64)
    birth = ctx.as_of - np.floor((age + u(n)) * 365.25).astype(np.int64)
    female = u(n) < np.array(distributions.FEMALE_SHARE)[product]
    sex = np.where(female, 0, 1)
    sex = np.where(u(n) < distributions.UNKNOWN_SEX_SHARE, 2, sex)

    county = pick(COUNTY_CUM, u(n))
    zip_idx = COUNTY_ZIP_START[county] + (u(n) * COUNTY_ZIP_COUNT[county]).astype(np.int64)
    place = ZIP_PLACE[zip_idx]
    street = PLACE_STREET_START[place] + (u(n) * PLACE_STREET_COUNT[place]).astype(np.int64)
    house = 1 + (u(n) * 2999).astype(np.int64)

    race = pick_rows(RACE_CUM, county, u(n))
    hispanic_share = np.array([c.hispanic for c in geography.COUNTIES])[county]
    hispanic = u(n) < hispanic_share
    language = pick_rows(OTHER_LANGUAGE_CUM, county, u(n))
    spanish = hispanic & (u(n) < SPANISH_IF_HISPANIC[county])
    language = np.where(
        hispanic, np.where(spanish, LANG[geography.SPANISH], LANG[geography.ENGLISH]), language
    )
    ethnicity = np.where(hispanic, 0, 1)
    unknown = u(n) < distributions.UNKNOWN_RACE_SHARE
    race = np.where(unknown, len(geography.RACES), race)
    ethnicity = np.where(unknown, len(geography.ETHNICITIES), ethnicity)

    name_group = np.where(sex == 0, 0, 1) + 2 * (hispanic & (u(n) < 0.8))
    first_name = FIRST_NAME_OFFSETS[name_group] + (u(n) * FIRST_NAME_COUNTS[name_group]).astype(
        np.int64
    )
    hispanic_surname = hispanic & (u(n) < 0.85)
    last_name = np.where(
        hispanic_surname,
        len(names.SURNAMES) + (u(n) * len(names.HISPANIC_SURNAMES)).astype(np.int64),
        (u(n) * len(names.SURNAMES)).astype(np.int64),
    )
    pcp = county * PCPS_PER_COUNTY + (u(n) * PCPS_PER_COUNTY).astype(np.int64)

    frailty = rng.standard_normal(n)
    rho = distributions.CONDITION_FRAILTY_LOADING
    liability = rho * frailty[:, None] + np.sqrt(1 - rho**2) * rng.standard_normal(
        (n, N_CONDITIONS)
    )
    threshold = CONDITION_THRESHOLD[:, product, band].T  # (n, N_CONDITIONS)
    conditions = liability > threshold
    condition_dx = np.empty((n, N_CONDITIONS), dtype=np.int64)
    for k in range(N_CONDITIONS):
        condition_dx[:, k] = COND_DX[k].draw(rng, n)[0]

    noise = rng.standard_normal(n)
    log_risk = (
        distributions.RISK_SIGMA * frailty
        + distributions.RISK_NOISE * noise
        - (distributions.RISK_SIGMA**2 + distributions.RISK_NOISE**2) / 2
    )
    risk = np.array(distributions.RISK_MEAN)[product] * np.exp(log_risk)
    risk_milli = np.clip(np.round(risk * 1000), 50, 99_999).astype(np.int64)

    medicare = np.isin(product, distributions.MEDICARE_PRODUCTS)
    hospice_p = distributions.HOSPICE_SHARE_65PLUS * np.exp(0.8 * frailty - 0.32)
    hospice = medicare & (age >= 65) & (u(n) < hospice_p)

    need_prev = np.array([nd.prevalence for nd in distributions.SOCIAL_NEEDS]).T[
        product
    ]  # (n, N_NEEDS)
    needs = rng.random((n, N_NEEDS)) < need_prev
    screened = u(n) < np.array(distributions.SCREENING_RATE)[product]
    coded = needs & screened[:, None] & (rng.random((n, N_NEEDS)) < distributions.Z_CODING_RATE)
    need_dx = np.empty((n, N_NEEDS), dtype=np.int64)
    for s in range(N_NEEDS):
        need_dx[:, s] = NEED_DX[s].draw(rng, n)[0]
    instrument = pick(np.cumsum(distributions.INSTRUMENT_MIX), u(n))

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
    pattern = pick(np.cumsum(distributions.ENROLMENT_PATTERN_MIX), rng.random(n))
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
