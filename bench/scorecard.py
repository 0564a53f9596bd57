"""The scorecard page at 1,000,000 referrals and 10,000,000 events (PostgreSQL), through
the real view.

    .venv/bin/python bench/scorecard.py [--referrals 1000000] [--events-per-referral 10]
        [--samples 200] [--db carehub_bench_scorecard] [--seed-only | --reuse] [--drop]

Creates (or recreates) the database, migrates it and seeds with COPY: one plan, one hub,
5 CBOs delivering under one contract in effect (goals 80/55/50 and others, a service
timed 48 hours from referral), a hub administrator and a CBO supervisor (each with a
confirmed second factor), one member per referral (race, ethnicity, language, county,
age and product varied), `--referrals` referrals made over the 24 months before
November 2026 in every state of the loop, and `--events-per-referral` events per
referral on average: referral events (assigned, each transition, reassignments and
notes) and outreach attempts; plus a service delivery for members who accepted and a
screening for those contacted. Then the scorecard's facts are refreshed in full, the way
the nightly job does (timed).

Then, signed in with Django's test client (whole middleware stack: the `carehub_tenant`
role with row-level security, rendering; one untimed warm-up request each), times
`--samples` requests of the scorecard page for a month (card, 12-month trend, split by
CBO), split by race, for a quarter, and as the CBO supervisor (contract total and own
part), printing p50 / p95 / max with the load average. `--drop` drops the database.
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
MONTHS = 24
FIRST = date(2024, 11, 1)
PERIOD = "2026-10"
RACES = ["Black", "White", "Asian", "American Indian", "Other", ""]
LANGUAGES = ["English", "Spanish", "Arabic", "Somali", "Burmese"]
COUNTIES = ["Erie, NY", "Niagara, NY", "Chautauqua, NY", "Cattaraugus, NY"]
PRODUCTS = ["medicaid", "medicare_advantage", "dual"]
# Where referrals end up: (state, the state a closed one was closed from).
OUTCOMES = [("assigned", None, 0.12), ("outreach", None, 0.10), ("closed", "outreach", 0.10),
            ("closed", "assigned", 0.03), ("contacted", None, 0.08),
            ("declined", None, 0.07), ("screened", None, 0.05), ("accepted", None, 0.05),
            ("enrolled", None, 0.05), ("in_service", None, 0.10), ("completed", None, 0.25)]
PATH = ["assigned", "outreach", "contacted", "screened", "accepted", "enrolled",
        "in_service", "completed"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--events-per-referral", type=int, default=10)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--db", default="carehub_bench_scorecard")
    parser.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--seed-only", action="store_true", help="stop after seeding")
    mode.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    args = parser.parse_args()

    django_on(args.host, args.db, reuse=args.reuse)
    if not args.reuse:
        seed(args)
        refresh()
    if not args.seed_only:
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


def _outcome(rng: random.Random) -> tuple[str, str | None]:
    roll, seen = rng.random(), 0.0
    for state, closed_from, share in OUTCOMES:
        seen += share
        if roll < seen:
            return state, closed_from
    return "completed", None


def _users() -> tuple[Any, Any]:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from carehub.accounts.models import User
    from carehub.tenancy.models import Membership, Organisation

    hub = Organisation.objects.get(slug="bench-hub")
    cbo = Organisation.objects.get(slug="bench-cbo-0")
    made = []
    for name, org, role in (("bench-hubadmin", hub, "hub_admin"),
                            ("bench-supervisor", cbo, "cbo_supervisor")):
        user = User.objects.create(username=name, password="!", first_name="Bench",
                                   last_name=role)
        Membership.objects.create(user=user, organisation=org, role=role)
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        made.append(user)
    return made[0], made[1]


def seed(args: argparse.Namespace) -> None:  # noqa: PLR0915 - one linear seed
    from django.db import connection
    from django_scopes import scopes_disabled

    from carehub.contracts.models import Contract, ContractParty, ServiceDefinition
    from carehub.contracts.services import sync_parties
    from carehub.network.models import ServiceType
    from carehub.tenancy.models import Network, NetworkMember, Organisation

    rng = random.Random(14)
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
        _users()
        contract = Contract.objects.create(
            code="BENCH-SCORE", name="bench", payer=plan, provider=hub, stage="implementation",
            baa_required=False, starts=FIRST, min_volume=30000, max_volume=50000,
            outreach_goal=80, contact_goal=55, support_goal=50, initiation_goal=75,
            documentation_goal=60, data_on_time_goal=90, completion_goal=60)
        contract.delivering_cbos.set(cbos)
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
        service = ServiceDefinition.objects.create(
            contract=contract, code="HDM", name="Meals", timing_hours=48,
            service_type=ServiceType.objects.get(slug="nutrition"))
    n = args.referrals
    now = datetime.now(UTC)
    raw = connection.connection
    outcome = [_outcome(rng) for _ in range(n + 1)]
    made_on = [FIRST + timedelta(days=rng.randrange(MONTHS * 365 // 12)) for _ in range(n + 1)]
    with raw.cursor() as cur:
        with cur.copy("COPY members_member (id, plan_id, member_id, first_name, last_name, "
                      "birth_date, sex, race, ethnicity, language, address, city, county, "
                      "state, zip, product, pcp_npi, hospice, phone, phone_alt, email, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, plan.pk, f"S{m:08d}", "Ann", f"Last{m}",
                                date(1940 + m % 60, 1 + m % 12, 1), "F", RACES[m % 6],
                                "Hispanic or Latino" if m % 7 == 0 else "Not Hispanic",
                                LANGUAGES[m % 5], "", "Buffalo", COUNTIES[m % 4], "NY",
                                "14201", PRODUCTS[m % 3], "", False, "", "", "", now, now))
        with cur.copy("COPY members_memberaccess (member_id, organisation_id, reason, "
                      "granted_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, plan.pk, "plan", now))
                copy.write_row((m, hub.pk, "program", now))
                copy.write_row((m, cbos[m % CBOS], "referral", now))
        with cur.copy("COPY referrals_referral (id, member_id, plan_id, hub_id, organisation_id, "
                      "contract_id, service_id, contract_code, service_code, service_type, "
                      "state, close_reason, decline_reason, source, attempts, created_at, "
                      "updated_at, version, routing_reason, needs_routing, "
                      "routed_by_override, override_reason) FROM STDIN") as copy:
            for r in range(1, n + 1):
                state, closed_from = outcome[r]
                at = datetime.combine(made_on[r], datetime.min.time(), UTC) + timedelta(hours=14)
                copy.write_row((r, r, plan.pk, hub.pk, cbos[r % CBOS], contract.pk, service.pk,
                                contract.code, "HDM", "nutrition", state,
                                "other" if closed_from else "", "", "ranked_list", 1, at, at, 1,
                                "", False, False, ""))
        print(f"members and referrals: {n:,} in {time.perf_counter() - t0:.1f} s", flush=True)
        t1 = time.perf_counter()
        events = attempts = 0
        with cur.copy("COPY referrals_referralevent (referral_id, member_id, organisation_id, "
                      "kind, from_state, to_state, note, at) FROM STDIN") as copy:
            for r in range(1, n + 1):
                state, closed_from = outcome[r]
                org = cbos[r % CBOS]
                at = datetime.combine(made_on[r], datetime.min.time(), UTC) + timedelta(hours=14)
                copy.write_row((r, r, hub.pk, "assigned", "", "assigned", "", at))
                reached = closed_from or ("contacted" if state == "declined" else state)
                steps = PATH[:PATH.index(reached) + 1]
                for a, b in zip(steps, steps[1:], strict=False):
                    at += timedelta(hours=5)
                    copy.write_row((r, r, org, "transition", a, b, "", at))
                if state in ("closed", "declined"):
                    copy.write_row((r, r, org, "transition", reached, state, "", at))
                # Reassignments and notes bring the referral's rows to the average asked.
                made = 1 + len(steps) - 1 + (state in ("closed", "declined"))
                for _ in range(max(0, args.events_per_referral - 2 - made)):
                    at += timedelta(hours=1)
                    copy.write_row((r, r, org, "note", "", "", "called back", at))
                    made += 1
                events += made
        with cur.copy("COPY referrals_outreachattempt (referral_id, member_id, organisation_id, "
                      "at, channel, outcome, note) FROM STDIN") as copy:
            for r in range(1, n + 1):
                state, _ = outcome[r]
                if state == "assigned" or outcome[r][1] == "assigned":
                    continue
                at = datetime.combine(made_on[r], datetime.min.time(), UTC) + timedelta(hours=16)
                for k in range(2):
                    copy.write_row((r, r, cbos[r % CBOS], at + timedelta(days=k), "phone",
                                    "reached" if k else "no_answer", ""))
                    attempts += 1
        print(f"events {events:,} + outreach attempts {attempts:,} = {events + attempts:,} "
              f"in {time.perf_counter() - t1:.1f} s", flush=True)
        t1 = time.perf_counter()
        served = PATH[PATH.index("enrolled"):]
        with cur.copy("COPY referrals_servicedelivery (referral_id, member_id, organisation_id, "
                      "contract_id, service_id, contract_code, service_code, date, units, "
                      "setting, note, at) FROM STDIN") as copy:
            for r in range(1, n + 1):
                if outcome[r][0] not in served:
                    continue
                day = made_on[r] + timedelta(days=r % 4)
                recorded = datetime.combine(day + timedelta(days=r % 9), datetime.min.time(), UTC)
                copy.write_row((r, r, cbos[r % CBOS], contract.pk, service.pk, contract.code,
                                "HDM", day, 2, "home", "", recorded + timedelta(hours=15)))
        with cur.copy("COPY referrals_screening (referral_id, member_id, organisation_id, "
                      "instrument, language, answers, positive_domains, complete, "
                      "unanswered_items, unanswered_domains, at) FROM STDIN") as copy:
            for r in range(1, n + 1):
                if outcome[r][0] not in PATH[PATH.index("screened"):]:
                    continue
                at = datetime.combine(made_on[r], datetime.min.time(), UTC) + timedelta(hours=20)
                copy.write_row((r, r, cbos[r % CBOS], "ahc-hrsn", "en", "{}", '["food"]',
                                r % 5 != 0, "[]", "[]", at))
        for table in ("members_member", "referrals_referral"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608
                        f"(SELECT max(id) FROM {table}))")
        print(f"services and screenings in {time.perf_counter() - t1:.1f} s", flush=True)
        t1 = time.perf_counter()
        cur.execute("ANALYZE")
        raw.commit()
        print(f"analyze: {time.perf_counter() - t1:.1f} s; seed total "
              f"{time.perf_counter() - t0:.1f} s", flush=True)


def refresh() -> None:
    from django.db import connection

    from carehub.reporting.services.scorecard import refresh_facts
    from carehub.tenancy.access import Acting

    t0 = time.perf_counter()
    done = refresh_facts(acting=Acting.system(), full=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE reporting_referralfact")
    print(f"scorecard facts, full refresh (the nightly job): {done.referrals:,} referrals in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def client_for(role: str) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_scopes import scopes_disabled

    from carehub.tenancy.access import SESSION_KEY
    from carehub.tenancy.models import Membership

    with scopes_disabled():
        ms = Membership.objects.select_related("user").get(role=role,
                                                          user__username__startswith="bench-")
        device = TOTPDevice.objects.get(user=ms.user)
    client = Client()
    client.force_login(ms.user)
    session = client.session
    session[SESSION_KEY] = ms.pk
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timed(client: Any, label: str, path: str, samples: int) -> None:
    """GET the path `samples` times after an untimed warm-up."""
    before = load()
    spent = []
    for _ in range(samples + 1):
        t = time.perf_counter()
        response = client.get(path)
        spent.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    spent = spent[1:]
    print(f"{label}: p50 {statistics.median(spent):.1f} ms, p95 {p95(spent):.1f} ms, "
          f"max {max(spent):.1f} ms ({len(spent)} requests; {before} before, {load()} after)",
          flush=True)


def measure(args: argparse.Namespace) -> None:
    base = "/reporting/scorecard/BENCH-SCORE/"
    hub = client_for("hub_admin")
    timed(hub, f"scorecard page, {PERIOD} (card, 12-month trend, split by CBO)",
          f"{base}?period={PERIOD}", args.samples)
    timed(hub, "split by race", f"{base}?period={PERIOD}&by=race", args.samples)
    timed(hub, "quarter 2026-Q3 (12-quarter trend)", f"{base}?period=2026-Q3", args.samples)
    timed(client_for("cbo_supervisor"), "as a CBO supervisor (total and own part)",
          f"{base}?period={PERIOD}", args.samples)


if __name__ == "__main__":
    raise SystemExit(main())
