"""Routing benchmark: where 50,000 ranked members go, decided by `referrals.routing.Router`,
and the whole assignment of the ranked list with the contract's rules applied.

    .venv/bin/python bench/routing.py [--members 50000] [--cbos 60] [--seed 7]
        [--decisions-only]

Builds a fresh database (SQLite in a temporary folder unless DATABASE_URL is set, in
which case that database is migrated and seeded: use an empty one), seeds a hub network
of `--cbos` CBOs with directory services (nutrition and others, coverage by county and
zip, languages, capacity accepting / waitlist / closed), staff for most of them, a
contract in effect delivered by most of them and a ranked list of `--members` selected
members spread over New York's counties, then times:

- `Router(hub)`: reading the directory, the delivering list, the staff and the loads;
- the decisions alone for every member (`Router.decide_many`), members already loaded;
- `route_ranked_list`: what assigning the ranked list runs (members read in chunks,
  a fresh router, each decision counted into the load before the next);
- the contract's rules alone for every member (`rules.Door`: payer, product, age,
  counties, enrolment on the day, hospice excluded, the period's volume), members and
  enrolment spans already loaded;
- `services.assign_ranked_list`, the whole assignment (unless `--decisions-only`): the
  rules for the list and for each member, routing, the referrals, their events and the
  access grants inserted in bulk, audited, in one transaction.

Prints seconds for each and how many members were placed, refused by the rules or left
for the hub's needs-routing queue.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

COUNTIES = ["Albany, NY", "Bronx, NY", "Broome, NY", "Erie, NY", "Kings, NY", "Monroe, NY",
            "Nassau, NY", "New York, NY", "Niagara, NY", "Oneida, NY", "Onondaga, NY",
            "Orange, NY", "Queens, NY", "Richmond, NY", "Rockland, NY", "Suffolk, NY",
            "Westchester, NY", "Dutchess, NY", "Saratoga, NY", "Ulster, NY"]
LANGUAGES = ["English"] * 14 + ["Spanish"] * 4 + ["Bengali", "Arabic", "Chinese", "Russian"]
TYPES = ["nutrition", "tenancy-support", "care-coordination", "transportation"]
# The contract's eligible population: what `rules.Door` checks per member.
CRITERIA = f"""population: bench-meals
as_of: 2026-01-01
require:
  product: [medicaid, dsnp]
  age: {{min: 18}}
  geography: {{counties: [{", ".join(f'"{c}"' for c in COUNTIES)}]}}
  enrolled: true
exclude:
  hospice: true
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--cbos", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--decisions-only", action="store_true",
                        help="skip the full assignment (rules + routing + bulk insert)")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory(prefix="carehub-bench-routing-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{folder.name}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehub.settings")
    os.environ.setdefault("CAREHUB_VAR", folder.name)
    import django

    django.setup()
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    ranked = seed(args)
    print(f"seed: {args.cbos} CBOs, {args.members:,} ranked members in "
          f"{time.perf_counter() - t0:.1f} s")
    measure(ranked)
    measure_rules(ranked)
    if not args.decisions_only:
        measure_assignment(ranked)
    return 0


def seed(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from django_scopes import scopes_disabled

    from carehub.accounts.models import User
    from carehub.contracts.models import Contract, ContractParty, ServiceDefinition
    from carehub.contracts.services import sync_parties
    from carehub.members.models import EnrolmentSpan, Member
    from carehub.network.models import Service, ServiceType
    from carehub.referrals.models import RankedList, RankedListEntry
    from carehub.tenancy.models import Membership, Network, NetworkMember, Organisation

    rng = random.Random(args.seed)
    with scopes_disabled():
        plan = Organisation.objects.create(kind="payer", name="Bench Plan", legal_name="B",
                                           slug="bench-plan")
        hub = Organisation.objects.create(kind="hub", name="Bench Hub", legal_name="B",
                                          slug="bench-hub")
        network = Network.objects.create(hub=hub, name="n")
        types = {t.slug: t for t in ServiceType.objects.filter(slug__in=TYPES)}
        # Operating (the rules let referrals in), no BAA to wait for, a population to check.
        contract = Contract.objects.create(code="BENCH-MEALS", name="Meals", payer=plan,
                                           provider=hub, stage="implementation",
                                           baa_required=False, criteria=CRITERIA)
        meals = ServiceDefinition.objects.create(contract=contract, code="HDM", name="Meals",
                                                 service_type=types["nutrition"])
        delivering, services = [], []
        for i in range(args.cbos):
            cbo = Organisation.objects.create(kind="cbo", name=f"CBO {i:03d}", legal_name="B",
                                              slug=f"bench-cbo-{i}")
            NetworkMember.objects.create(network=network, cbo=cbo, status="accepted")
            if rng.random() < 0.85:  # most have staff
                user = User.objects.create(username=f"bench-w{i}", password="!")
                Membership.objects.create(user=user, organisation=cbo, role="cbo_worker")
            if rng.random() < 0.8:
                delivering.append(cbo)
            for slug in rng.sample(TYPES, k=rng.randint(1, 3)):
                services.append(Service(
                    organisation=cbo, service_type=types[slug], name=f"{slug} {i}",
                    coverage_counties=rng.sample(COUNTIES, k=rng.randint(1, 4)),
                    coverage_zips=[f"1{rng.randint(0, 4999):04d}" for _ in range(rng.randint(0, 5))],
                    languages=sorted({"English", *rng.sample(LANGUAGES, k=2)}),
                    capacity_status=rng.choices(["accepting", "waitlist", "closed"],
                                                [0.7, 0.2, 0.1])[0]))
        Service.objects.bulk_create(services)
        contract.delivering_cbos.set(delivering)
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
        # A few members the rules refuse: another product, in hospice, enrolment ended.
        members = Member.objects.bulk_create([
            Member(plan=plan, member_id=f"R{m:07d}", first_name="Ann", last_name=f"L{m}",
                   birth_date=date(1940 + rng.randint(0, 60), 1 + rng.randint(0, 11), 1),
                   sex="F", product="commercial" if rng.random() < 0.01 else "medicaid",
                   hospice=rng.random() < 0.01,
                   county=rng.choice(COUNTIES), zip=f"1{rng.randint(0, 4999):04d}",
                   language=rng.choice(LANGUAGES))
            for m in range(args.members)], batch_size=5000)
        if not members or members[0].pk is None:  # backends that return no ids
            members = list(Member.objects.filter(plan=plan).order_by("pk"))
        today = date.today()
        EnrolmentSpan.objects.bulk_create([
            EnrolmentSpan(member=m, start=date(2020, 1, 1),
                          end=today - timedelta(days=30) if rng.random() < 0.02 else None)
            for m in members], batch_size=5000)
        ranked = RankedList.objects.create(plan=plan, hub=hub, name="bench", contract=contract,
                                           service=meals, contract_code=contract.code,
                                           service_code="HDM", source_sha256="0" * 64)
        RankedListEntry.objects.bulk_create(
            [RankedListEntry(ranked_list=ranked, member=m, rank=i + 1, selected=True)
             for i, m in enumerate(members)], batch_size=5000)
    return ranked


def measure(ranked) -> None:  # type: ignore[no-untyped-def]
    from django_scopes import scopes_disabled

    from carehub.members.models import Member
    from carehub.referrals.routing import Router, route_ranked_list

    hub = ranked.hub
    with scopes_disabled():
        member_ids = list(ranked.entries.order_by("rank").values_list("member_id", flat=True))
        t0 = time.perf_counter()
        router = Router(hub)
        built = time.perf_counter() - t0
        contract = router.contract(ranked.contract_code)
        members = list(Member.objects.filter(pk__in=member_ids).only("pk", "county", "zip",
                                                                     "language"))
        t0 = time.perf_counter()
        decisions = router.decide_many(members, contract, "nutrition")
        decided = time.perf_counter() - t0
        t0 = time.perf_counter()
        routed = route_ranked_list(ranked, member_ids)
        whole = time.perf_counter() - t0
    placed = sum(1 for d in decisions.values() if d.organisation is not None)
    held = sum(1 for org, _ in routed.values() if org == hub.pk)
    n = len(member_ids)
    print(f"Router(hub): {built * 1000:.1f} ms")
    print(f"decisions for {n:,} members: {decided:.2f} s ({decided / n * 1e6:.1f} µs each); "
          f"{placed:,} placed, {n - placed:,} to the needs-routing queue")
    print(f"route_ranked_list for {n:,} members (reads included): {whole:.2f} s; "
          f"{n - held:,} placed, {held:,} held by the hub")
    sample = next(iter(decisions.values()))
    print(f"a reason: {sample.reason}")


def measure_rules(ranked) -> None:  # type: ignore[no-untyped-def]
    """The contract's rules for every member, as `assign_ranked_list` asks them."""
    from collections import defaultdict

    from django_scopes import scopes_disabled

    from carehub.members.models import EnrolmentSpan, Member
    from carehub.referrals.rules import Door

    with scopes_disabled():
        member_ids = list(ranked.entries.order_by("rank").values_list("member_id", flat=True))
        members = Member.objects.in_bulk(member_ids)
        spans: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
        for m, start, end in EnrolmentSpan.objects.filter(
                member_id__in=member_ids).values_list("member_id", "start", "end"):
            spans[m].append((start, end))
        t0 = time.perf_counter()
        door = Door(ranked.contract, ranked.service, date.today())
        whole_list = [*door.contract_problems(), *door.hub_problems(ranked.hub)]
        passed = 0
        for m in member_ids:
            problems = [*door.member_problems(members[m], spans=spans[m]),
                        *door.volume_problems(extra=passed)]
            passed += not problems
        checked = time.perf_counter() - t0
    n = len(member_ids)
    print(f"rules for {n:,} members (members and spans loaded): {checked:.2f} s "
          f"({checked / n * 1e6:.1f} µs each); {passed:,} pass, {n - passed:,} refused"
          f"{'; list refused: ' + str(whole_list) if whole_list else ''}")


def measure_assignment(ranked) -> None:  # type: ignore[no-untyped-def]
    """`services.assign_ranked_list`: rules + routing + bulk insert, one transaction."""
    from collections import Counter

    from django_scopes import scopes_disabled

    from carehub.referrals import services
    from carehub.referrals.models import Referral
    from carehub.tenancy.access import Acting, network_cbos

    hub = ranked.hub
    with scopes_disabled():
        cbos = list(network_cbos(hub))
        t0 = time.perf_counter()
        result = services.assign_ranked_list(ranked, cbos, acting=Acting.system(hub))
        whole = time.perf_counter() - t0
        held = Referral.objects.filter(hub=hub, needs_routing=True).count()
    rules = Counter(p.rule for r in result.refused for p in r.problems)
    print(f"assign_ranked_list (rules + routing + bulk insert) for "
          f"{result.created + len(result.refused):,} selected members: {whole:.2f} s; "
          f"{result.created:,} referrals ({result.created - held:,} placed at a CBO, "
          f"{held:,} held by the hub), {len(result.refused):,} refused by the rules "
          f"({', '.join(f'{k} {v}' for k, v in rules.most_common())}), "
          f"CBOs offered that do not deliver: {len(result.cbos_skipped)}")


if __name__ == "__main__":
    raise SystemExit(main())
