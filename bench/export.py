"""An organisation's export of all its records at size (PostgreSQL), as a job.

    .venv/bin/python bench/export.py [--members 100000] [--events-per 5]
        [--db carehub_bench_export] [--reuse] [--drop] [--formats csv,parquet]

Creates (or recreates) the database, migrates it and seeds with COPY: one plan, one hub
holding `--members` members under its program, one referral each owned by one of 5
CBOs, `--events-per` events and one service delivered per referral, a data-sharing
consent on every other member. Then runs the `exchange.export` job body through
`jobs.runner.run_job` as the hub administrator (tenant role, row-level security), once
per format, writing the zip under /tmp, and prints for each: seconds, rows, files,
bundle size, and the process's peak resident memory before and after (the writer keeps
one chunk of rows at a time, so the peak must not grow with the table sizes).
`--drop` drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from postgres_setup import django_on  # noqa: E402  (beside this script)

CBOS = 5


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(args: argparse.Namespace) -> None:
    from django.db import connection
    from django_scopes import scopes_disabled

    from carehub.accounts.models import User
    from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation

    t0 = time.perf_counter()
    with scopes_disabled():
        plan = Organisation.objects.create(kind="payer", name="Bench Plan", legal_name="B",
                                           slug="bench-plan")
        hub = Organisation.objects.create(kind="hub", name="Bench Hub", legal_name="B",
                                          slug="bench-hub")
        network = Network.objects.create(hub=hub, name="bench", admin_fee_percent="10.00")
        cbos = []
        for i in range(CBOS):
            cbo = Organisation.objects.create(kind="cbo", name=f"Bench CBO {i}", legal_name="B",
                                              slug=f"bench-cbo-{i}")
            NetworkMember.objects.create(network=network, cbo=cbo, status="accepted")
            cbos.append(cbo.pk)
        admin = User.objects.create(username="bench-hubadmin", password="!",
                                    first_name="Hana", last_name="Admin")
        Membership.objects.create(user=admin, organisation=hub, role="hub_admin")
    n, now = args.members, datetime.now(UTC)
    with connection.connection.cursor() as cur:
        with cur.copy("COPY members_member (id, plan_id, member_id, first_name, last_name, "
                      "birth_date, sex, race, ethnicity, language, address, city, county, "
                      "state, zip, product, pcp_npi, hospice, phone, phone_alt, email, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, plan.pk, f"X{m:08d}", "Ann", f"Last{m}",
                                date(1940 + m % 50, 1 + m % 12, 1), "F", "", "", "English",
                                f"{m} Main St", "Buffalo", "Erie, NY", "NY", "14201",
                                "medicaid", "", False, "7165550100", "", "", now, now))
        with cur.copy("COPY members_memberaccess (member_id, organisation_id, reason, "
                      "granted_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, plan.pk, "plan", now))
                copy.write_row((m, hub.pk, "program", now))
                copy.write_row((m, cbos[m % CBOS], "referral", now))
        with cur.copy("COPY referrals_referral (id, member_id, plan_id, hub_id, organisation_id, "
                      "contract_code, service_code, service_type, state, close_reason, "
                      "decline_reason, source, attempts, created_at, updated_at, version, "
                      "routing_reason, needs_routing, routed_by_override, override_reason) "
                      "FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, m, plan.pk, hub.pk, cbos[m % CBOS], "BENCH", "HDM",
                                "nutrition", "in_service", "", "", "ranked_list", 1, now, now, 1,
                                "routed by county", False, False, ""))
        with cur.copy("COPY referrals_referralevent (referral_id, member_id, organisation_id, "
                      "kind, from_state, to_state, note, at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                for i in range(args.events_per):
                    copy.write_row((m, m, cbos[m % CBOS], "transition", "assigned", "outreach",
                                    "called", now + timedelta(minutes=i)))
        with cur.copy("COPY referrals_servicedelivery (referral_id, member_id, organisation_id, "
                      "contract_code, service_code, date, units, setting, note, at) "
                      "FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, m, cbos[m % CBOS], "BENCH", "HDM", date(2026, 3, 1), 2,
                                "home", "", now))
        with cur.copy("COPY referrals_consent (member_id, organisation_id, kind, scope, "
                      "given_on, recorded_at) FROM STDIN") as copy:
            for m in range(1, n + 1, 2):
                copy.write_row((m, hub.pk, "data_sharing", "hub and CBOs", date(2025, 1, 1),
                                now))
        for table in ("members_member", "referrals_referral"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n + 1})")  # nosec B608
    connection.commit() if not connection.get_autocommit() else None
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"seed: {n:,} members, {n:,} referrals, {n * args.events_per:,} events, "
          f"{n:,} services, {n // 2:,} consents in {time.perf_counter() - t0:.1f} s", flush=True)


def run(fmt: str) -> None:
    from django_scopes import scopes_disabled

    from carehub.exchange.services.export import EXPORT_KIND
    from carehub.exchange.tasks_export import export_body, export_task
    from carehub.jobs.models import Job
    from carehub.jobs.runner import run_job
    from carehub.tenancy.models import Membership

    with scopes_disabled():
        membership = Membership.objects.select_related("organisation", "user").get(
            user__username="bench-hubadmin")
        out = Path(f"/tmp/carehub-bench-export.{fmt}.zip")
        job = Job.objects.create(kind=EXPORT_KIND, title="bench export",
                                 organisation=membership.organisation, user=membership.user,
                                 role=membership.role, params={"format": fmt, "out": str(out)},
                                 task_path=export_task.module_path)
    before = peak_mb()
    t0 = time.perf_counter()
    run_job(str(job.pk), export_body)
    seconds = time.perf_counter() - t0
    with scopes_disabled():
        job.refresh_from_db()
    if job.status != "succeeded":
        print(f"{fmt}: {job.status}: {job.message}")
        return
    result = job.result
    print(f"{fmt}: {seconds:.1f} s, {result['rows']:,} table rows, "
          f"{sum(v for k, v in result['files'].items() if k.startswith('fhir/')):,} FHIR "
          f"resources, {len(result['files'])} files, {result['bytes'] / 1e6:.1f} MB; "
          f"peak RSS {before:.0f} MB before, {peak_mb():.0f} MB after", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--events-per", type=int, default=5)
    parser.add_argument("--db", default="carehub_bench_export")
    parser.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--formats", default="csv,parquet")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    os.environ.setdefault("CAREHUB_VAR", "/tmp/carehub-bench-var")
    django_on(args.host, args.db, reuse=args.reuse)
    if not args.reuse:
        seed(args)
    for fmt in args.formats.split(","):
        run(fmt)
    if args.drop:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(f"{args.host}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {args.db}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
