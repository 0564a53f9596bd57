"""Referrals benchmark on PostgreSQL: worker inbox and member page latency, and assigning
a ranked list in bulk.

    .venv/bin/python bench/referrals.py [--referrals 1000000] [--events 10000000]
        [--ranked 50000] [--samples 200] [--db carehub_bench] [--seed-only | --reuse]

Creates (or recreates) the database, migrates it, seeds organisations, members,
referrals and referral events with COPY, runs ANALYZE, then times for random workers and
members from their inboxes:

- the selectors the pages use (`selectors.inbox`, `get_member` + `member_timeline`,
  audit writes included), called directly as the database owner, so without
  row-level security and without rendering;
- the same two pages through the real views with Django's test client: the whole
  middleware stack runs, so each request drops to the `carehub_tenant` role with
  row-level security in force, and the templates are rendered;

and `services.assign_ranked_list` for a ranked list of `--ranked` selected members.
`--seed-only` stops after seeding; `--reuse` measures an already seeded database (the
ranked-list step runs only once per database, as it adds referrals).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from postgres_setup import django_on  # noqa: E402  (beside this script)

CBOS = 50
WORKERS_PER_CBO = 10
OPEN = ["assigned", "outreach", "contacted", "screened", "accepted", "enrolled", "in_service"]
DONE = ["completed", "closed"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--ranked", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--db", default="carehub_bench")
    parser.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--seed-only", action="store_true", help="stop after seeding")
    mode.add_argument("--reuse", action="store_true", help="measure an already seeded database")
    args = parser.parse_args()

    django_on(args.host, args.db, reuse=args.reuse)
    if not args.reuse:
        seed(args)
    if args.seed_only:
        return 0
    measure_selectors(args)
    measure_views(args)
    measure_ranked(args)
    return 0


def seed(args: argparse.Namespace) -> None:
    from django.db import connection
    from django_scopes import scopes_disabled

    from carehub.accounts.models import User
    from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation

    rng = random.Random(7)
    t0 = time.perf_counter()
    with scopes_disabled():
        plan = Organisation.objects.create(kind="payer", name="Bench Plan", legal_name="B",
                                           slug="bench-plan")
        hub = Organisation.objects.create(kind="hub", name="Bench Hub", legal_name="B",
                                          slug="bench-hub")
        network = Network.objects.create(hub=hub, name="n")
        # Plan and hub have a contract in effect (both accepted): assignment checks it.
        from carehub.contracts.models import Contract, ContractParty
        from carehub.contracts.services import sync_parties

        # Operating (the rules at the door let referrals in), no BAA to wait for.
        agreed = Contract.objects.create(code="BENCH", name="bench", payer=plan, provider=hub,
                                         stage="implementation", baa_required=False)
        sync_parties(agreed)
        ContractParty.objects.filter(contract=agreed).update(status="accepted")
        cbos = []
        workers: dict[int, list[int]] = {}
        for i in range(CBOS):
            cbo = Organisation.objects.create(kind="cbo", name=f"CBO {i}", legal_name="B",
                                              slug=f"bench-cbo-{i}")
            NetworkMember.objects.create(network=network, cbo=cbo, status="accepted")
            cbos.append(cbo.pk)
            users = User.objects.bulk_create([User(username=f"w{i}-{j}", password="!")
                                              for j in range(WORKERS_PER_CBO)])
            Membership.objects.bulk_create([Membership(user=u, organisation=cbo, role="cbo_worker")
                                            for u in users])
            workers[cbo.pk] = [u.pk for u in users]
        from carehub.contracts.models import ServiceDefinition
        from carehub.network.models import ServiceType

        agreed.delivering_cbos.set(cbos)
        sync_parties(agreed)
        ContractParty.objects.filter(contract=agreed).update(status="accepted")
        for code, kind in (("HDM", "nutrition"), ("CM", "care-management")):
            ServiceDefinition.objects.create(contract=agreed, code=code, name=code,
                                             service_type=ServiceType.objects.get(slug=kind))
    members = args.referrals // 2 + args.ranked
    now = datetime.now(UTC)
    raw = connection.connection
    with raw.cursor() as cur:
        with cur.copy("COPY members_member (id, plan_id, member_id, first_name, last_name, "
                      "birth_date, sex, race, ethnicity, language, address, city, county, "
                      "state, zip, product, pcp_npi, hospice, phone, phone_alt, email, "
                      "created_at, updated_at) "
                      "FROM STDIN") as copy:
            for m in range(1, members + 1):
                copy.write_row((m, plan.pk, f"B{m:08d}", "Ann", f"Last{m % 5000}",
                                date(1950, 1, 1), "F", "", "", "English", "", "", "Erie, NY",
                                "NY", "14201", "medicaid", "", False, "", "", "", now, now))
        # Plan, hub and the owning CBO see each referred member.
        owner = {}
        with cur.copy("COPY members_memberaccess (member_id, organisation_id, reason, "
                      "granted_at) FROM STDIN") as copy:
            for m in range(1, members + 1):
                copy.write_row((m, plan.pk, "plan", now))
                if m <= args.referrals // 2:
                    copy.write_row((m, hub.pk, "program", now))
                    owner[m] = cbos[m % CBOS]
                    copy.write_row((m, owner[m], "referral", now))
        print(f"members: {members:,} in {time.perf_counter() - t0:.1f} s")
        t1 = time.perf_counter()
        with cur.copy("COPY referrals_referral (id, member_id, plan_id, hub_id, organisation_id, "
                      "contract_code, service_code, service_type, state, close_reason, "
                      "decline_reason, assignee_id, source, due_at, attempts, created_at, "
                      "updated_at, version, routing_reason, needs_routing, "
                      "routed_by_override, override_reason) FROM STDIN") as copy:
            for r in range(1, args.referrals + 1):
                m = (r + 1) // 2
                org = owner[m]
                state = rng.choice(OPEN) if rng.random() < 0.4 else rng.choice(DONE)
                due = now + timedelta(hours=rng.randrange(-96, 96)) if rng.random() < 0.7 else None
                copy.write_row((r, m, plan.pk, hub.pk, org, "BENCH", "HDM" if r % 2 else "CM",
                                "nutrition", state, "other" if state == "closed" else "", "",
                                rng.choice(workers[org]), "ranked_list", due, 1, now, now, 1,
                                "", False, False, ""))
        print(f"referrals: {args.referrals:,} in {time.perf_counter() - t1:.1f} s")
        t1 = time.perf_counter()
        per = max(1, args.events // args.referrals)
        with cur.copy("COPY referrals_referralevent (referral_id, member_id, organisation_id, "
                      "kind, from_state, to_state, note, at) FROM STDIN") as copy:
            for r in range(1, args.referrals + 1):
                m = (r + 1) // 2
                for k in range(per):
                    copy.write_row((r, m, owner[m], "transition", "", OPEN[k % len(OPEN)], "",
                                    now - timedelta(days=per - k)))
        print(f"events: {args.referrals * per:,} in {time.perf_counter() - t1:.1f} s")
        for table in ("members_member", "referrals_referral"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        t1 = time.perf_counter()
        cur.execute("ANALYZE")
        raw.commit()
        print(f"analyze: {time.perf_counter() - t1:.1f} s; seed total "
              f"{time.perf_counter() - t0:.1f} s")


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def report(label: str, values: list[float]) -> None:
    print(f"{label}: p50 {statistics.median(values):.1f} ms, p95 {p95(values):.1f} ms "
          f"({len(values)} samples)")


def sample_workers(args: argparse.Namespace) -> list[tuple[Any, int]]:
    """(worker membership, a member from that worker's open referrals) pairs; a member of
    the worker's organisation when the worker has no open referral."""
    from django_scopes import scopes_disabled

    from carehub.referrals.models import OPEN_STATES, Referral
    from carehub.tenancy.models import Membership

    rng = random.Random(11)
    with scopes_disabled():
        memberships = list(Membership.objects.filter(role="cbo_worker")
                           .select_related("organisation", "user"))
        picks = []
        for _ in range(args.samples):
            ms = rng.choice(memberships)
            own = Referral.objects.filter(organisation=ms.organisation)
            member = (own.filter(assignee=ms.user, state__in=OPEN_STATES)
                      .values_list("member_id", flat=True).first()
                      or own.values_list("member_id", flat=True).first())
            picks.append((ms, member))
    return picks


def measure_selectors(args: argparse.Namespace) -> None:
    from django_scopes import scopes_disabled

    from carehub.referrals import selectors
    from carehub.tenancy.access import Acting

    inbox_ms, member_ms = [], []
    with scopes_disabled():
        for ms, member_pk in sample_workers(args):
            acting = Acting.of(ms.user, ms)
            t = time.perf_counter()
            selectors.inbox(None, acting)
            inbox_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            member = selectors.get_member(None, acting, member_pk)
            selectors.member_timeline(None, acting, member)
            member_ms.append((time.perf_counter() - t) * 1000)
    report("selectors, owner role: worker inbox", inbox_ms)
    report("selectors, owner role: member (member + timeline)", member_ms)


def measure_views(args: argparse.Namespace) -> None:
    """Both pages through the views: middleware (tenant role, RLS), audit, rendering."""
    from django.test import Client

    from carehub.tenancy.access import SESSION_KEY

    client = Client()
    inbox_ms, member_ms = [], []
    picks = sample_workers(args)
    # One untimed round first: template compilation and URL resolver warm-up.
    for ms, member_pk in picks[:1] + picks:
        client.force_login(ms.user)
        session = client.session
        session[SESSION_KEY] = ms.pk  # as after sign-in, so the timed request does no write
        session.save()
        t = time.perf_counter()
        response = client.get("/referrals/")
        inbox_ms.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"inbox answered {response.status_code}")
        t = time.perf_counter()
        response = client.get(f"/referrals/member/{member_pk}/")
        member_ms.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"member page {member_pk} answered {response.status_code}")
    report("views, tenant role + RLS + rendering: GET /referrals/", inbox_ms[1:])
    report("views, tenant role + RLS + rendering: GET /referrals/member/<pk>/", member_ms[1:])


def measure_ranked(args: argparse.Namespace) -> None:
    from django_scopes import scopes_disabled

    from carehub.members.imports import RankedRow
    from carehub.members.models import Member
    from carehub.referrals import services
    from carehub.referrals.models import RankedList
    from carehub.tenancy.access import Acting, network_cbos
    from carehub.tenancy.models import Organisation

    with scopes_disabled():
        plan = Organisation.objects.get(slug="bench-plan")
        if RankedList.objects.filter(plan=plan, name="bench").exists():
            print("ranked list: already measured on this database (skipped)")
            return
        hub = Organisation.objects.get(slug="bench-hub")
        first = args.referrals // 2 + 1
        ids = list(Member.objects.filter(pk__gte=first).order_by("pk")
                   .values_list("member_id", flat=True)[: args.ranked])
        rows = [RankedRow(i + 2, mid, i + 1, True, "bench", {}) for i, mid in enumerate(ids)]
        t = time.perf_counter()
        ranked, _ = services.save_ranked_list(plan, rows, name="bench", contract_code="BENCH",
                                              service_code="HDM", hub=hub, source_bytes=b"bench",
                                              acting=Acting.system(plan))
        stored = time.perf_counter() - t
        t = time.perf_counter()
        result = services.assign_ranked_list(ranked, list(network_cbos(hub)),
                                             acting=Acting.system(hub))
        assigned = time.perf_counter() - t
        print(f"ranked list of {len(rows):,}: stored in {stored:.1f} s, "
              f"{result.created:,} referrals assigned in {assigned:.1f} s")


if __name__ == "__main__":
    raise SystemExit(main())
