"""Who is eligible and who is served first: the ranked list and its equity summary.

The rules run in the engine (Ibis, DuckDB or Spark), one row per member; the eligible
members come back to Python, where the reasons, the order and the equity shares are
made. Ordering in Python keeps the result identical whatever the engine's null and
collation rules are.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir

from carehub.analytics.extracts import Extract, Workspace
from carehub.core.eligibility import CodeRule, Criteria, Range, RankKey, Rules
from carehub.core.money import cents_to_decimal, round_to

ROSTER_COLUMNS = [
    "member_id",
    "birth_date",
    "race",
    "ethnicity",
    "language",
    "county",
    "zip",
    "product",
    "pcp_npi",
    "risk_score",
    "enroll_start",
    "enroll_end",
    "hospice",
]
CLAIM_COLUMNS = [
    "claim_id",
    "member_id",
    "setting",
    "service_from",
    "service_to",
    "diagnosis_codes",
    "allowed_amount",
]
EQUITY_DIMENSIONS = ("race", "ethnicity", "language", "county")
# social_need_codes counts Z55-Z65 (social determinants) unless the criteria name codes
SOCIAL_NEED_DEFAULT = CodeRule(tuple(f"Z{n}" for n in range(55, 66)), 365)
YEAR_DAYS = 365
BLANK = "(blank)"
FAR_FUTURE = dt.date(9999, 12, 31)


class Steps(Protocol):
    """Where a long run reports how far it got (a background job's progress); the
    command line passes none."""

    def stage(self, name: str, total: int | None = None, *, done: int = 0) -> None: ...

    def advance(self, steps: int = 1) -> None: ...


class _Quiet:
    def stage(self, name: str, total: int | None = None, *, done: int = 0) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


# Reasons are written in blocks of this many members between progress reports.
STEP_MEMBERS = 5000


@dataclass(frozen=True)
class RankedMember:
    member_id: str
    rank: int
    selected: bool
    reasons: str
    measures: dict[str, Any]


@dataclass(frozen=True)
class EligibilityResult:
    criteria: Criteria
    members_read: int
    ranked: list[RankedMember]
    equity: dict[str, list[dict[str, Any]]]

    @property
    def members_eligible(self) -> int:
        return len(self.ranked)

    @property
    def members_selected(self) -> int:
        return sum(1 for m in self.ranked if m.selected)

    def summary(self) -> dict[str, Any]:
        return {
            "population": self.criteria.population,
            "as_of": self.criteria.as_of.isoformat(),
            "cap": self.criteria.cap,
            "members_read": self.members_read,
            "members_eligible": self.members_eligible,
            "members_selected": self.members_selected,
            "equity": self.equity,
        }


def _days_before(day: dt.date, days: int) -> dt.date:
    return day - dt.timedelta(days=days)


def current_members(roster: ir.Table, as_of: dt.date) -> ir.Table:
    """One row per member: the enrolment span covering as_of, else the latest one."""
    covering = (roster.enroll_start <= as_of) & (
        roster.enroll_end.isnull() | (roster.enroll_end >= as_of)
    )
    spans = roster.mutate(covering=covering.cast("int8"))
    order = [
        ibis.desc(spans.covering),
        ibis.desc(spans.enroll_start),
        ibis.desc(spans.enroll_end.fill_null(FAR_FUTURE)),
        # identical spans with different attributes: any fixed choice, the same everywhere
        *(spans[c].fill_null("") for c in ("product", "county", "zip", "pcp_npi")),
    ]
    ranked = spans.mutate(_pick=ibis.row_number().over(group_by="member_id", order_by=order))
    picked = ranked.filter(ranked._pick == 0).drop("_pick")
    birth = picked.birth_date
    before_birthday = (birth.month() * 100 + birth.day()) > (as_of.month * 100 + as_of.day)
    age = as_of.year - birth.year() - ibis.ifelse(before_birthday, 1, 0)
    return picked.mutate(age=age.cast("int64"))


def _normalised(text: ir.StringValue) -> ir.StringValue:
    """Upper case without dots: the form ICD-10 codes and prefixes are compared in."""
    return text.upper().replace(".", "")


def _starts_with_any(norm: ir.StringValue, prefixes: Sequence[str]) -> ir.BooleanValue:
    return ibis.or_(*(norm.startswith(p) for p in prefixes))


@dataclass(frozen=True)
class CodeQuery:
    """A code rule to evaluate: its columns are named `<name>_code`, `<name>_date` and,
    when `count` is set, `<name>_n` (distinct matching codes)."""

    name: str
    rule: CodeRule
    count: bool = False


def code_matches(claims: ir.Table, queries: Sequence[CodeQuery], as_of: dt.date) -> ir.Table:
    """Per member, for every code rule at once: the latest matching code and its date.

    The diagnosis lists are split into codes once for all rules. Only lines whose whole
    text, upper-cased without dots, contains one of the prefixes are split: every line
    holding a matching code passes that test, and it is far cheaper than splitting every
    line. Each code is then matched exactly (trimmed, upper-cased, without dots, it starts
    with a prefix). "Latest" is the smallest (days before as_of, normalised code, code),
    taken with one aggregation rather than a window per rule.
    """
    since = _days_before(as_of, max(q.rule.lookback_days for q in queries))
    prefixes = sorted({p for q in queries for p in q.rule.dotless})
    text = _normalised(claims.diagnosis_codes)
    lines = claims.filter(
        claims.service_from.between(since, as_of), ibis.or_(*(text.contains(p) for p in prefixes))
    )
    codes = lines.select(
        "member_id", day=lines.service_from, code=lines.diagnosis_codes.split(";").unnest()
    )
    codes = codes.mutate(code=codes.code.strip())
    codes = codes.mutate(
        norm=_normalised(codes.code),
        ago=ibis.literal(as_of).delta(codes.day, unit="day").cast("int64"),
    )
    latest_key = ibis.struct(
        {"ago": codes.ago, "norm": codes.norm, "code": codes.code, "day": codes.day}
    )
    aggregates: dict[str, Any] = {}
    for q in queries:
        hit = _starts_with_any(codes.norm, q.rule.dotless) & (codes.ago <= q.rule.lookback_days)
        aggregates[f"{q.name}_latest"] = latest_key.min(where=hit)
        if q.count:
            aggregates[f"{q.name}_n"] = codes.norm.nunique(where=hit)
    per_member = codes.group_by("member_id").aggregate(**aggregates)
    columns: dict[str, Any] = {}
    for q in queries:
        latest = per_member[f"{q.name}_latest"]
        columns[f"{q.name}_code"] = latest["code"]
        columns[f"{q.name}_date"] = latest["day"]
        if q.count:
            columns[f"{q.name}_n"] = per_member[f"{q.name}_n"]
    return per_member.select("member_id", **columns)


def latest_discharge(
    claims: ir.Table, as_of: dt.date, within_days: int, min_nights: int, prefix: str
) -> ir.Table:
    """Per member: the latest inpatient stay ending in [as_of - within_days, as_of]
    (the longest one when several end that day)."""
    lines = claims.filter(claims.setting == "inpatient")
    stays = lines.group_by(["member_id", "claim_id"]).aggregate(
        admit=lines.service_from.min(), discharge=lines.service_to.max()
    )
    stays = stays.mutate(nights=stays.discharge.delta(stays.admit, unit="day").cast("int64"))
    stays = stays.filter(
        stays.discharge.between(_days_before(as_of, within_days), as_of),
        stays.nights >= min_nights,
    )
    # the largest (discharge, nights): an aggregation, not a window over the stays
    per_member = stays.group_by("member_id").aggregate(
        latest=ibis.struct({"discharge": stays.discharge, "nights": stays.nights}).max()
    )
    return per_member.select(
        "member_id",
        **{
            f"{prefix}_date": per_member.latest["discharge"],
            f"{prefix}_nights": per_member.latest["nights"],
        },
    )


def claim_measures(claims: ir.Table, as_of: dt.date, wanted: set[str]) -> list[ir.Table]:
    """Per-member tables for the wanted claim measures, each over only the lines it needs."""
    since = _days_before(as_of, YEAR_DAYS)
    inpatient = claims.setting == "inpatient"
    out = []
    if "ed_visits_12m" in wanted:
        ed = claims.filter(claims.setting == "ed", claims.service_from.between(since, as_of))
        out.append(ed.group_by("member_id").aggregate(ed_visits_12m=ed.claim_id.nunique()))
    if "inpatient_stays_12m" in wanted:
        ip = claims.filter(inpatient, claims.service_to.between(since, as_of))
        out.append(ip.group_by("member_id").aggregate(inpatient_stays_12m=ip.claim_id.nunique()))
    if "allowed_12m" in wanted:
        year = claims.filter(claims.service_from.between(since, as_of))
        cents = (year.allowed_amount * 100).cast("int64")
        out.append(year.group_by("member_id").aggregate(allowed_12m_cents=cents.sum()))
    if "days_since_discharge" in wanted:
        ends = claims.filter(inpatient, claims.service_to <= as_of)
        out.append(ends.group_by("member_id").aggregate(last_discharge=ends.service_to.max()))
    return out


def _range_expr(value: ir.NumericValue, bounds: Range) -> ir.BooleanValue:
    expr = value.notnull()
    if bounds.min is not None:
        expr &= value >= bounds.min
    if bounds.max is not None:
        expr &= value <= bounds.max
    return expr


def _left_join(table: ir.Table, other: ir.Table) -> ir.Table:
    """Left join on member_id keeping one member_id column."""
    right = other.rename(_right_member="member_id")
    return table.left_join(right, table.member_id == right._right_member).drop("_right_member")


ROSTER_RULES = frozenset(
    {"product", "enrolled", "age", "geography", "risk_score", "pcp_npi", "hospice"}
)


class _Plan:
    """The member table with every column the rules, reasons and measures need.

    Rules on the roster run first, so the claims work is done for candidates only.
    """

    def __init__(self, criteria: Criteria, members: ir.Table, claims: ir.Table) -> None:
        self.criteria = criteria
        self.as_of = criteria.as_of
        require, exclude = criteria.require, criteria.exclude
        self.table = members
        keep = self.flags(require, "req", on_roster=True)
        dropped = self.flags(exclude, "exc", on_roster=True)
        if dropped:
            keep.append(~ibis.or_(*dropped))
        candidates = members.filter(*keep) if keep else members
        longest = max(
            [YEAR_DAYS]
            + [r.lookback_days for r in self._code_rules()]
            + [d.within_days for d in (require.discharge, exclude.discharge) if d]
        )
        ids = candidates.select(_candidate="member_id")
        window = claims.filter(
            claims.service_to >= _days_before(self.as_of, longest),
            claims.service_from <= self.as_of,
        )
        self.claims = window.semi_join(ids, window.member_id == ids._candidate)
        measures = set(criteria.rank_measures)
        table = candidates
        joins = claim_measures(self.claims, self.as_of, measures)
        counted = "social_need_codes" in measures
        queries: list[CodeQuery] = []
        if require.social_needs_any or counted:
            social = require.social_needs_any or SOCIAL_NEED_DEFAULT
            queries.append(CodeQuery("sn", social, count=counted))
        for scope, rules in (("req", require), ("exc", exclude)):
            if rules.conditions_any:
                queries.append(CodeQuery(f"{scope}_cond", rules.conditions_any))
            if rules.social_needs_any and scope == "exc":
                queries.append(CodeQuery(f"{scope}_sn", rules.social_needs_any))
            if rules.discharge:
                d = rules.discharge
                joins.append(
                    latest_discharge(
                        self.claims, self.as_of, d.within_days, d.min_nights, f"{scope}_dis"
                    )
                )
        if queries:
            joins.append(code_matches(self.claims, queries, self.as_of))
        for other in joins:
            table = _left_join(table, other)
        self.table = table

    def _code_rules(self) -> list[CodeRule]:
        rules = [SOCIAL_NEED_DEFAULT]
        for r in (self.criteria.require, self.criteria.exclude):
            rules += [c for c in (r.conditions_any, r.social_needs_any) if c]
        return rules

    def flags(self, rules: Rules, scope: str, on_roster: bool) -> list[ir.BooleanValue]:
        """The rules' conditions: those on the roster, or those on claims."""
        t = self.table
        out: list[ir.BooleanValue] = []
        if not on_roster:
            if rules.conditions_any is not None:
                out.append(t[f"{scope}_cond_code"].notnull())
            if rules.social_needs_any is not None:
                out.append(t["sn_code" if scope == "req" else "exc_sn_code"].notnull())
            if rules.discharge is not None:
                out.append(t[f"{scope}_dis_date"].notnull())
            return [f.fill_null(False) for f in out]
        if rules.product is not None:
            out.append(t.product.isin(list(rules.product)))
        if rules.enrolled is not None:
            out.append(t.covering == (1 if rules.enrolled else 0))
        if rules.age is not None:
            out.append(_range_expr(t.age, rules.age))
        if rules.counties is not None or rules.zips is not None:
            places = []
            if rules.counties is not None:
                places.append(t.county.strip().isin(list(rules.counties)))
            if rules.zips is not None:
                places.append(t.zip.strip().substr(0, 5).isin(list(rules.zips)))
            out.append(ibis.or_(*places))
        if rules.risk_score is not None:
            out.append(_range_expr(t.risk_score, rules.risk_score))
        if rules.pcp_npi is not None:
            out.append(t.pcp_npi.strip().isin(list(rules.pcp_npi)))
        if rules.hospice is not None:
            out.append(t.hospice == rules.hospice)
        return [f.fill_null(False) for f in out]

    def eligible(self) -> ir.Table:
        keep = self.flags(self.criteria.require, "req", on_roster=False)
        excluded = self.flags(self.criteria.exclude, "exc", on_roster=False)
        if excluded:
            keep.append(~ibis.or_(*excluded))
        chosen = self.table.filter(*keep) if keep else self.table
        columns = set(chosen.columns)
        measures: dict[str, Any] = {
            c: chosen[c].fill_null(0)
            for c in ("ed_visits_12m", "inpatient_stays_12m", "allowed_12m_cents")
            if c in columns
        }
        if "last_discharge" in columns:
            days_since = ibis.literal(self.as_of).delta(chosen.last_discharge, unit="day")
            measures["days_since_discharge"] = days_since.cast("int64")
        if "sn_n" in columns:
            measures["social_need_codes"] = chosen.sn_n.fill_null(0)
        return chosen.mutate(**measures) if measures else chosen


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _nights(nights: int) -> str:
    return "1 night" if nights == 1 else f"{nights} nights"


def _cents(cents: int) -> str:
    return str(cents_to_decimal(cents))


def _range_reason(label: str, value: Any, bounds: Range) -> str:
    shown = _number(value)
    if bounds.min is not None and bounds.max is not None:
        return f"{label} {shown} in {_number(bounds.min)}..{_number(bounds.max)}"
    if bounds.min is not None:
        return f"{label} {shown}>={_number(bounds.min)}"
    return f"{label} {shown}<={_number(bounds.max or 0)}"


def reasons(row: dict[str, Any], rules: Rules) -> str:
    """Why the member qualifies, one phrase per rule in the order the criteria list them."""
    parts: list[str] = []
    for key in rules.order:
        if key == "product":
            parts.append(f"product {row['product']}")
        elif key == "enrolled":
            parts.append(
                f"enrolled since {row['enroll_start'].isoformat()}"
                if rules.enrolled
                else "not enrolled"
            )
        elif key == "age" and rules.age:
            parts.append(_range_reason("age", row["age"], rules.age))
        elif key == "geography":
            if rules.counties and (row["county"] or "").strip() in rules.counties:
                parts.append(f"county {row['county'].strip()}")
            else:
                parts.append(f"zip {(row['zip'] or '').strip()[:5]}")
        elif key == "conditions_any":
            parts.append(f"{row['req_cond_code']} {row['req_cond_date'].isoformat()}")
        elif key == "social_needs_any":
            parts.append(f"{row['sn_code']} {row['sn_date'].isoformat()}")
        elif key == "risk_score" and rules.risk_score:
            parts.append(_range_reason("risk", row["risk_score"], rules.risk_score))
        elif key == "pcp_npi":
            parts.append(f"pcp {row['pcp_npi'].strip()}")
        elif key == "discharge":
            parts.append(
                f"discharge {row['req_dis_date'].isoformat()} ({_nights(row['req_dis_nights'])})"
            )
        elif key == "hospice":
            parts.append("hospice" if rules.hospice else "not in hospice")
    return "; ".join(parts)


def order_members(rows: list[dict[str, Any]], keys: Sequence[RankKey]) -> list[dict[str, Any]]:
    """Sort by the rank keys; missing values go last whatever the direction."""
    ordered = list(rows)
    # stable sorts from the last key to the first give the combined order
    for key in reversed(keys):
        name = key.by
        if key.descending:

            def present_first(row: dict[str, Any], name: str = name) -> tuple[bool, Any]:
                return (row[name] is not None, row[name])

            ordered.sort(key=present_first, reverse=True)
        else:

            def missing_last(row: dict[str, Any], name: str = name) -> tuple[bool, Any]:
                return (row[name] is None, row[name])

            ordered.sort(key=missing_last)
    return ordered


def share(count: int, total: int) -> str | None:
    if total == 0:
        return None
    return str(round_to(Fraction(count, total), Decimal("0.0001")))


def equity_summary(
    rows: list[dict[str, Any]], selected_ids: set[str]
) -> dict[str, list[dict[str, Any]]]:
    """For each dimension, each value's count and share among the eligible and selected."""
    out: dict[str, list[dict[str, Any]]] = {}
    n_selected = len(selected_ids)
    for dimension in EQUITY_DIMENSIONS:
        eligible = Counter(
            (str(r[dimension]).strip() or BLANK) if r[dimension] is not None else BLANK
            for r in rows
        )
        selected = Counter(
            (str(r[dimension]).strip() or BLANK) if r[dimension] is not None else BLANK
            for r in rows
            if r["member_id"] in selected_ids
        )
        out[dimension] = [
            {
                "value": value,
                "eligible": eligible[value],
                "eligible_share": share(eligible[value], len(rows)),
                "selected": selected[value],
                "selected_share": share(selected[value], n_selected),
            }
            for value in sorted(eligible, key=lambda v: (-eligible[v], v))
        ]
    return out


def run_eligibility(
    ws: Workspace,
    roster: Extract,
    claims: Extract,
    criteria: Criteria,
    steps: Steps | None = None,
) -> EligibilityResult:
    """The ranked list and equity summary; `steps` hears of the stages (reading,
    applying criteria, ranking) as they start."""
    steps = steps or _Quiet()
    steps.stage("reading", 2)
    roster_table = ws.load(roster, ROSTER_COLUMNS)
    steps.advance()
    claims_table = ws.load(claims, CLAIM_COLUMNS)
    steps.advance()
    steps.stage("applying criteria", 1)
    members = current_members(roster_table, criteria.as_of)
    plan = _Plan(criteria, members, claims_table)
    eligible = plan.eligible()
    optional: tuple[str, ...] = ("covering", "age", "ed_visits_12m", "inpatient_stays_12m")
    optional += (
        "allowed_12m_cents",
        "days_since_discharge",
        "social_need_codes",
        "sn_code",
        "sn_date",
    )
    wanted = [
        *ROSTER_COLUMNS,
        *[c for c in optional if c in eligible.columns],
        *[c for c in eligible.columns if c.startswith(("req_cond_", "req_dis_"))],
    ]
    rows = ws.con.to_pyarrow(eligible.select(*wanted)).to_pylist()
    members_read = int(ws.con.execute(roster_table.member_id.nunique()))
    steps.advance()
    steps.stage("ranking", len(rows))
    for row in rows:
        row["allowed_12m"] = row.pop("allowed_12m_cents", None)
    ordered = order_members(rows, criteria.order_keys)
    cap = criteria.cap
    ranked: list[RankedMember] = []
    for index, row in enumerate(ordered, start=1):
        measures = {m: row[m] for m in criteria.rank_measures}
        if "allowed_12m" in measures:
            measures["allowed_12m"] = _cents(measures["allowed_12m"])
        ranked.append(
            RankedMember(
                member_id=row["member_id"],
                rank=index,
                selected=cap is None or index <= cap,
                reasons=reasons(row, criteria.require),
                measures=measures,
            )
        )
        if index % STEP_MEMBERS == 0:
            steps.advance(STEP_MEMBERS)
    steps.advance(len(ordered) % STEP_MEMBERS)
    selected_ids = {m.member_id for m in ranked if m.selected}
    return EligibilityResult(criteria, members_read, ranked, equity_summary(ordered, selected_ids))
