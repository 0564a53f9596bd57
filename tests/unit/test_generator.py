"""The synthetic payer extract generator: format, determinism, bad input, plausibility."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import simple_icd_10_cm as cm

from carehub.cli import main as carehub
from carehub.commands.generate import main as generate_main
from carehub.demo import distributions as D
from carehub.demo import generator as gen
from carehub.demo.generator import writing
from carehub.demo.geography import county_names
from carehub.demo.identifiers import is_valid_npi
from carehub.demo.network_data import SERVICE_TYPE_SLUGS, demo_network

AS_OF = date(2026, 10, 31)

EXPECTED_COLUMNS = {
    "roster": [
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
        ("phone", pa.string()),
        ("phone_alt", pa.string()),
        ("email", pa.string()),
        ("product", pa.string()),
        ("pcp_npi", pa.string()),
        ("risk_score", pa.decimal128(6, 3)),
        ("enroll_start", pa.date32()),
        ("enroll_end", pa.date32()),
        ("hospice", pa.bool_()),
    ],
    "claims": [
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
    ],
    "screenings": [
        ("member_id", pa.string()),
        ("date", pa.date32()),
        ("instrument", pa.string()),
        ("item", pa.string()),
        ("answer", pa.string()),
    ],
}


def run(*args: str) -> int:
    return generate_main(list(args))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "small"
    assert run("--members", "500", "--seed", "3", "--out", str(out), "--quiet") == 0
    return out


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """20,000 members, loaded into DuckDB for the plausibility checks."""
    out = tmp_path_factory.mktemp("gen") / "large"
    assert run("--members", "20000", "--seed", "11", "--out", str(out), "--quiet") == 0
    con = duckdb.connect()
    for name in ("roster", "claims", "screenings"):
        con.execute(f"create view {name} as select * from '{out}/{name}.parquet'")
    start = gen.claims_window(AS_OF, 12)[0]
    con.execute(
        f"""
        create table members as
        select member_id, any_value(product) as product,
               date_diff('year', any_value(birth_date), date '{AS_OF}')
                 - (strftime(any_value(birth_date), '%m%d') > '{AS_OF:%m%d}')::int as age,
               sum(greatest(0, date_diff('day', greatest(enroll_start, date '{start}'),
                   coalesce(enroll_end, date '{AS_OF}')) + 1)) / 365.25 as years
        from roster group by member_id
        """
    )
    con.execute(
        """
        create table member_dx as
        select distinct member_id, unnest(string_split(diagnosis_codes, ';')) as code
        from (select distinct member_id, diagnosis_codes from claims)
        """
    )
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    rows = con.sql(sql).fetchall()
    assert len(rows) == 1
    return rows[0][0]


# --- format ------------------------------------------------------------------------------


def test_writes_the_population_md_columns_and_types(small: Path) -> None:
    for name, columns in EXPECTED_COLUMNS.items():
        schema = pq.read_schema(small / f"{name}.parquet")
        assert [(f.name, f.type) for f in schema] == columns, name


def test_manifest_counts_rows_and_records_the_options(small: Path) -> None:
    manifest = json.loads((small / "manifest.json").read_text())
    assert manifest["seed"] == 3
    assert manifest["members"] == 500
    assert manifest["generator_version"] == gen.GENERATOR_VERSION
    assert manifest["claims_window"] == {"start": "2025-11-01", "end": "2026-10-31"}
    for name in ("roster", "claims", "screenings"):
        assert manifest["row_counts"][name] == pq.read_metadata(small / f"{name}.parquet").num_rows
    roster = pq.read_table(small / "roster.parquet")
    assert len(set(roster["member_id"].to_pylist())) == 500


def test_csv_has_the_same_columns_iso_dates_and_empty_open_end(tmp_path: Path) -> None:
    out = tmp_path / "csv"
    assert run("--members", "300", "--seed", "3", "--out", str(out), "--format", "csv") == 0
    with (out / "roster.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [c for c, _ in EXPECTED_COLUMNS["roster"]]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["birth_date"]) for r in rows)
    assert any(r["enroll_end"] == "" for r in rows)
    assert {r["hospice"] for r in rows} <= {"true", "false"}
    with (out / "claims.csv").open(newline="") as fh:
        claims = list(csv.DictReader(fh))
    assert list(claims[0]) == [c for c, _ in EXPECTED_COLUMNS["claims"]]
    assert all(re.fullmatch(r"\d+\.\d{2}", c["allowed_amount"]) for c in claims)
    with (out / "screenings.csv").open(newline="") as fh:
        header = next(csv.reader(fh))
    assert header == [c for c, _ in EXPECTED_COLUMNS["screenings"]]


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        assert run("--members", "400", "--seed", seed, "--out", str(tmp_path / name)) == 0
    for f in ("roster.parquet", "claims.parquet", "screenings.parquet", "network.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert (tmp_path / "a" / "claims.parquet").read_bytes() != (
        tmp_path / "c" / "claims.parquet"
    ).read_bytes()


def test_contact_columns_are_fictional_valid_and_the_same_for_every_span(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run("--members", "400", "--seed", "5", "--format", "csv",
                   "--out", str(tmp_path / name)) == 0
    # Same seed, same bytes, in CSV as in Parquet (the test above).
    assert (tmp_path / "a" / "roster.csv").read_bytes() == (tmp_path / "b" / "roster.csv").read_bytes()
    with (tmp_path / "a" / "roster.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    areas = {"Erie, NY": {"716"}, "Niagara, NY": {"716"}, "Monroe, NY": {"585"},
             "Onondaga, NY": {"315"}, "Kings, NY": {"718", "347", "929"},
             "Bronx, NY": {"718", "347", "929"}}
    by_member: dict[str, set[tuple[str, str, str]]] = {}
    for row in rows:
        by_member.setdefault(row["member_id"], set()).add(
            (row["phone"], row["phone_alt"], row["email"]))
        for column in ("phone", "phone_alt"):
            if row[column]:
                # 10 digits in the county's area code and the 555-0100..0199 fiction range.
                assert re.fullmatch(r"\d{3}55501\d{2}", row[column]), row[column]
                assert row[column][:3] in areas[row["county"]], row
        if row["phone_alt"]:
            assert row["phone"], row
        if row["email"]:
            assert re.fullmatch(r"[a-z]+\.[a-z]+\d{2}@example\.(com|org|net)", row["email"]), row
    assert all(len(values) == 1 for values in by_member.values())
    members = len(by_member)
    with_phone = sum(1 for v in by_member.values() if next(iter(v))[0])
    with_email = sum(1 for v in by_member.values() if next(iter(v))[2])
    assert 0.85 * members < with_phone < members
    assert 0.2 * members < with_email < 0.7 * members


def test_chunked_output_matches_chunk_by_chunk_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Members past the first chunk come from their own stream: generating 2 chunks gives
    # the same first chunk as generating 1.
    monkeypatch.setattr(writing, "CHUNK_MEMBERS", 150)
    assert run("--members", "150", "--seed", "9", "--out", str(tmp_path / "one")) == 0
    assert run("--members", "300", "--seed", "9", "--out", str(tmp_path / "two")) == 0
    one_ = pq.read_table(tmp_path / "one" / "claims.parquet")
    two = pq.read_table(tmp_path / "two" / "claims.parquet")
    assert two.slice(0, one_.num_rows).equals(one_)
    assert two.num_rows > one_.num_rows


def test_carehub_entry_point_runs_generate(tmp_path: Path) -> None:
    out = tmp_path / "via-cli"
    assert carehub(["generate", "--members", "50", "--seed", "1", "--out", str(out)]) == 0
    assert (out / "claims.parquet").exists()


# --- bad input -----------------------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--members", "0"], "--members must be a positive whole number, got 0"),
        (["--members", "-4"], "--members must be a positive whole number, got -4"),
        (["--members", "10", "--format", "xlsx"], "unknown --format 'xlsx'; use parquet or csv"),
        (["--members", "ten"], "argument --members: invalid int value: 'ten'"),
        (["--members", "10", "--months", "2"], "--months must be between 6 and 60, got 2"),
        (["--members", "10", "--as-of", "31/10/2026"], "--as-of must be a date YYYY-MM-DD"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "out"
    assert run(*args, "--seed", "1", "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("carehub generate: error: ")
    assert message in err
    assert leftovers(tmp_path) == []


def test_unwritable_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert run("--members", "10", "--seed", "1", "--out", str(blocker / "out")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"cannot write to folder {blocker}" in err
    assert leftovers(tmp_path) == ["a-file"]


def test_non_empty_folder_is_refused_unless_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    assert run("--members", "10", "--seed", "1", "--out", str(out)) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert leftovers(out) == ["keep.txt"]
    assert run("--members", "10", "--seed", "1", "--out", str(out), "--overwrite") == 0
    assert "keep.txt" not in leftovers(out)
    assert leftovers(tmp_path) == ["out"]


def test_failure_midway_leaves_no_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = gen.make_claims
    calls = {"n": 0}

    def failing(*args: Any, **kwargs: Any) -> pa.Table:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(writing, "CHUNK_MEMBERS", 50)
    monkeypatch.setattr(writing, "make_claims", failing)
    with pytest.raises(OSError, match="disk full"):
        gen.generate(gen.GenerateOptions(members=200, seed=1), tmp_path / "out")
    assert leftovers(tmp_path) == []


# --- content ------------------------------------------------------------------------------


def test_every_diagnosis_code_is_billable_icd10cm(small: Path) -> None:
    for code in gen.DX_CODES:  # everything the generator can ever write
        assert cm.is_valid_item(code) and cm.is_leaf(code), code
    claims = pq.read_table(small / "claims.parquet", columns=["diagnosis_codes"])
    written = {c for v in set(claims["diagnosis_codes"].to_pylist()) for c in v.split(";")}
    assert written <= set(gen.DX_CODES)
    assert "Z59.4" not in written


def test_pcp_and_network_npis_carry_valid_check_digits(small: Path) -> None:
    npis = set(pq.read_table(small / "roster.parquet")["pcp_npi"].to_pylist())
    assert npis and all(is_valid_npi(n) and n.startswith("1") for n in npis)
    assert is_valid_npi("1234567893")  # the CMS worked example
    assert not is_valid_npi("1234567890")


def test_money_has_cents_and_paid_never_exceeds_allowed(small: Path) -> None:
    claims = pq.read_table(small / "claims.parquet").to_pylist()
    for row in claims[:2000]:
        allowed, paid = row["allowed_amount"], row["paid_amount"]
        assert isinstance(allowed, Decimal) and allowed.as_tuple().exponent == -2
        assert Decimal("0.00") <= paid <= allowed


def test_claims_fall_in_the_window_and_in_enrolment(small: Path) -> None:
    con = duckdb.connect()
    roster = f"'{small}/roster.parquet'"
    claims = f"'{small}/claims.parquet'"
    assert one(con, f"select min(service_from) from {claims}") >= date(2025, 11, 1)
    assert one(con, f"select max(service_to) from {claims}") <= AS_OF
    outside = one(
        con,
        f"""
        select count(*) from {claims} c where not exists (
          select 1 from {roster} r where r.member_id = c.member_id
            and c.service_from between r.enroll_start and coalesce(r.enroll_end, date '{AS_OF}'))
        """,
    )
    assert outside == 0


def test_some_members_have_two_spans_with_a_gap(small: Path) -> None:
    spans = duckdb.sql(
        f"""
        select member_id, list(enroll_start order by enroll_start) s,
               list(enroll_end order by enroll_start) e
        from '{small}/roster.parquet' group by 1 having count(*) = 2
        """
    ).fetchall()
    assert spans
    for _, starts, ends in spans:
        assert ends[0] is not None and starts[1] > ends[0] + timedelta(days=1)
        assert ends[1] is None


def test_ages_follow_the_product(large: duckdb.DuckDBPyConnection) -> None:
    share = dict(
        large.sql("select product, avg((age >= 65)::int) from members group by 1").fetchall()
    )
    children = dict(
        large.sql("select product, avg((age < 18)::int) from members group by 1").fetchall()
    )
    assert share["medicare_advantage"] > 0.8
    assert children["medicaid"] > 0.3
    assert children["medicare_advantage"] == 0
    assert share["commercial"] < 0.05


def test_condition_prevalence_matches_targets(large: duckdb.DuckDBPyConnection) -> None:
    prefixes = {
        "diabetes": "E11",
        "heart_failure": "I50",
        "copd": "J44",
        "hypertension": "I10",
        "ckd": "N18",
        "hyperlipidemia": "E78",
    }
    for slug, prefix in prefixes.items():
        target = next(c for c in D.CONDITIONS if c.slug == slug).prevalence
        measured = dict(
            large.sql(
                f"""
                select m.product, avg((d.member_id is not null)::int)
                from members m left join (select distinct member_id from member_dx
                                          where code like '{prefix}%') d using (member_id)
                group by 1
                """
            ).fetchall()
        )
        for p, product in enumerate(D.PRODUCTS):
            members = one(large, f"select count(*) from members where product = '{product}'")
            expected = target[p]
            # 4 binomial standard errors, plus 1 point for the age-mix rounding.
            tolerance = 4 * (expected * (1 - expected) / members) ** 0.5 + 0.01
            assert abs(measured[product] - expected) < tolerance, (slug, product)


def test_use_and_cost_per_member_year_match_targets(large: duckdb.DuckDBPyConnection) -> None:
    rows = large.sql(
        """
        with c as (select member_id,
                 count(distinct case when setting = 'ed' then claim_id end) ed,
                 count(distinct case when setting = 'inpatient' then claim_id end) ip,
                 sum(allowed_amount) allowed
               from claims group by 1)
        select m.product, sum(coalesce(ed, 0)) * 1000 / sum(years),
               sum(coalesce(ip, 0)) * 1000 / sum(years),
               sum(coalesce(allowed, 0)) / (sum(years) * 12)
        from members m left join c using (member_id) group by 1
        """
    ).fetchall()
    for product, ed, ip, pmpm in rows:
        p = D.PRODUCTS.index(product)
        loose = product in ("dsnp", "commercial")  # few members or few events at N=20,000
        tol = 0.25 if loose else 0.12
        assert abs(ed / D.ED_PER_1000[p] - 1) < tol, (product, ed)
        assert abs(ip / D.IP_PER_1000[p] - 1) < (0.35 if loose else 0.15), (product, ip)
        assert abs(float(pmpm) / D.ALLOWED_PMPM[p] - 1) < (0.3 if loose else 0.15), (
            product,
            pmpm,
        )


def test_inpatient_stays_span_nights_and_some_end_in_the_last_14_days(
    large: duckdb.DuckDBPyConnection,
) -> None:
    stays = large.sql(
        """
        select any_value(service_from) f, any_value(service_to) t from claims
        where setting = 'inpatient' group by claim_id
        """
    ).fetchall()
    assert all(t >= f for f, t in stays)
    assert sum((t - f).days >= 1 for f, t in stays) / len(stays) > 0.85
    recent = [t for _, t in stays if (AS_OF - t).days <= 14]
    assert len(recent) >= 10


def test_screening_answers_agree_with_z_codes(large: duckdb.DuckDBPyConnection) -> None:
    food_answers = large.sql(
        """
        select s.answer, count(*) from screenings s
        where s.item in ('88122-7', '88123-5')
          and s.member_id in (select member_id from member_dx where code = 'Z59.41')
        group by 1
        """
    ).fetchall()
    assert food_answers and {a for a, _ in food_answers} <= {"LA28397-0", "LA6729-3"}
    transport = large.sql(
        """
        select distinct s.answer from screenings s
        where s.item = '93030-5'
          and s.member_id in (select member_id from member_dx where code = 'Z59.82')
        """
    ).fetchall()
    assert transport and {a for (a,) in transport} <= {"LA33-6", "LA30133-5", "LA30134-3"}
    instruments = {i for (i,) in large.sql("select distinct instrument from screenings").fetchall()}
    assert instruments == {"ahc-hrsn", "prapare", "hvs"}


# --- network -----------------------------------------------------------------------------


def test_network_has_a_payer_a_hub_and_nine_cbos_in_generator_counties(small: Path) -> None:
    network = json.loads((small / "network.json").read_text())
    assert network == json.loads(json.dumps(demo_network(3)))
    assert network["payer"]["kind"] == "payer" and network["hub"]["kind"] == "hub"
    cbos = network["cbos"]
    assert len(cbos) == 9
    assert network["hub"]["network"]["cbos"] == [c["id"] for c in cbos]
    assert [s["slug"] for s in network["service_types"]] == list(SERVICE_TYPE_SLUGS)
    assert len(SERVICE_TYPE_SLUGS) == 13
    orgs = [network["payer"], network["hub"], *cbos]
    assert len({o["npi"] for o in orgs}) == len(orgs)
    counties_served = set()
    for org in orgs:
        assert is_valid_npi(org["npi"]) and org["npi"].startswith("2")
        assert re.fullmatch(r"\d{2}-\d{7}", org["tin"])
    for cbo in cbos:
        assert re.fullmatch(r"\d{8}", cbo["medicaid_provider_id"])
        assert {s["service_type"] for s in cbo["services"]} <= set(SERVICE_TYPE_SLUGS)
        assert set(cbo["coverage"]["counties"]) <= set(county_names())
        assert all(site["county"] in cbo["coverage"]["counties"] for site in cbo["sites"])
        assert cbo["capacity"]["members_per_month"] > 0 and cbo["languages"]
        counties_served |= {site["county"] for site in cbo["sites"]}
    assert len(counties_served) >= 4
    offered = {s["service_type"] for c in cbos for s in c["services"]}
    assert offered == set(SERVICE_TYPE_SLUGS)
