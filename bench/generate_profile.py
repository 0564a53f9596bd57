"""Measure what the synthetic generator produces against its targets.

    .venv/bin/python bench/generate_profile.py [--members 100000] [--seed 7]

Generates into a temporary folder and prints, by product: age mix, mean risk score,
member-years, claim lines per member-year, ED visits and inpatient stays per 1,000
member-years, allowed PMPM, and the share of members with each condition and Z code in
the claims window; then race, ethnicity and language by county. These are the
"generated" columns of the tables in docs/data/synthetic.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb

from carehub.demo import distributions as D
from carehub.demo.generator import GenerateOptions, claims_window, generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    options = GenerateOptions(members=args.members, seed=args.seed)
    start, end = claims_window(options.as_of, options.months)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "extract"
        generate(options, out)
        con = duckdb.connect()
        con.execute(f"create view roster as select * from '{out}/roster.parquet'")
        con.execute(f"create view claims as select * from '{out}/claims.parquet'")
        con.execute(f"create view screenings as select * from '{out}/screenings.parquet'")
        con.execute(
            f"""
            create table members as
            select member_id, any_value(product) product, any_value(county) county,
                   any_value(race) race, any_value(ethnicity) ethnicity,
                   any_value(language) language, any_value(risk_score) as risk,
                   date_diff('year', any_value(birth_date), date '{end}')
                     - (strftime(any_value(birth_date), '%m%d') > '{end:%m%d}')::int age,
                   sum(greatest(0, date_diff('day',
                       greatest(enroll_start, date '{start}'),
                       least(coalesce(enroll_end, date '{end}'), date '{end}')) + 1)) as days
            from roster group by member_id
            """
        )
        print(f"members {args.members:,}, seed {args.seed}, window {start}..{end}\n")
        print(
            con.sql(
                """
                with c as (
                  select m.product,
                         count(*) lines,
                         count(distinct case when setting = 'ed' then claim_id end) ed,
                         count(distinct case when setting = 'inpatient' then claim_id end) ip,
                         sum(allowed_amount) allowed
                  from claims join members m using (member_id) group by 1),
                p as (
                  select product, count(*) members, sum(days) / 365.25 my,
                         avg(risk) risk, avg((age < 18)::int) under18,
                         avg((age >= 65)::int) over65
                  from members group by 1)
                select product, members, round(my) member_years,
                       round(under18, 3) under18, round(over65, 3) over65,
                       round(risk, 3) mean_risk,
                       round(lines / my, 1) lines_per_my,
                       round(ed * 1000 / my) as ed_per_1000, round(ip * 1000 / my) ip_per_1000,
                       round(allowed / (my * 12), 0) allowed_pmpm
                from p join c using (product) order by product
                """
            )
            .df()
            .to_string(index=False)
        )
        print(
            con.sql(
                """
                select count(*) / (select sum(days) / 365.25 from members) lines_per_my_all
                from claims
                """
            )
        )
        prefixes: dict[str, list[str]] = {
            "diabetes": ["E11"],
            "heart_failure": ["I50"],
            "copd": ["J44"],
            "hypertension": ["I10"],
            "ckd": ["N18"],
            "depression": ["F32", "F33"],
            "substance_use": ["F10", "F11", "F12", "F14"],
            "asthma": ["J45"],
            "hyperlipidemia": ["E78"],
            "serious_mental_illness": ["F20", "F31"],
            "obesity": ["E66"],
            "z_food": ["Z59.4"],
            "z_housing": ["Z59.0", "Z59.81"],
            "z_transportation": ["Z59.82"],
            "z_utilities": ["Z59.861", "Z59.12"],
            "z_any_z59": ["Z59"],
        }
        cols = []
        for name, codes in prefixes.items():
            cond = " or ".join(f"list_has_any_prefix(dx, '{p}')" for p in codes)
            cols.append(f"round(avg(({cond})::int), 3) as {name}")
        con.create_function(
            "list_has_any_prefix",
            lambda codes, prefix: any(c.startswith(prefix) for c in codes),
            ["VARCHAR[]", "VARCHAR"],
            "BOOLEAN",
        )
        print(
            con.sql(
                f"""
                with dx as (
                  select member_id, list(distinct code) dx from (
                    select member_id, unnest(string_split(diagnosis_codes, ';')) code
                    from (select distinct member_id, diagnosis_codes from claims))
                  group by 1)
                select m.product, {", ".join(cols)}
                from members m left join dx using (member_id)
                group by 1 order by 1
                """
            )
            .df()
            .set_index("product")
            .T.to_string()
        )
        print(
            con.sql(
                """
                select product, round(avg(s)::double, 3) screened from (
                  select m.product, (m.member_id in (select member_id from screenings))::int s
                  from members m) group by 1 order by 1
                """
            )
        )
        for column in ("race", "ethnicity", "language"):
            print(
                con.sql(
                    f"""
                    pivot (select county, {column}, count(*) n from members group by all)
                    on county using sum(n)
                    """
                )
                .df()
                .set_index(column)
                .pipe(lambda d: (d / d.sum()).round(3))
                .to_string()
            )
    _ = D  # targets live in distributions.py; the doc tabulates them side by side


if __name__ == "__main__":
    main()
