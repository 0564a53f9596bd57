"""Return on investment of a program: enrolled members against a matched comparison
group, before and after, as a difference in differences with a bootstrap interval.

Written once in Ibis (DuckDB by default, Spark through `engines.connect`); no Django.

- Windows: a member's index month is the month of the index date (enrolment in the
  program). Baseline = the `baseline_months` months before the index month; follow-up =
  the `follow_up_months` months after it. The index month itself is in neither (it mixes
  before and after). Comparison members get a pseudo index month: the median index month
  of the enrolled members of their product and county.
- A member-month is a month of a window whose first day an enrolment span covers and
  that ends on or before the last claim date in the extract (later months have no claims
  yet). A member needs at least one member-month in each window.
- Matching (coarsened exact): strata of product, age band at the index date, county and
  baseline cost band (allowed PMPM in the baseline). Strata without both groups are
  dropped and counted. Enrolled members weigh 1; a comparison member weighs
  (enrolled ÷ comparison) of its stratum, so each stratum's comparison counts as many
  members as its enrolled.
- Measures per group and window: member-months, ED visits and inpatient stays per 1,000
  member-years (distinct ED claims starting in the window; distinct inpatient claims
  discharged in it), allowed PMPM (by service_from; not truncated).
- Difference in differences: (enrolled after - before) - (comparison after - before).
  Point estimates are exact (fractions); the 95% interval is the 2.5th and 97.5th
  percentiles of B bootstrap replicates that resample members with replacement within
  each group (numpy, fixed seed: the same inputs give the same interval).
- Savings = -(PMPM difference) x enrolled follow-up member-months; savings per dollar =
  savings / paid to the hub and CBOs, when paid is known.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from carehub.analytics.extracts import Extract, Workspace
from carehub.core.money import CENT, round_to
from carehub.core.periods import add_months

ROSTER_COLUMNS = ["member_id", "birth_date", "county", "product", "enroll_start", "enroll_end"]
CLAIM_COLUMNS = ["claim_id", "member_id", "setting", "service_from", "service_to",
                 "allowed_amount"]
TENTH = Decimal("0.1")
# Upper bounds (exclusive) of the age bands in years; the last band is open.
AGE_BANDS = (18, 35, 50, 65, 75)
# Upper bounds (exclusive) of the baseline cost bands, allowed PMPM in dollars.
COST_BANDS = (Decimal("1"), Decimal("250"), Decimal("1000"), Decimal("3000"))
MEASURES = ("ed_per_1000", "inpatient_per_1000", "allowed_pmpm")
MEASURE_LABELS = {
    "ed_per_1000": "ED visits per 1,000 member-years",
    "inpatient_per_1000": "Inpatient stays per 1,000 member-years",
    "allowed_pmpm": "Allowed cost per member per month",
}
# Per-member columns the bootstrap resamples (b = baseline, f = follow-up).
_COLUMNS = ("mm_b", "mm_f", "ed_b", "ed_f", "ip_b", "ip_f", "cents_b", "cents_f")
# Replicates are drawn in blocks of at most this many member draws (memory stays small).
_BLOCK_DRAWS = 2_000_000


class RoiError(ValueError):
    """Bad parameters or program members: one line saying which and why."""


@dataclass(frozen=True)
class RoiOptions:
    baseline_months: int = 6
    follow_up_months: int = 6
    bootstrap: int = 1000
    seed: int = 20260101
    paid: Decimal | None = None  # paid to the hub and CBOs for the program

    def check(self) -> None:
        for name in ("baseline_months", "follow_up_months"):
            value = getattr(self, name)
            if not 1 <= value <= 36:
                raise RoiError(f"{name.replace('_', ' ')}: {value} is not between 1 and 36")
        if not 100 <= self.bootstrap <= 100_000:
            raise RoiError(f"bootstrap: {self.bootstrap} is not between 100 and 100000")
        if self.paid is not None and self.paid <= 0:
            raise RoiError(f"paid: {self.paid} must be more than 0")


@dataclass
class MemberFigures:
    member_id: str
    enrolled: bool
    index_month: dt.date
    product: str
    county: str
    age_band: str = ""
    cost_band: str = ""
    values: dict[str, int] = field(default_factory=dict)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def windows(index_month: dt.date, options: RoiOptions) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """(baseline start, baseline end, follow-up start, follow-up end), inclusive days."""
    base_start = add_months(index_month, -options.baseline_months)
    base_end = index_month - dt.timedelta(days=1)
    fu_start = add_months(index_month, 1)
    fu_end = add_months(fu_start, options.follow_up_months) - dt.timedelta(days=1)
    return base_start, base_end, fu_start, fu_end


def age_band(birth: dt.date, on: dt.date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    low = 0
    for high in AGE_BANDS:
        if age < high:
            return f"{low}-{high - 1}"
        low = high
    return f"{low}+"


def cost_band(cents: int, member_months: int) -> str:
    low = Decimal(0)
    for high in COST_BANDS:
        # pmpm < high, in whole cents
        if cents < int(high * 100) * member_months:
            return f"${low}-{high}" if low else f"under ${high}"
        low = high
    return f"${low}+"


def month_firsts(start: dt.date, count: int, through: dt.date) -> list[dt.date]:
    """First days of the `count` months from `start` that end on or before `through`."""
    firsts = []
    for i in range(count):
        first = add_months(start, i)
        if add_months(first, 1) - dt.timedelta(days=1) > through:
            break
        firsts.append(first)
    return firsts


def months_covered(spans: Sequence[tuple[dt.date, dt.date | None]],
                   firsts: Sequence[dt.date]) -> int:
    """How many of `firsts` (sorted) an enrolment span covers."""
    if len(spans) == 1:
        start, end = spans[0]
        high = len(firsts) if end is None else bisect_right(firsts, end)
        return max(0, high - bisect_left(firsts, start))
    return sum(1 for f in firsts if any(s <= f and (e is None or e >= f) for s, e in spans))


def _engine_table(ws: Workspace, folder: Path, name: str, table: pa.Table) -> ir.Table:
    if ws.con.name == "duckdb":
        return ws.con.create_table(name, table, temp=True)  # type: ignore[attr-defined]
    path = folder / f"{name}.parquet"
    pq.write_table(table, path)
    return ws.con.read_parquet(str(path), table_name=name)


def _per_member_claims(claims: ir.Table, spans: ir.Table) -> ir.Table:
    """Per member: allowed cents, ED visits and inpatient stays in each window. Lines are
    first summed per claim (a claim is a visit when any of its lines qualifies), then per
    member: the same as counting distinct claims, at half the time."""
    c = claims.join(spans, "member_id")
    base_from = c.service_from.between(c.base_start, c.base_end)
    fu_from = c.service_from.between(c.fu_start, c.fu_end)
    base_to = c.service_to.between(c.base_start, c.base_end)
    fu_to = c.service_to.between(c.fu_start, c.fu_end)
    ed = c.setting == "ed"
    inpatient = c.setting == "inpatient"
    cents = (c.allowed_amount * 100).cast("int64")
    per_claim = c.group_by(["member_id", "claim_id"]).aggregate(
        cents_b=cents.sum(where=base_from),
        cents_f=cents.sum(where=fu_from),
        ed_b=(base_from & ed).cast("int64").max(),
        ed_f=(fu_from & ed).cast("int64").max(),
        ip_b=(base_to & inpatient).cast("int64").max(),
        ip_f=(fu_to & inpatient).cast("int64").max(),
    )
    return per_claim.group_by("member_id").aggregate(
        **{name: per_claim[name].sum() for name in _COLUMNS[2:]})


def check_program(program: Mapping[str, dt.date]) -> None:
    if not program:
        raise RoiError("no program members: nobody has an enrolment date under this contract")
    for member_id, day in program.items():
        if not str(member_id).strip():
            raise RoiError("program members: an empty member id")
        if not isinstance(day, dt.date):
            raise RoiError(f"program member {member_id}: index date {day!r} is not a date")


def run_roi(ws: Workspace, roster: Extract, claims: Extract, program: Mapping[str, dt.date],
            options: RoiOptions = RoiOptions(), steps: Any = None) -> dict[str, Any]:
    """The ROI result as plain JSON-ready data (money and rates as strings)."""
    options.check()
    check_program(program)
    stage = getattr(steps, "stage", lambda *a, **k: None)
    stage("Reading the extracts")
    roster_table = ws.load(roster, ROSTER_COLUMNS)
    claims_table = ws.load(claims, CLAIM_COLUMNS)
    rows = ws.con.to_pyarrow(roster_table).to_pylist()
    through_row = ws.con.to_pyarrow(claims_table.aggregate(
        through=claims_table.service_from.max())).to_pylist()[0]
    through = through_row["through"]
    if through is None:
        raise RoiError(f"{claims.path}: no claim lines")
    stage("Choosing the comparison group")
    spans: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        member_id = str(row["member_id"])
        spans[member_id].append((row["enroll_start"], row["enroll_end"]))
        if member_id not in latest or row["enroll_start"] > latest[member_id]["enroll_start"]:
            latest[member_id] = row
    counts: dict[str, int] = {"program_members": len(program), "roster_members": len(latest)}
    counts["enrolled_not_in_roster"] = sum(1 for m in program if m not in latest)
    # pseudo index month of a comparison member: median index month of its product+county
    by_cell: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for member_id, day in program.items():
        if member_id in latest:
            row = latest[member_id]
            by_cell[(row["product"] or "", row["county"] or "")].append(month_start(day))
    pseudo = {cell: sorted(days)[(len(days) - 1) // 2] for cell, days in by_cell.items()}
    members: list[MemberFigures] = []
    not_in_windows = {"enrolled": 0, "comparison": 0}
    firsts_of: dict[dt.date, tuple[list[dt.date], list[dt.date]]] = {}
    for member_id, row in latest.items():
        enrolled = member_id in program
        cell = (row["product"] or "", row["county"] or "")
        if enrolled:
            index_month = month_start(program[member_id])
        elif cell in pseudo:
            index_month = pseudo[cell]
        else:
            continue  # no enrolled member shares its product and county
        member = MemberFigures(member_id, enrolled, index_month, *cell)
        if index_month not in firsts_of:
            base_start, _, fu_start, _ = windows(index_month, options)
            firsts_of[index_month] = (
                month_firsts(base_start, options.baseline_months, through),
                month_firsts(fu_start, options.follow_up_months, through))
        base_firsts, fu_firsts = firsts_of[index_month]
        mm_b = months_covered(spans[member_id], base_firsts)
        mm_f = months_covered(spans[member_id], fu_firsts)
        if not mm_b or not mm_f:
            not_in_windows["enrolled" if enrolled else "comparison"] += 1
            continue
        member.values = {"mm_b": mm_b, "mm_f": mm_f}
        member.age_band = age_band(row["birth_date"], index_month)
        members.append(member)
    counts["enrolled_not_in_both_windows"] = not_in_windows["enrolled"]
    counts["comparison_not_in_both_windows"] = not_in_windows["comparison"]
    if not any(m.enrolled for m in members):
        raise RoiError("no enrolled member has enrolment months in both windows "
                       f"(claims run to {through}; follow-up needs whole months after the "
                       "index month)")
    stage("Summing claims per member")
    with tempfile.TemporaryDirectory(prefix="carehub-roi-") as folder:
        window_of = {month: windows(month, options) for month in firsts_of}
        window_rows = [(m.member_id, *window_of[m.index_month]) for m in members]
        window_table = pa.table({
            "member_id": [r[0] for r in window_rows],
            **{name: pa.array([r[i + 1] for r in window_rows], pa.date32())
               for i, name in enumerate(("base_start", "base_end", "fu_start", "fu_end"))},
        })
        spans_table = _engine_table(ws, Path(folder), "carehub_roi_windows", window_table)
        per_member = ws.con.to_pyarrow(_per_member_claims(claims_table, spans_table)).to_pylist()
    sums = {str(r["member_id"]): r for r in per_member}
    for m in members:
        found = sums.get(m.member_id, {})
        for name in _COLUMNS[2:]:
            m.values[name] = int(found.get(name) or 0)
        m.cost_band = cost_band(m.values["cents_b"], m.values["mm_b"])
    stage("Estimating")
    result = estimate(members, options)
    result["counts"] = {**counts, **result["counts"]}
    result["claims_through"] = through.isoformat()
    result["engine"] = "spark" if ws.con.name == "pyspark" else ws.con.name
    return result


def _strata(members: Sequence[MemberFigures]
            ) -> tuple[list[tuple[list[MemberFigures], list[MemberFigures]]], dict[str, int]]:
    """The kept strata as (enrolled, comparison) lists, and the counts of what was dropped."""
    cells: dict[tuple[str, ...], list[MemberFigures]] = defaultdict(list)
    for m in members:
        cells[(m.product, m.age_band, m.county, m.cost_band)].append(m)
    kept: list[tuple[list[MemberFigures], list[MemberFigures]]] = []
    info = {"strata": len(cells), "strata_kept": 0, "strata_dropped": 0,
            "enrolled_dropped_unmatched": 0, "comparison_dropped_unmatched": 0}
    for key in sorted(cells):
        group = cells[key]
        treated = [m for m in group if m.enrolled]
        control = [m for m in group if not m.enrolled]
        if not treated or not control:
            info["strata_dropped"] += 1
            info["enrolled_dropped_unmatched"] += len(treated)
            info["comparison_dropped_unmatched"] += len(control)
            continue
        info["strata_kept"] += 1
        kept.append((treated, control))
    return kept, info


def _rates(sums: Mapping[str, Any], window: str) -> dict[str, Any]:
    """Exact rates from weighted sums (Fractions) for window "b" or "f"."""
    mm = sums[f"mm_{window}"]
    return {
        "ed_per_1000": Fraction(sums[f"ed_{window}"] * 12000) / mm,
        "inpatient_per_1000": Fraction(sums[f"ip_{window}"] * 12000) / mm,
        "allowed_pmpm": Fraction(sums[f"cents_{window}"]) / (mm * 100),
    }


def _show(measure: str, value: Fraction | float) -> str:
    if measure == "allowed_pmpm":
        return str(round_to(Fraction(value), CENT))
    return str(round_to(Fraction(value), TENTH))


def _bootstrap(data: np.ndarray, weights: np.ndarray, enrolled: np.ndarray,
               options: RoiOptions) -> dict[str, np.ndarray]:
    """Replicates of each measure's difference in differences."""
    rng = np.random.default_rng(options.seed)
    weighted = data * weights  # (columns, members)
    groups = [np.flatnonzero(enrolled), np.flatnonzero(~enrolled)]
    totals: dict[int, list[np.ndarray]] = {0: [], 1: []}
    for g, members in enumerate(groups):
        n = len(members)
        block = max(1, _BLOCK_DRAWS // max(1, n))
        values = weighted[:, members]  # (columns, n)
        done = 0
        while done < options.bootstrap:
            size = min(block, options.bootstrap - done)
            draws = rng.integers(0, n, size=(size, n))
            # times each member is drawn in each replicate, then the weighted sums
            offsets = (np.arange(size) * n)[:, None]
            counts = np.bincount((draws + offsets).ravel(), minlength=size * n).reshape(size, n)
            totals[g].append(values @ counts.T)  # (columns, size)
            done += size
    out: dict[str, np.ndarray] = {}
    sums = [np.concatenate(totals[g], axis=1) for g in (0, 1)]
    col = {name: i for i, name in enumerate(_COLUMNS)}

    def rate(s: np.ndarray, what: str, window: str, scale: float) -> np.ndarray:
        return s[col[f"{what}_{window}"]] * scale / s[col[f"mm_{window}"]]

    for measure, what, scale in (("ed_per_1000", "ed", 12000.0), ("inpatient_per_1000", "ip", 12000.0),
                                 ("allowed_pmpm", "cents", 0.01)):
        t, c = sums
        out[measure] = ((rate(t, what, "f", scale) - rate(t, what, "b", scale))
                        - (rate(c, what, "f", scale) - rate(c, what, "b", scale)))
    return out


def estimate(members: Sequence[MemberFigures], options: RoiOptions) -> dict[str, Any]:
    """Matching, rates, differences in differences and their intervals, savings."""
    cells, info = _strata(members)
    if not cells:
        raise RoiError("no stratum holds both enrolled and comparison members: nothing to compare "
                       f"({info['strata_dropped']} strata dropped)")
    kept = [m for treated, control in cells for m in treated + control]
    data = np.array([[m.values[c] for m in kept] for c in _COLUMNS], dtype=np.int64)
    # exact weighted sums: integers per stratum, the comparison's times enrolled/comparison
    sums: dict[str, list[Fraction]] = {"enrolled": [Fraction(0)] * len(_COLUMNS),
                                       "comparison": [Fraction(0)] * len(_COLUMNS)}
    weights = np.empty(len(kept), dtype=np.float64)
    enrolled = np.zeros(len(kept), dtype=bool)
    at = 0
    for treated, control in cells:
        n_t, n_c = len(treated), len(control)
        weight = Fraction(n_t, n_c)
        t_sums = data[:, at:at + n_t].sum(axis=1)
        c_sums = data[:, at + n_t:at + n_t + n_c].sum(axis=1)
        for i in range(len(_COLUMNS)):
            sums["enrolled"][i] += int(t_sums[i])
            sums["comparison"][i] += weight * int(c_sums[i])
        weights[at:at + n_t], weights[at + n_t:at + n_t + n_c] = 1.0, float(weight)
        enrolled[at:at + n_t] = True
        at += n_t + n_c
    groups: dict[str, dict[str, Any]] = {}
    exact: dict[str, dict[str, dict[str, Fraction]]] = {}
    for name, flag in (("enrolled", True), ("comparison", False)):
        named = dict(zip(_COLUMNS, sums[name], strict=True))
        exact[name] = {"baseline": _rates(named, "b"), "follow_up": _rates(named, "f")}
        raw = data[:, enrolled == flag]
        groups[name] = {
            "members": int(raw.shape[1]),
            **{window: {"member_months": int(raw[_COLUMNS.index(f"mm_{w}")].sum()),
                        "weighted_member_months": str(round_to(named[f"mm_{w}"], TENTH)),
                        **{k: _show(k, v) for k, v in exact[name][window].items()}}
               for window, w in (("baseline", "b"), ("follow_up", "f"))},
        }
    reps = _bootstrap(data.astype(np.float64), weights, enrolled, options)
    did: dict[str, dict[str, str]] = {}
    points: dict[str, Fraction] = {}
    intervals: dict[str, tuple[float, float]] = {}
    for measure in MEASURES:
        e, c = exact["enrolled"], exact["comparison"]
        point = ((e["follow_up"][measure] - e["baseline"][measure])
                 - (c["follow_up"][measure] - c["baseline"][measure]))
        low, high = np.percentile(reps[measure], [2.5, 97.5])
        intervals[measure] = (float(low), float(high))
        did[measure] = {"estimate": _show(measure, point), "low": _show(measure, float(low)),
                        "high": _show(measure, float(high))}
        points[measure] = point
    mm_f = groups["enrolled"]["follow_up"]["member_months"]
    pmpm_point = points["allowed_pmpm"]
    low, high = intervals["allowed_pmpm"]
    savings_point = -pmpm_point * mm_f
    savings_low, savings_high = Fraction(-high) * mm_f, Fraction(-low) * mm_f
    savings: dict[str, Any] = {
        "enrolled_follow_up_member_months": mm_f,
        "estimate": str(round_to(savings_point, CENT)),
        "low": str(round_to(savings_low, CENT)), "high": str(round_to(savings_high, CENT)),
        "paid": None, "per_dollar": None,
    }
    if options.paid is not None:
        with_paid(savings, options.paid)
    return {
        "options": {"baseline_months": options.baseline_months,
                    "follow_up_months": options.follow_up_months,
                    "bootstrap": options.bootstrap, "seed": options.seed},
        "counts": {**info, "enrolled_matched": groups["enrolled"]["members"],
                   "comparison_matched": groups["comparison"]["members"]},
        "groups": groups, "did": did, "savings": savings,
    }


def with_paid(savings: dict[str, Any], paid: Decimal, source: str = "given") -> dict[str, Any]:
    """Add what was paid and savings per dollar paid (with its interval) to `savings`."""
    if paid <= 0:
        raise RoiError(f"paid: {paid} must be more than 0")
    savings["paid"] = str(round_to(Fraction(paid), CENT))
    savings["paid_source"] = source
    savings["per_dollar"] = {k: str(round_to(Fraction(Decimal(savings[k])) / Fraction(paid), CENT))
                             for k in ("estimate", "low", "high")}
    return savings
