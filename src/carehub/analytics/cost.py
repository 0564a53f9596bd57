"""Cost of care for a period (and a baseline): member-months, allowed PMPM with each
member's allowed truncated at a percentile, ED visits and inpatient stays per 1,000
member-years. These are the `actual` and `benchmark` inputs of shared savings.

Definitions (docs/analytics.md):
- a member-month is a month whose first day an enrolment span covers;
- only members with at least one member-month in the period count, zeros included;
- allowed is summed by service_from; each member's period total is capped at the
  percentile (linear interpolation between order statistics, like numpy's default)
  of all counted members' totals;
- an ED visit is a distinct ED claim starting in the period, an inpatient stay a
  distinct inpatient claim whose discharge (service_to) falls in the period.
The engine sums integer cents; the percentile and the divisions are exact in Python,
so both engines give the same figures to the cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ibis
import ibis.expr.types as ir

from carehub.analytics.extracts import Extract, Workspace
from carehub.core.money import CENT, round_to
from carehub.core.periods import month_starts

ROSTER_COLUMNS = ["member_id", "enroll_start", "enroll_end"]
CLAIM_COLUMNS = ["claim_id", "member_id", "setting", "service_from", "service_to", "allowed_amount"]
TENTH = Decimal("0.1")


def percentile(sorted_values: list[int], pct: Fraction) -> Fraction:
    """Linear interpolation between order statistics (numpy's default method)."""
    if not sorted_values:
        return Fraction(0)
    position = (len(sorted_values) - 1) * pct / 100
    low = int(position)
    high = min(low + 1, len(sorted_values) - 1)
    weight = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * weight


def _money(cents: Fraction | int) -> Decimal:
    return round_to(Fraction(cents) / 100, CENT)


def _ratio(numerator: Fraction | int, denominator: int, unit: Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    return round_to(Fraction(numerator) / denominator, unit)


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date
    member_months: int
    allowed_cents: int
    ed_visits: int
    inpatient_stays: int

    def as_dict(self) -> dict[str, Any]:
        mm = self.member_months
        return {
            "month": self.month.strftime("%Y-%m"),
            "member_months": mm,
            "allowed": str(_money(self.allowed_cents)),
            "allowed_pmpm_untruncated": _str(_ratio(self.allowed_cents, mm * 100, CENT)),
            "ed_visits": self.ed_visits,
            "ed_per_1000": _str(_ratio(self.ed_visits * 12000, mm, TENTH)),
            "inpatient_stays": self.inpatient_stays,
            "inpatient_per_1000": _str(_ratio(self.inpatient_stays * 12000, mm, TENTH)),
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class PeriodCost:
    start: dt.date
    end: dt.date
    members: int
    member_months: int
    allowed_cents: int
    truncation_point_cents: Fraction
    truncated_cents: Fraction
    ed_visits: int
    inpatient_stays: int
    months: list[MonthFigures] = field(default_factory=list)

    @property
    def allowed_pmpm(self) -> Decimal | None:
        return _ratio(self.truncated_cents, self.member_months * 100, CENT)

    def as_dict(self) -> dict[str, Any]:
        mm = self.member_months
        out: dict[str, Any] = {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "members": self.members,
            "member_months": mm,
            "allowed": str(_money(self.allowed_cents)),
            "truncation_point": str(_money(self.truncation_point_cents)),
            "allowed_truncated": str(_money(self.truncated_cents)),
            "allowed_pmpm": _str(self.allowed_pmpm),
            "allowed_pmpm_untruncated": _str(_ratio(self.allowed_cents, mm * 100, CENT)),
            "ed_visits": self.ed_visits,
            "ed_per_1000": _str(_ratio(self.ed_visits * 12000, mm, TENTH)),
            "inpatient_stays": self.inpatient_stays,
            "inpatient_per_1000": _str(_ratio(self.inpatient_stays * 12000, mm, TENTH)),
        }
        if self.months:
            out["months"] = [m.as_dict() for m in self.months]
        return out


def _member_months(roster: ir.Table, months: list[dt.date]) -> ir.Table:
    """Per member: a 0/1 column per month (enrolled on its first day), and the total."""
    flags = {
        f"m{i}": (
            (roster.enroll_start <= m) & (roster.enroll_end.isnull() | (roster.enroll_end >= m))
        )
        .cast("int64")
        .max()
        for i, m in enumerate(months)
    }
    per_member = roster.group_by("member_id").aggregate(**flags)
    total = sum((per_member[f"m{i}"] for i in range(len(months))), ibis.literal(0))
    per_member = per_member.mutate(member_months=total)
    return per_member.filter(per_member.member_months > 0)


def period_cost(
    ws: Workspace,
    roster: ir.Table,
    claims: ir.Table,
    start: dt.date,
    end: dt.date,
    pct: Fraction,
    by_month: bool,
) -> PeriodCost:
    months = month_starts(start, end)
    if not months:
        raise ValueError(f"period {start}..{end} holds no first day of a month")
    enrolled = _member_months(roster, months)
    in_period = claims.filter(
        (claims.service_from.between(start, end)) | (claims.service_to.between(start, end))
    )
    in_period = in_period.semi_join(enrolled, in_period.member_id == enrolled.member_id)
    starts = in_period.service_from.between(start, end)
    cents = (in_period.allowed_amount * 100).cast("int64")
    per_member = in_period.group_by("member_id").aggregate(
        allowed_cents=cents.sum(where=starts),
        ed_visits=in_period.claim_id.nunique(where=starts & (in_period.setting == "ed")),
        inpatient_stays=in_period.claim_id.nunique(
            where=in_period.service_to.between(start, end) & (in_period.setting == "inpatient")
        ),
    )
    con = ws.con
    month_columns = [f"m{i}" for i in range(len(months))]
    enrolled_totals = con.to_pyarrow(
        enrolled.aggregate(
            members=enrolled.count(),
            member_months=enrolled.member_months.sum(),
            **{c: enrolled[c].sum() for c in month_columns},
        )
    ).to_pylist()[0]
    allowed_rows = con.to_pyarrow(
        per_member.select("allowed_cents", "ed_visits", "inpatient_stays")
    )
    allowed = sorted(int(v or 0) for v in allowed_rows.column("allowed_cents").to_pylist())
    members = int(enrolled_totals["members"] or 0)
    # members without claims count as zero totals in the percentile
    everyone = [0] * (members - len(allowed)) + allowed
    point = percentile(everyone, pct)
    truncated = sum((min(Fraction(v), point) for v in everyone), Fraction(0))
    figures: list[MonthFigures] = []
    if by_month:
        figures = _months(ws, in_period, months, enrolled_totals, end)
    return PeriodCost(
        start=start,
        end=end,
        members=members,
        member_months=int(enrolled_totals["member_months"] or 0),
        allowed_cents=sum(allowed),
        truncation_point_cents=point,
        truncated_cents=truncated,
        ed_visits=sum(int(v or 0) for v in allowed_rows.column("ed_visits").to_pylist()),
        inpatient_stays=sum(
            int(v or 0) for v in allowed_rows.column("inpatient_stays").to_pylist()
        ),
        months=figures,
    )


def _months(
    ws: Workspace, claims: ir.Table, months: list[dt.date], totals: dict[str, Any], end: dt.date
) -> list[MonthFigures]:
    """Untruncated figures month by month (truncation is of a member's period total)."""
    key_from = claims.service_from.year() * 100 + claims.service_from.month()
    key_to = claims.service_to.year() * 100 + claims.service_to.month()
    starts = claims.service_from <= end
    cents = (claims.allowed_amount * 100).cast("int64")
    by_start = (
        claims.filter(starts)
        .group_by(month=key_from)
        .aggregate(
            allowed_cents=cents.sum(),
            ed_visits=claims.claim_id.nunique(where=claims.setting == "ed"),
        )
    )
    by_discharge = (
        claims.filter(claims.setting == "inpatient", claims.service_to <= end)
        .group_by(month=key_to)
        .aggregate(inpatient_stays=claims.claim_id.nunique())
    )
    rows_start = {r["month"]: r for r in ws.con.to_pyarrow(by_start).to_pylist()}
    rows_discharge = {r["month"]: r for r in ws.con.to_pyarrow(by_discharge).to_pylist()}
    out = []
    for i, month in enumerate(months):
        key = month.year * 100 + month.month
        s = rows_start.get(key, {})
        out.append(
            MonthFigures(
                month=month,
                member_months=int(totals[f"m{i}"] or 0),
                allowed_cents=int(s.get("allowed_cents") or 0),
                ed_visits=int(s.get("ed_visits") or 0),
                inpatient_stays=int(rows_discharge.get(key, {}).get("inpatient_stays") or 0),
            )
        )
    return out


@dataclass(frozen=True)
class CostReport:
    percentile: Fraction
    period: PeriodCost
    baseline: PeriodCost | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "truncation_percentile": str(
                Decimal(self.percentile.numerator) / self.percentile.denominator
            ),
            "period": self.period.as_dict(),
            "baseline": None if self.baseline is None else self.baseline.as_dict(),
        }


def run_cost(
    ws: Workspace,
    roster: Extract,
    claims: Extract,
    period: tuple[dt.date, dt.date],
    baseline: tuple[dt.date, dt.date] | None = None,
    members: Collection[str] | None = None,
    pct: Fraction = Fraction(99),
    by_month: bool = False,
) -> CostReport:
    roster_table = ws.load(roster, ROSTER_COLUMNS)
    claims_table = ws.load(claims, CLAIM_COLUMNS)
    if members is not None:
        ids = sorted(set(members))
        roster_table = roster_table.filter(roster_table.member_id.isin(ids))
        claims_table = claims_table.filter(claims_table.member_id.isin(ids))
    current = period_cost(ws, roster_table, claims_table, *period, pct, by_month)
    before = None
    if baseline is not None:
        before = period_cost(ws, roster_table, claims_table, *baseline, pct, by_month)
    return CostReport(pct, current, before)
