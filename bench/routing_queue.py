"""The hub's needs-routing queue and the coordinator's list at 1,000,000 referrals
(PostgreSQL), through the real views.

    .venv/bin/python bench/routing_queue.py [--referrals 1000000] [--held 0.02]
        [--samples 200] [--list-samples 200] [--db carehub_bench_queue]
        [--seed-only | --reuse] [--drop]

Creates (or recreates) the database, migrates it and seeds with COPY: two plans, four
hubs (each with a contract in effect with each plan, two services per contract, a network
of 40 CBOs of 5 workers, a coordinator), 500,000 members (access for the plan, the hub and
the CBO holding their referrals) and two referrals per member with the contract and
service keys, 40 % open, 70 % with a due time, created over two years. A share `--held`
of them (2 %: 20,000, 5,000 per hub) were held by the hub because no CBO qualified
(`needs_routing`, with the router's reason); nine in ten of those are still open, the
rest were closed while waiting. One in a hundred was routed by a coordinator's override.

Then, signed in as each hub's coordinator with Django's test client (whole middleware
stack: the `carehub_tenant` role with row-level security, audit writes, rendering; one
untimed warm-up round), times `--samples` requests each of

- `GET /referrals/hub/needs-routing/`: the queue's first page (50 oldest);
- the same at its last page (the deepest OFFSET);

and `--list-samples` of the coordinator's list `GET /referrals/hub/` unfiltered and
filtered by service. Prints p50 / p95 / max and the load average next to each, and
EXPLAIN ANALYZE of the queue's query under the tenant role. `--drop` drops the database
at the end.
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

PLANS = 2
HUBS = 4
CBOS_PER_HUB = 40
WORKERS_PER_CBO = 5
SERVICES = (("HDM", "Home-delivered meals", "nutrition"),
            ("CM", "Care management", "care-management"))
OPEN = ["assigned", "outreach", "contacted", "screened", "accepted", "enrolled", "in_service"]
DONE = ["completed", "closed"]
COUNTIES = ["Albany, NY", "Bronx, NY", "Erie, NY", "Kings, NY", "Monroe, NY", "Queens, NY"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--held", type=float, default=0.02)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--list-samples", type=int, default=200)
    parser.add_argument("--db", default="carehub_bench_queue")
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
    from django_scopes import scopes_disabled

    from carehub.accounts.models import User
    from carehub.contracts.models import Contract, ContractParty, ServiceDefinition
    from carehub.contracts.services import sync_parties
    from carehub.network.models import ServiceType
    from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation

    rng = random.Random(7)
    t0 = time.perf_counter()
    with scopes_disabled():
        types = {t.slug: t for t in ServiceType.objects.all()}
        plans = [Organisation.objects.create(kind="payer", name=f"Bench Plan {p}", legal_name="B",
                                             slug=f"bench-plan-{p}") for p in range(PLANS)]
        hubs, cbos, workers = [], {}, {}
        contracts: dict[tuple[int, int], tuple[int, dict[str, int]]] = {}
        for h in range(HUBS):
            hub = Organisation.objects.create(kind="hub", name=f"Bench Hub {h}", legal_name="B",
                                              slug=f"bench-hub-{h}")
            hubs.append(hub)
            coordinator = User.objects.create(username=f"coord-{h}", password="!",
                                              first_name="Coord", last_name=f"{h}")
            Membership.objects.create(user=coordinator, organisation=hub,
                                      role="hub_coordinator")
            network = Network.objects.create(hub=hub, name=f"n{h}")
            cbos[hub.pk] = []
            for i in range(CBOS_PER_HUB):
                cbo = Organisation.objects.create(kind="cbo", name=f"CBO {h}-{i:02d}",
                                                  legal_name="B", slug=f"bench-cbo-{h}-{i}")
                NetworkMember.objects.create(network=network, cbo=cbo, status="accepted")
                users = User.objects.bulk_create([User(username=f"w{h}-{i}-{j}", password="!")
                                                  for j in range(WORKERS_PER_CBO)])
                Membership.objects.bulk_create([Membership(user=u, organisation=cbo,
                                                           role="cbo_worker") for u in users])
                cbos[hub.pk].append(cbo.pk)
                workers[cbo.pk] = [u.pk for u in users]
            for plan in plans:
                # Operating (the rules at the door let referrals in), no BAA to wait for.
                contract = Contract.objects.create(
                    code=f"BENCH-{plan.pk}-{hub.pk}", name="bench", payer=plan, provider=hub,
                    stage="implementation", baa_required=False)
                contract.delivering_cbos.set(cbos[hub.pk])
                sync_parties(contract)
                ContractParty.objects.filter(contract=contract).update(status="accepted")
                services = {code: ServiceDefinition.objects.create(
                    contract=contract, code=code, name=name, service_type=types[kind]).pk
                    for code, name, kind in SERVICES}
                contracts[(plan.pk, hub.pk)] = (contract.pk, services)
    members = args.referrals // 2
    now = datetime.now(UTC)
    raw = connection.connection
    # Member m: plan m % PLANS, hub m % HUBS, held (when not routed) by one of its CBOs.
    plan_of = [plans[m % PLANS].pk for m in range(members + 1)]
    hub_of = [hubs[m % HUBS].pk for m in range(members + 1)]
    owner = [0] + [cbos[hub_of[m]][rng.randrange(CBOS_PER_HUB)] for m in range(1, members + 1)]
    with raw.cursor() as cur:
        with cur.copy("COPY members_member (id, plan_id, member_id, first_name, last_name, "
                      "birth_date, sex, race, ethnicity, language, address, city, county, "
                      "state, zip, product, pcp_npi, hospice, phone, phone_alt, email, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for m in range(1, members + 1):
                copy.write_row((m, plan_of[m], f"B{m:08d}", "Ann", f"Last{m % 5000}",
                                date(1950, 1, 1), "F", "", "", "English", "", "",
                                COUNTIES[m % len(COUNTIES)], "NY", "14201", "medicaid", "",
                                False, "", "", "", now, now))
        with cur.copy("COPY members_memberaccess (member_id, organisation_id, reason, "
                      "granted_at) FROM STDIN") as copy:
            for m in range(1, members + 1):
                copy.write_row((m, plan_of[m], "plan", now))
                copy.write_row((m, hub_of[m], "program", now))
                copy.write_row((m, owner[m], "referral", now))
        print(f"members: {members:,} in {time.perf_counter() - t0:.1f} s")
        t1 = time.perf_counter()
        held_open = held_closed = overrides = 0
        start = now - timedelta(days=730)
        step = timedelta(days=730) / max(1, args.referrals)
        with cur.copy("COPY referrals_referral (id, member_id, plan_id, hub_id, organisation_id, "
                      "contract_id, service_id, contract_code, service_code, service_type, "
                      "state, close_reason, decline_reason, assignee_id, source, due_at, "
                      "attempts, created_at, updated_at, version, routing_reason, "
                      "needs_routing, routed_by_override, override_reason) "
                      "FROM STDIN") as copy:
            for r in range(1, args.referrals + 1):
                m = (r + 1) // 2
                code, _, kind = SERVICES[r % 2]
                contract_id, services = contracts[(plan_of[m], hub_of[m])]
                created = start + step * r + timedelta(minutes=rng.randrange(-600, 600))
                state = rng.choice(OPEN) if rng.random() < 0.4 else rng.choice(DONE)
                due = now + timedelta(hours=rng.randrange(-96, 96)) if rng.random() < 0.7 else None
                org, assignee, held, override, why = owner[m], None, False, False, ""
                reason = f"CBO: delivers the contract, offers {kind} in the county, accepting"
                if rng.random() < args.held:
                    # No CBO qualified: the hub holds it, unassigned, until routed.
                    org, held = hub_of[m], True
                    reason = (f"no CBO under BENCH-{plan_of[m]}-{hub_of[m]} covers "
                              f"{COUNTIES[m % len(COUNTIES)].split(',')[0]} County for {kind}")
                    if rng.random() < 0.9:
                        state, held_open = "assigned", held_open + 1
                    else:
                        state, held_closed = "closed", held_closed + 1
                else:
                    assignee = rng.choice(workers[org])
                    if rng.random() < 0.01:
                        override, why, overrides = True, "the member asked for them", overrides + 1
                copy.write_row((r, m, plan_of[m], hub_of[m], org, contract_id, services[code],
                                f"BENCH-{plan_of[m]}-{hub_of[m]}", code, kind, state,
                                "other" if state == "closed" else "", "", assignee,
                                "ranked_list", due, 1, created, created, 1, reason, held,
                                override, why))
        print(f"referrals: {args.referrals:,} in {time.perf_counter() - t1:.1f} s; held by "
              f"the hubs: {held_open:,} open + {held_closed:,} closed; "
              f"{overrides:,} routed by override")
        for table in ("members_member", "referrals_referral"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608
                        f"(SELECT max(id) FROM {table}))")
        t1 = time.perf_counter()
        cur.execute("ANALYZE")
        raw.commit()
        print(f"analyze: {time.perf_counter() - t1:.1f} s; seed total "
              f"{time.perf_counter() - t0:.1f} s")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def coordinators() -> list[Any]:
    from django_scopes import scopes_disabled

    from carehub.tenancy.models import Membership

    with scopes_disabled():
        return list(Membership.objects.filter(role="hub_coordinator")
                    .select_related("organisation", "user").order_by("organisation__slug"))


def timed(label: str, paths: list[tuple[Any, str]]) -> None:
    """GET each (membership, path) signed in as that coordinator; the first is a warm-up."""
    from django.test import Client

    from carehub.tenancy.access import SESSION_KEY

    clients = {}
    for ms, _ in paths:
        if ms.pk not in clients:
            client = Client()
            client.force_login(ms.user)
            session = client.session
            session[SESSION_KEY] = ms.pk  # as after sign-in: the timed request writes none
            session.save()
            clients[ms.pk] = client
    before = load()
    spent = []
    for ms, path in paths[:1] + paths:
        t = time.perf_counter()
        response = clients[ms.pk].get(path)
        spent.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    spent = spent[1:]
    print(f"{label}: p50 {statistics.median(spent):.1f} ms, p95 {p95(spent):.1f} ms, "
          f"max {max(spent):.1f} ms ({len(spent)} requests; {before} before, {load()} after)",
          flush=True)


def measure(args: argparse.Namespace) -> None:
    from django_scopes import scopes_disabled

    from carehub.referrals.views_routing import QUEUE_PAGE, queue_for

    hubs = coordinators()
    with scopes_disabled():
        last = {ms.pk: max(1, -(-queue_for(ms.organisation).count() // QUEUE_PAGE))
                for ms in hubs}
    print(f"queue pages per hub: {sorted(last.values())}")

    def spread(n: int, path: Any) -> list[tuple[Any, str]]:
        return [(hubs[i % len(hubs)], path(hubs[i % len(hubs)])) for i in range(n)]

    base = "/referrals/hub/needs-routing/"
    timed("queue, first page", spread(args.samples, lambda ms: base))
    timed("queue, last page", spread(args.samples, lambda ms: f"{base}?page={last[ms.pk]}"))
    if not args.list_samples:
        return
    timed("coordinator list /referrals/hub/", spread(args.list_samples,
                                                       lambda ms: "/referrals/hub/"))
    timed("coordinator list, service HDM", spread(args.list_samples,
                                                  lambda ms: "/referrals/hub/?service=HDM"))
    timed("coordinator list, service CM, sorted by member, page 5", spread(
        args.list_samples, lambda ms: "/referrals/hub/?service=CM&sort=member&page=5"))


def explain() -> None:
    """EXPLAIN ANALYZE of the queue's page and count queries as the view runs them: in
    the coordinator's django-scopes scope, under the tenant role."""
    from django.db import connection, transaction
    from django_scopes import scope

    from carehub.referrals.views_routing import QUEUE_PAGE, queue_for
    from carehub.tenancy.rls import ORG_SETTING, TENANT_ROLE

    ms = coordinators()[0]
    with scope(organisation=ms.organisation_id):
        qs = queue_for(ms.organisation).prefetch_related("member")
        pages = -(-qs.count() // QUEUE_PAGE)
        queries = [("first page", qs[:QUEUE_PAGE].query),
                   ("last page", qs[(pages - 1) * QUEUE_PAGE:pages * QUEUE_PAGE].query)]
        count_sql, count_params = queue_for(ms.organisation).order_by().query.get_compiler(
            "default").as_sql()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL ROLE {TENANT_ROLE}")
        cur.execute("SELECT set_config(%s, %s, true)", [ORG_SETTING, str(ms.organisation_id)])
        for label, query in queries:
            sql, params = query.get_compiler("default").as_sql()
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print(f"--- EXPLAIN ANALYZE, queue {label}, tenant role:")
            print("\n".join(row[0] for row in cur.fetchall()))
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({count_sql}) q",
                    count_params)
        print("--- EXPLAIN ANALYZE, queue count, tenant role:")
        print("\n".join(row[0] for row in cur.fetchall()))


if __name__ == "__main__":
    raise SystemExit(main())
