"""A claims month of member-level billing end to end: building the bill lines with every
edit, issuing the statement, writing the 837P files and checking them with pyx12.

    .venv/bin/python bench/billing_month.py [--lines 100000] [--members-per-line 0.2]
        [--postgres postgresql://postgres@127.0.0.1:5432] [--keep]

For each size in `--lines` (e.g. `--lines 20000,50000,100000`) a child process gets a
fresh database (SQLite: a copy of a database migrated once at the start; PostgreSQL:
`carehub_bench_month` dropped, created and migrated) and seeds it with bulk_create: one
plan, one hub (directory site with a phone), 5 CBOs (three with an NPI, two atypical with
a Medicaid id; each a directory site with a ZIP+4), a contract in effect whose terms bill
home-delivered meals (S5170-U1) and housing navigation (H0043-U6) as fee-for-service
`billing: claims`, a hub fee schedule, lines/5 members (enrolled, with an address), one
referral each, and the lines as ServiceDelivery rows on distinct days of last month
(five a member). Then times, as the hub's administrator:

1. `build_lines` with the edits, as the job body run inline (`billing.build_lines`);
2. `issue_statement` for the month;
3. `submit_month` as the job body run inline (`billing.submit_month`): 837P files of at
   most CAREHUB_837_CLAIMS_PER_FILE claims, checked with pyx12 in parallel processes;

printing each stage's seconds, the process's peak RSS after it (ru_maxrss), and the
total. Seeding is not timed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess  # nosec B404 - runs this script again, one size a process
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

CBOS = 5
TERMS = """\
contract: BENCH-MONTH
payer: bench-plan
provider: bench-hub
effective: 2025-01-01
ends: 2030-12-31
billing: claims
services:
  - code: HDM
    name: Home-delivered meal
    unit: meal
    rate: "7.35"
    hcpcs: S5170
    modifiers: [U1]
  - code: NAV
    name: Housing navigation
    unit: visit
    rate: "40.00"
    hcpcs: H0043
    modifiers: [U6]
components:
  - id: meals
    type: fee_for_service
    label: Meals and navigation
    mlr: medical
    services: [HDM, NAV]
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", default="100000", help="sizes, comma separated")
    parser.add_argument("--postgres", default="", help="server URL; SQLite when absent")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite files")
    parser.add_argument("--profile", action="store_true",
                        help="profile each stage (cProfile, top functions by cumulative time)")
    parser.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--db", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args)
    sizes = [int(size) for size in args.lines.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="carehub-bench-month-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "DJANGO_SETTINGS_MODULE": "carehub.settings",
           "CAREHUB_VAR": str(folder / "var")}
    template = folder / "migrated.sqlite3"
    if not args.postgres:
        t0 = time.perf_counter()
        run([sys.executable, "-m", "carehub.cli", "migrate", "--no-input", "-v", "0"],
            {**env, "DATABASE_URL": f"sqlite:///{template}"})
        print(f"migrate (SQLite, once): {time.perf_counter() - t0:.1f} s", flush=True)
    for size in sizes:
        print(f"=== {size:,} lines, load {os.getloadavg()[0]:.2f} ===", flush=True)
        if args.postgres:
            db = args.postgres
        else:
            path = folder / f"month-{size}.sqlite3"
            shutil.copyfile(template, path)
            db = f"sqlite:///{path}"
        run([sys.executable, __file__, "--one", str(size), "--db", db,
             *(["--profile"] if args.profile else [])], env)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, check=False)  # nosec B603 - our own script
    if done.returncode:
        raise SystemExit(done.returncode)


def rss() -> str:
    # The pyx12 processes are spawned (fork + exec): their ru_maxrss counts the parent's
    # pages before the exec, so only this process's own peak is shown.
    return f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"


def one(args: argparse.Namespace) -> int:
    if args.db.startswith("sqlite"):
        os.environ["DATABASE_URL"] = args.db
        import django

        django.setup()
    else:
        from postgres_setup import django_on

        django_on(args.db, "carehub_bench_month", reuse=False)
    t0 = time.perf_counter()
    contract, acting, period = seed(args.one)
    print(f"seed: {time.perf_counter() - t0:.1f} s ({rss()})", flush=True)
    measure(contract, acting, period, profile=args.profile)
    return 0


def last_month() -> tuple[str, date]:
    first = date.today().replace(day=1) - timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}", first.replace(day=1)


def seed(lines: int):  # type: ignore[no-untyped-def]  # noqa: PLR0915 - one linear seed
    import json
    from datetime import UTC, datetime
    from decimal import Decimal

    import yaml
    from django.db import transaction
    from django_scopes import scopes_disabled

    from carehub.accounts.models import User
    from carehub.billing.models import ContractBilling, FeeSchedule, FeeScheduleRow
    from carehub.contracts.models import Contract, ContractParty, TermsVersion
    from carehub.contracts.services import sync_parties
    from carehub.members.models import EnrolmentSpan, Member
    from carehub.network.models import Location
    from carehub.referrals.models import Referral, ServiceDelivery
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation

    period, first = last_month()
    members = max(1, lines // 5)
    chunk = 5000
    with scopes_disabled(), transaction.atomic():
        plan = Organisation.objects.create(kind="payer", name="Bench Plan", legal_name="Bench Plan",
                                           slug="bench-plan", tin="111111111")
        hub = Organisation.objects.create(kind="hub", name="Bench Hub", legal_name="Bench Hub",
                                          slug="bench-hub", npi="1245319599", tin="987654321")
        network = Network.objects.create(hub=hub, name="bench", admin_fee_percent="10.00")
        cbos = []
        for i in range(CBOS):
            atypical = i >= 3
            cbo = Organisation.objects.create(
                kind="cbo", name=f"Bench CBO {i}", legal_name=f"Bench CBO {i}",
                slug=f"bench-cbo-{i}", tin=f"12345678{i}",
                npi="" if atypical else "1234567893", medicaid_id=f"MCD-{i}" if atypical else "")
            NetworkMember.objects.create(network=network, cbo=cbo, status="accepted")
            cbos.append(cbo)
        for org, street in ((hub, "10 Hub Plaza"), *((c, f"{i} Pantry Lane")
                                                     for i, c in enumerate(cbos, start=1))):
            Location.objects.create(organisation=org, name=f"{org.name} office",
                                    address_1=street, city="Buffalo", state_province="NY",
                                    postal_code="14201-1234", phone="716-555-0100")
        user = User.objects.create(username="bench-hub-admin", password="!")
        membership = Membership.objects.create(user=user, organisation=hub, role="hub_admin")
        contract = Contract.objects.create(code="BENCH-MONTH", name="bench", payer=plan,
                                           provider=hub, stage="implementation",
                                           baa_signed_on=date(2025, 1, 1))
        contract.delivering_cbos.set(cbos)
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
        document = json.loads(json.dumps(yaml.safe_load(TERMS), default=str))
        TermsVersion.objects.create(contract=contract, version=1, effective=date(2025, 1, 1),
                                    document=document, source_text=TERMS)
        fee = FeeSchedule.objects.create(owner=hub, name="bench fees")
        FeeScheduleRow.objects.create(
            schedule=fee, position=1, service="Home-delivered meal", code="S5170",
            modifiers="U1", unit="meal", rate=Decimal("7.35"), effective=date(2025, 1, 1),
            per_day=3, verification="verified", source="hub contract")
        FeeScheduleRow.objects.create(
            schedule=fee, position=2, service="Housing navigation", code="H0043",
            modifiers="U6", unit="visit", rate=Decimal("40.00"), effective=date(2025, 1, 1),
            verification="verified", source="hub contract")
        ContractBilling.objects.create(contract=contract, fee_schedule=fee)

        for at in range(0, members, chunk):
            made = Member.objects.bulk_create([Member(
                plan=plan, member_id=f"BM{m:08d}", first_name="Ann", last_name=f"Member{m}",
                birth_date=date(1950, 1, 1) + timedelta(days=m % 9000), sex="FM"[m % 2],
                product="medicaid", address=f"{m} Main St", city="Buffalo", state="NY",
                zip="14201") for m in range(at, min(members, at + chunk))])
            EnrolmentSpan.objects.bulk_create([EnrolmentSpan(member=m, start=date(2025, 1, 1))
                                               for m in made])
            referrals = Referral.objects.bulk_create([Referral(
                member=m, plan=plan, hub=hub, organisation=cbos[(at + k) % CBOS],
                contract=contract, contract_code=contract.code,
                service_code="HDM" if (at + k) % 4 else "NAV",
                service_type="nutrition" if (at + k) % 4 else "tenancy-support",
                state="in_service", enrolled_on=first - timedelta(days=30))
                for k, m in enumerate(made)])
            stamp = datetime.now(UTC)
            deliveries = []
            for r in referrals:
                for d in range(5):
                    if len(deliveries) + at * 5 >= lines:
                        break
                    deliveries.append(ServiceDelivery(
                        referral=r, member_id=r.member_id, organisation_id=r.organisation_id,
                        contract=contract, contract_code=contract.code,
                        service_code=r.service_code, date=first + timedelta(days=d * 5 + r.pk % 5),
                        units=1 + d % 2, setting="home", at=stamp))
            ServiceDelivery.objects.bulk_create(deliveries, batch_size=2000)
    return contract, Acting.of(user, membership), period


class Profiled:
    """cProfile around a stage when asked: the 40 functions with the most cumulative time."""

    def __init__(self, on: bool) -> None:
        import cProfile

        self.profile = cProfile.Profile() if on else None

    def __enter__(self) -> None:
        if self.profile:
            self.profile.enable()

    def __exit__(self, *exc: object) -> None:
        if self.profile:
            import pstats

            self.profile.disable()
            pstats.Stats(self.profile).sort_stats("cumulative").print_stats(25)
            pstats.Stats(self.profile).sort_stats("tottime").print_stats(12)
            self.profile = None


def measure(contract, acting, period, *, profile: bool = False) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django_scopes import scopes_disabled

    from carehub.billing.models import BillLine, Submission
    from carehub.billing.services.statements import issue_statement
    from carehub.billing.tasks_claims import build_inline, submit_inline

    total = time.perf_counter()

    t = time.perf_counter()
    with Profiled(profile):
        job = build_inline(contract, period, acting)
    with scopes_disabled():
        ready = BillLine.objects.filter(contract=contract, period=period, status="ready").count()
    print(f"build_lines + edits: {time.perf_counter() - t:.1f} s, {job.status}, {ready:,} "
          f"ready, {job.result.get('failing')} failing ({rss()})", flush=True)

    t = time.perf_counter()
    with Profiled(profile):
        statement = issue_statement(contract, period, acting=acting)
    print(f"issue_statement: {time.perf_counter() - t:.1f} s, total "
          f"{getattr(statement, 'total', '?')} ({rss()})", flush=True)

    t = time.perf_counter()
    with Profiled(profile):
        job = submit_inline(contract, period, acting)
    with scopes_disabled():
        files = list(Submission.objects.filter(contract=contract, period=period)
                     .values_list("check_result", "bills"))
    print(f"submit_month (837P files + pyx12, {settings.CAREHUB_837_CHECK_PROCESSES} "
          f"processes at most): {time.perf_counter() - t:.1f} s, {job.status}: {job.message} "
          f"{len(files)} files, all accepted: {all(c == 'accepted' for c, _ in files)} "
          f"({rss()})", flush=True)
    if job.status != "succeeded":
        print(job.errors[:5])
    print(f"TOTAL: {time.perf_counter() - total:.1f} s, load {os.getloadavg()[0]:.2f} "
          f"({rss()})", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
