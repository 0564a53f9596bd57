"""A 100,000-row inbound member list through the file exchange on PostgreSQL.

    .venv/bin/python bench/exchange_members.py [--rows 100000]
        [--host postgresql://postgres@127.0.0.1:5432] [--db carehub_bench_exchange]

On a fresh database (dropped and made again): a plan, a hub, a contract in effect and
its monthly member list data set (drop folder, CSV). A roster of `--rows` rows is put in
the data set's in/ folder and one `exchange run` pass is timed as the worker runs it:
the file is found, checksummed and recorded, the import job (`exchange.inbound`) checks
every row, saves the members and enrolment spans in chunks under the plan's tenant role
and row-level security, and the receipt is written with the file moved to done/. Then the
same file is delivered again (a duplicate: nothing changes) and a copy with one bad cell
on its last row (refused whole), each timed. Target: the first pass under 60 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from postgres_setup import django_on  # noqa: E402  (beside this script)

COUNTIES = ["Erie, NY", "Niagara, NY", "Chautauqua, NY", "Cattaraugus, NY"]
PRODUCTS = ["medicaid", "medicare_advantage", "dsnp"]
HEADER = ["member_id", "first_name", "last_name", "birth_date", "sex", "product",
          "enroll_start", "county", "state", "zip", "language", "phone"]


def write_roster(path: Path, rows: int, *, bad_last: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            birth = f"19{40 + i % 50:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            if bad_last and i == rows - 1:
                birth = "31/12/1950"
            writer.writerow([f"B{i:08d}", f"First{i}", f"Last{i % 9973}", birth,
                             "FM"[i % 2], PRODUCTS[i % 3], "2026-01-01", COUNTIES[i % 4], "NY",
                             f"14{i % 900 + 100:03d}", "English", ""])
    old = time.time() - 60
    os.utime(path, (old, old))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="carehub_bench_exchange")
    parser.add_argument("--var", default="/tmp/carehub-bench-exchange")
    args = parser.parse_args()
    shutil.rmtree(args.var, ignore_errors=True)
    os.environ["CAREHUB_VAR"] = args.var
    django_on(args.host, args.db, reuse=False)

    from django_scopes import scopes_disabled

    from carehub.contracts.models import Contract, ContractParty
    from carehub.contracts.services import sync_parties
    from carehub.exchange.models import DataSet, Delivery
    from carehub.exchange.services import folders, run_exchange, save_data_set
    from carehub.members.models import EnrolmentSpan, Member
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Organisation

    with scopes_disabled():
        plan = Organisation.objects.create(kind="payer", name="Bench Plan", legal_name="B",
                                           slug="bench-plan")
        hub = Organisation.objects.create(kind="hub", name="Bench Hub", legal_name="B",
                                          slug="bench-hub")
        contract = Contract.objects.create(code="BENCH-FILES", name="bench", payer=plan,
                                           provider=hub, stage="implementation",
                                           baa_required=False, starts=date(2026, 1, 1))
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
        data_set = save_data_set(DataSet(
            contract=contract, name="Monthly roster", kind="member_list", format="csv",
            cadence="monthly", due_days=5, starts=date(2026, 1, 1), transport="folder",
            counterparty=plan), acting=Acting.system(hub, role="hub_admin"))
    inbox = folders.ensure(data_set) / "in"
    source = Path(args.var) / f"roster-{args.rows}.csv"
    t0 = time.perf_counter()
    write_roster(source, args.rows)
    print(f"roster: {args.rows:,} rows, {source.stat().st_size / 1e6:.1f} MB, written in "
          f"{time.perf_counter() - t0:.1f} s")

    def deliver(path: Path, name: str) -> float:
        shutil.copy(path, inbox / name)
        old = time.time() - 60
        os.utime(inbox / name, (old, old))
        started = time.perf_counter()
        lines = run_exchange(settle=0)
        took = time.perf_counter() - started
        for line in lines:
            print(f"  {str(line).splitlines()[0]}")
        return took

    first = deliver(source, "roster.csv")
    with scopes_disabled():
        members = Member.objects.filter(plan=plan).count()
        spans = EnrolmentSpan.objects.filter(member__plan=plan).count()
    print(f"first delivery: {first:.1f} s ({args.rows / first:,.0f} rows/s); {members:,} "
          f"members, {spans:,} enrolment spans; target < 60 s: "
          f"{'met' if first < 60 else 'NOT met'}")
    again = deliver(source, "roster-again.csv")
    print(f"the same file again (duplicate): {again:.2f} s")
    bad = Path(args.var) / "roster-bad.csv"
    write_roster(bad, args.rows, bad_last=True)
    refused = deliver(bad, "roster-bad.csv")
    with scopes_disabled():
        assert Member.objects.filter(plan=plan).count() == members
        statuses = list(Delivery.objects.order_by("pk").values_list("status", flat=True))
    print(f"a file with one bad cell on its last row (refused whole): {refused:.1f} s")
    print(f"deliveries: {statuses}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
