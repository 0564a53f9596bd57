"""The payer's review queue at 1,000,000 bill lines (PostgreSQL), through the real views.

    .venv/bin/python bench/review_queue.py [--lines 1000000] [--samples 200]
        [--db carehub_bench_review] [--seed-only | --reuse] [--drop]

Creates (or recreates) the database, migrates it and seeds with COPY: one plan, one hub,
5 CBOs delivering under one contract in effect, a program manager of the plan (signed in
with a confirmed second factor), lines/50 members (enrolled, access for the plan and the
hub), one referral each, and `--lines` service deliveries each with its bill line,
grouped ten lines a bill (claims, about 100,000 bills) under 837P submissions of 5,000
bills. Bills are spread over the last year: 30 % waiting for review, 50 % approved, 10 %
paid, 8 % denied, 2 % pended; one line in 37 carries an edit note.

Then, signed in as the payer's program manager with Django's test client (whole
middleware stack: the `carehub_tenant` role with row-level security, audit writes,
rendering; one untimed warm-up request each), times `--samples` requests each of the
review queue `/billing/review/` (first page; one CBO; an amount range; a deep page, the
deepest the queue serves) and of a bill's page `/billing/review/<id>/` (a different
bill each time), printing p50 / p95 / max with the load average, and EXPLAIN ANALYZE of
the queue's queries under the tenant role. `--drop` drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from postgres_setup import django_on  # noqa: E402  (beside this script)

CBOS = 5
LINES_PER_BILL = 10
BILLS_PER_SUBMISSION = 5000
PERIOD = "2026-10"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--db", default="carehub_bench_review")
    parser.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--seed-only", action="store_true", help="stop after seeding")
    mode.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    args = parser.parse_args()

    django_on(args.host, args.db, reuse=args.reuse)
    if not args.reuse:
        seed(args)
    if not args.seed_only:
        explain()
        measure(args)
    if args.drop:
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.host}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {args.db}")
        print(f"dropped {args.db}")
    return 0


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def seed(args: argparse.Namespace) -> None:  # noqa: PLR0915 - one linear seed
    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_scopes import scopes_disabled

    from carehub.accounts.models import User
    from carehub.contracts.models import Contract, ContractParty
    from carehub.contracts.services import sync_parties
    from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation

    rng = random.Random(13)
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
                                              slug=f"bench-cbo-{i}", npi="1234567893")
            NetworkMember.objects.create(network=network, cbo=cbo, status="accepted")
            cbos.append(cbo.pk)
        manager = User.objects.create(username="bench-manager", password="!",
                                      first_name="Pat", last_name="Manager")
        Membership.objects.create(user=manager, organisation=plan, role="payer_manager")
        TOTPDevice.objects.create(user=manager, name="bench", confirmed=True)
        contract = Contract.objects.create(code="BENCH-REVIEW", name="bench", payer=plan,
                                           provider=hub, stage="implementation",
                                           baa_required=False)
        contract.delivering_cbos.set(cbos)
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
    lines = args.lines
    bills = -(-lines // LINES_PER_BILL)
    members = max(1, lines // 50)
    now = datetime.now(UTC)
    first = date(2026, 10, 1)
    raw = connection.connection
    with raw.cursor() as cur:
        with cur.copy("COPY members_member (id, plan_id, member_id, first_name, last_name, "
                      "birth_date, sex, race, ethnicity, language, address, city, county, "
                      "state, zip, product, pcp_npi, hospice, phone, phone_alt, email, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for m in range(1, members + 1):
                copy.write_row((m, plan.pk, f"R{m:08d}", "Ann", f"Last{m}", date(1950, 1, 1),
                                "F", "", "", "English", f"{m} Main St", "Buffalo", "Erie, NY",
                                "NY", "14201", "medicaid", "", False, "", "", "", now, now))
        with cur.copy("COPY members_memberaccess (member_id, organisation_id, reason, "
                      "granted_at) FROM STDIN") as copy:
            for m in range(1, members + 1):
                copy.write_row((m, plan.pk, "plan", now))
                copy.write_row((m, hub.pk, "program", now))
        with cur.copy("COPY members_enrolmentspan (member_id, start) FROM STDIN") as copy:
            for m in range(1, members + 1):
                copy.write_row((m, date(2025, 1, 1)))
        # Member m's referral (id m) is with CBO m % CBOS.
        cbo_of = [cbos[m % CBOS] for m in range(members + 1)]
        with cur.copy("COPY referrals_referral (id, member_id, plan_id, hub_id, organisation_id, "
                      "contract_id, contract_code, service_code, service_type, state, "
                      "close_reason, decline_reason, source, attempts, created_at, "
                      "updated_at, version, routing_reason, needs_routing, "
                      "routed_by_override, override_reason, enrolled_on) FROM STDIN") as copy:
            for m in range(1, members + 1):
                copy.write_row((m, m, plan.pk, hub.pk, cbo_of[m], contract.pk, contract.code,
                                "HDM", "nutrition", "in_service", "", "", "ranked_list", 1,
                                now, now, 1, "", False, False, "", first - timedelta(days=30)))
        print(f"members and referrals: {members:,} in {time.perf_counter() - t0:.1f} s",
              flush=True)
        t1 = time.perf_counter()
        submissions = -(-bills // BILLS_PER_SUBMISSION)
        with cur.copy("COPY billing_submission (id, contract_id, payer_id, hub_id, period, "
                      "mode, control_number, document, sha256, check_result, bills, lines, "
                      "total, submitted_at) FROM STDIN") as copy:
            for s in range(1, submissions + 1):
                copy.write_row((s, contract.pk, plan.pk, hub.pk, PERIOD, "claims", s, "", "",
                                "accepted", 0, 0, "0.00", now))
        # Bill b: member 1 + b % members (ten lines of that member's month), its CBO.
        status_of, amount_of, at_of = [""], [""], [now]
        with cur.copy("COPY billing_bill (id, submission_id, kind, number, contract_id, "
                      "payer_id, hub_id, cbo_id, member_id, period, services, first_service, "
                      "last_service, line_count, amount, status, submitted_at, reason_code, "
                      "question, answer, paid_amount) FROM STDIN") as copy:
            for b in range(1, bills + 1):
                m = 1 + b % members
                roll = rng.random()
                status = ("submitted" if roll < 0.30 else "approved" if roll < 0.80 else
                          "paid" if roll < 0.90 else "denied" if roll < 0.98 else "pended")
                units = [1 + rng.randrange(3) for _ in range(LINES_PER_BILL)]
                amount = f"{sum(units) * 735 // 100}.{sum(units) * 735 % 100:02d}"
                at = now - timedelta(days=rng.randrange(365), seconds=rng.randrange(86400))
                status_of.append(status)
                amount_of.append(units)  # type: ignore[arg-type]
                at_of.append(at)
                copy.write_row((b, 1 + (b - 1) // BILLS_PER_SUBMISSION, "claim",
                                f"{1 + (b - 1) // BILLS_PER_SUBMISSION}-{b}", contract.pk,
                                plan.pk, hub.pk, cbo_of[m], m, PERIOD, "HDM", first,
                                first + timedelta(days=LINES_PER_BILL - 1), LINES_PER_BILL,
                                amount, status, at, "D1" if status == "denied" else "",
                                "Which visit?" if status == "pended" else "", "",
                                amount if status == "paid" else "0.00"))
        with cur.copy("COPY referrals_servicedelivery (id, referral_id, member_id, "
                      "organisation_id, contract_id, contract_code, service_code, date, units, "
                      "setting, note, at) FROM STDIN") as copy:
            for line in range(lines):
                b = 1 + line // LINES_PER_BILL
                m = 1 + b % members
                copy.write_row((line + 1, m, m, cbo_of[m], contract.pk, contract.code, "HDM",
                                first + timedelta(days=line % LINES_PER_BILL),
                                amount_of[b][line % LINES_PER_BILL], "home", "", now))
        with cur.copy("COPY billing_billline (id, delivery_id, referral_id, member_id, "
                      "contract_id, payer_id, hub_id, cbo_id, period, service_code, "
                      "service_date, hcpcs, modifiers, units, rate, amount, place_of_service, "
                      "diagnosis_codes, status, failures, checked_at, bill_id, paid_amount, "
                      "adjustments, updated_at) FROM STDIN") as copy:
            noted = '[{"code": "W1", "field": "units", "message": "checked by hand"}]'
            for line in range(lines):
                b = 1 + line // LINES_PER_BILL
                m = 1 + b % members
                units = amount_of[b][line % LINES_PER_BILL]
                amount = f"{units * 735 // 100}.{units * 735 % 100:02d}"
                copy.write_row((line + 1, line + 1, m, m, contract.pk, plan.pk, hub.pk,
                                cbo_of[m], PERIOD, "HDM",
                                first + timedelta(days=line % LINES_PER_BILL), "S5170", "U1",
                                units, "7.3500", amount, "12", "Z59.41",
                                "paid" if status_of[b] == "paid" else "submitted",
                                noted if line % 37 == 0 else "[]", now, b,
                                amount if status_of[b] == "paid" else "0.00", "[]", now))
        print(f"submissions {submissions:,}, bills {bills:,}, lines {lines:,} in "
              f"{time.perf_counter() - t1:.1f} s", flush=True)
        for table in ("members_member", "referrals_referral", "billing_submission",
                      "billing_bill", "referrals_servicedelivery", "billing_billline"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608
                        f"(SELECT max(id) FROM {table}))")
        t1 = time.perf_counter()
        cur.execute("ANALYZE")
        raw.commit()
        print(f"analyze: {time.perf_counter() - t1:.1f} s; seed total "
              f"{time.perf_counter() - t0:.1f} s", flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def manager_client() -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_scopes import scopes_disabled

    from carehub.tenancy.access import SESSION_KEY
    from carehub.tenancy.models import Membership

    with scopes_disabled():
        ms = Membership.objects.select_related("user").get(role="payer_manager")
        device = TOTPDevice.objects.get(user=ms.user)
    client = Client()
    client.force_login(ms.user)
    session = client.session
    session[SESSION_KEY] = ms.pk  # as after sign-in: the timed request writes none
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timed(client: Any, label: str, paths: list[str]) -> None:
    """GET each path; the first is an untimed warm-up."""
    before = load()
    spent = []
    for path in paths[:1] + paths:
        t = time.perf_counter()
        response = client.get(path)
        spent.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    spent = spent[1:]
    print(f"{label}: p50 {statistics.median(spent):.1f} ms, p95 {p95(spent):.1f} ms, "
          f"max {max(spent):.1f} ms ({len(spent)} requests; {before} before, {load()} after)",
          flush=True)


def cases() -> list[tuple[str, str]]:
    from django_scopes import scopes_disabled

    from carehub.billing.selectors.review import MAX_PAGE
    from carehub.tenancy.models import Organisation

    with scopes_disabled():
        cbo = Organisation.objects.filter(kind="cbo").order_by("name")[2]
    base = "/billing/review/"
    return [("review queue, first page", base),
            (f"one CBO ({cbo.name})", f"{base}?cbo={cbo.pk}"),
            ("amount 145.00 to 150.00", f"{base}?amount_min=145&amount_max=150"),
            (f"deep page ({MAX_PAGE}, the deepest served)", f"{base}?page={MAX_PAGE}")]


def measure(args: argparse.Namespace) -> None:
    from django_scopes import scopes_disabled

    from carehub.billing.models import Bill

    client = manager_client()
    for label, path in cases():
        timed(client, label, [path] * args.samples)
    rng = random.Random(5)
    with scopes_disabled():
        top = Bill.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    timed(client, "a bill's page /billing/review/<id>/",
          [f"/billing/review/{rng.randrange(1, top + 1)}/" for _ in range(args.samples)])


def explain() -> None:
    """EXPLAIN ANALYZE of the queue's queries as the view runs them, under the tenant role."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_scopes import scopes_disabled

    from carehub.tenancy.models import Membership
    from carehub.tenancy.rls import tenant_connection

    client = manager_client()
    with scopes_disabled():
        plan_id = Membership.objects.get(role="payer_manager").organisation_id
    for label, path in cases():
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        print(f"--- {label}: {len(captured.captured_queries)} queries; EXPLAIN ANALYZE of "
              "those reading bills, tenant role:")
        for query in captured.captured_queries:
            sql = query["sql"]
            if "billing_bill" not in sql or not sql.startswith("SELECT"):
                continue
            with tenant_connection(plan_id), connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                rows = [row[0] for row in cursor.fetchall()]
            print(f"  {sql[:140]}")
            print("\n".join(f"    {row}" for row in rows if "actual" in row or "Execution" in row))


if __name__ == "__main__":
    raise SystemExit(main())
