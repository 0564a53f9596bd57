"""The joint operating committee's pack for a large contract (PostgreSQL), as a job.

    .venv/bin/python bench/joc_pack.py [--referrals 100000] [--events-per 10]
        [--db carehub_bench_joc] [--seed-only | --reuse] [--drop] [--out /tmp/joc-bench.pdf]

Creates (or recreates) the database, migrates it and seeds with COPY: one plan, one hub,
5 CBOs delivering under one contract in effect with goals, `--referrals` members with one
referral each spread evenly over the twelve months ending with the pack's month (states
from assigned to completed, a tenth closed), about `--events-per` events a referral
(transition events and outreach attempts; 10 gives 1M referrals / 10M events at full
size), escalations on one referral in 50; a committee with a meeting held (minutes, a
story, action items, case-conference entries).

Then times the pack the way a person gets it: the `reporting.joc_pack` job body run by
`jobs.runner.run_job` as the hub administrator (tenant role, row-level security), which
reads the scorecard (card, 12-month trends of three rates, splits by CBO, race and
language), draws the PDF and keeps it; prints the seconds of each stage and the total,
with the load average. Before timing, the scorecard's figures are counted in full, as the
nightly job leaves them (a contract never counted is read from the referral tables, which
is far slower at this size). `--drop` drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from postgres_setup import django_on  # noqa: E402  (beside this script)

CBOS = 5
PERIOD = "2026-10"
MONTHS = [f"{2025 + (10 + i) // 12}-{(10 + i) % 12 + 1:02d}" for i in range(12)]  # 2025-11..2026-10
STATES = (["assigned"] * 8 + ["outreach"] * 12 + ["contacted"] * 10 + ["screened"] * 4
          + ["declined"] * 6 + ["accepted"] * 4 + ["enrolled"] * 10 + ["in_service"] * 16
          + ["completed"] * 20 + ["closed"] * 10)
RANK = {"assigned": 0, "outreach": 1, "contacted": 2, "declined": 2, "screened": 3,
        "accepted": 4, "enrolled": 5, "in_service": 6, "completed": 7}
ORDER = ["assigned", "outreach", "contacted", "screened", "accepted", "enrolled",
         "in_service", "completed"]
RACES = ["White", "Black or African American", "Asian", "American Indian", "Other"]
LANGUAGES = ["English", "Spanish", "Chinese", "Arabic"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--events-per", type=int, default=10)
    parser.add_argument("--db", default="carehub_bench_joc")
    parser.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--out", default="/tmp/joc-bench.pdf")
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


def refresh() -> None:
    """The scorecard's counted figures, as its nightly job leaves them: the pack reads them."""
    from django.db import connection

    from carehub.reporting.services.scorecard import refresh_facts
    from carehub.tenancy.access import Acting

    t0 = time.perf_counter()
    done = refresh_facts(acting=Acting.system(), full=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE reporting_referralfact")
        cur.execute("ANALYZE reporting_scorecardmonth")
    print(f"scorecard facts, full refresh (the nightly job): {done.referrals:,} referrals in "
          f"{time.perf_counter() - t0:.1f} s {load()}", flush=True)


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

    rng = random.Random(17)
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
        TOTPDevice.objects.create(user=admin, name="bench", confirmed=True)
        contract = Contract.objects.create(
            code="BENCH-JOC", name="bench", payer=plan, provider=hub, stage="implementation",
            baa_required=False, starts=date(2025, 1, 1), joc_cadence="Monthly",
            outreach_goal=Decimal("80"), contact_goal=Decimal("55"), support_goal=Decimal("50"),
            completion_goal=Decimal("40"), min_volume=5000, max_volume=12000)
        contract.delivering_cbos.set(cbos)
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
    n = args.referrals
    now = datetime.now(UTC)
    raw = connection.connection
    events = attempts = escalations = 0
    with raw.cursor() as cur:
        with cur.copy("COPY members_member (id, plan_id, member_id, first_name, last_name, "
                      "birth_date, sex, race, ethnicity, language, address, city, county, "
                      "state, zip, product, pcp_npi, hospice, phone, phone_alt, email, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, plan.pk, f"J{m:08d}", "Ann", f"Last{m}",
                                date(1940 + m % 50, 1 + m % 12, 1), "F", RACES[m % 5], "",
                                LANGUAGES[(m // 12) % 4], "", "Buffalo", "Erie, NY", "NY", "14201",
                                "medicaid", "", False, "", "", "", now, now))
        with cur.copy("COPY members_memberaccess (member_id, organisation_id, reason, "
                      "granted_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, plan.pk, "plan", now))
                copy.write_row((m, hub.pk, "program", now))
                copy.write_row((m, cbos[m % CBOS], "referral", now))
        states = [rng.choice(STATES) for _ in range(n + 1)]
        created = []
        for m in range(n + 1):
            month = MONTHS[m % 12]
            year, mon = (int(x) for x in month.split("-"))
            created.append(datetime(year, mon, 1 + m % 28, 9, tzinfo=UTC))
        with cur.copy("COPY referrals_referral (id, member_id, plan_id, hub_id, organisation_id, "
                      "contract_id, contract_code, service_code, service_type, state, "
                      "close_reason, decline_reason, source, attempts, created_at, "
                      "updated_at, version, routing_reason, needs_routing, "
                      "routed_by_override, override_reason, due_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, m, plan.pk, hub.pk, cbos[m % CBOS], contract.pk,
                                contract.code, "HDM", "nutrition", states[m],
                                "other" if states[m] == "closed" else "", "", "ranked_list", 1,
                                created[m], now, 1, "", False, False, "",
                                created[m] + timedelta(days=7)))
        print(f"members and referrals: {n:,} in {time.perf_counter() - t0:.1f} s {load()}",
              flush=True)
        t1 = time.perf_counter()
        with cur.copy("COPY referrals_referralevent (referral_id, member_id, organisation_id, "
                      "kind, from_state, to_state, note, at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                state = states[m]
                reached = RANK.get(state, rng.randrange(0, 5))
                path = ORDER[:reached + 1]
                for i, (a, b) in enumerate(zip(path, path[1:], strict=False)):
                    copy.write_row((m, m, cbos[m % CBOS], "transition", a, b, "",
                                    created[m] + timedelta(hours=6 * (i + 1))))
                    events += 1
                if state == "closed":
                    copy.write_row((m, m, cbos[m % CBOS], "transition", path[-1], "closed", "",
                                    created[m] + timedelta(days=9)))
                    events += 1
                # Padding to --events-per a referral: assignment and routing events.
                made = len(path) - 1 + (state == "closed")
                for i in range(max(0, args.events_per - made)):
                    copy.write_row((m, m, hub.pk, "routed" if i == 0 else "assigned", "", "",
                                    "", created[m] + timedelta(minutes=i)))
                    events += 1
        with cur.copy("COPY referrals_outreachattempt (referral_id, member_id, organisation_id, "
                      "at, channel, outcome, note) FROM STDIN") as copy:
            for m in range(1, n + 1):
                if states[m] == "assigned":
                    continue
                for i in range(2):
                    copy.write_row((m, m, cbos[m % CBOS], created[m] + timedelta(days=i + 1),
                                    "phone", "no_answer" if i == 0 else "reached", ""))
                    attempts += 1
        with cur.copy("COPY referrals_escalation (referral_id, member_id, organisation_id, "
                      "contract_id, contract_code, level, role, barrier, description, "
                      "raised_at, due_at, resolved_at, resolution) FROM STDIN") as copy:
            barriers = ["transportation", "eligibility", "housing_availability", "other"]
            for m in range(1, n + 1, 50):
                copy.write_row((m, m, cbos[m % CBOS], contract.pk, contract.code, 1,
                                "hub_coordinator", barriers[(m // 50) % 4], "bench",
                                created[m] + timedelta(days=2), created[m] + timedelta(days=3),
                                created[m] + timedelta(days=5) if m % 3 else None, ""))
                escalations += 1
    with connection.cursor() as cursor:
        for table in ("members_member", "referrals_referral", "referrals_referralevent",
                      "referrals_outreachattempt", "referrals_escalation",
                      "members_memberaccess"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                           f"(SELECT max(id) FROM {table}))")
            cursor.execute(f"ANALYZE {table}")
    print(f"events {events:,}, outreach attempts {attempts:,}, escalations {escalations:,} in "
          f"{time.perf_counter() - t1:.1f} s {load()}", flush=True)
    committee_and_meeting(contract, hub, plan, admin, cbos)


def committee_and_meeting(contract, hub, plan, admin, cbos) -> None:  # type: ignore[no-untyped-def]
    from django_scopes import scope, scopes_disabled

    from carehub.members.models import Member
    from carehub.referrals.models import Consent
    from carehub.reporting.models.joc import CommitteeRole
    from carehub.reporting.services import joc as services
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Membership

    with scopes_disabled():
        acting = Acting.of(admin, Membership.objects.get(user=admin))
        member = Member.objects.get(pk=1)
        Consent.objects.create(member=member, organisation=hub, kind="story_sharing",
                               scope="bench", given_on=date(2026, 1, 1))
    with scope(organisation=hub.pk):
        committee = services.create_committee(acting=acting, hub=hub, plan=plan,
                                              contract=contract, name="BENCH-JOC committee")
        services.add_member(committee, acting=acting, role=CommitteeRole.ADMINISTRATIVE_LEAD,
                            user=admin, organisation=hub)
        meeting = services.plan_meeting(committee, acting=acting,
                                        starts_at=datetime(2026, 11, 12, 10, tzinfo=UTC),
                                        period=PERIOD,
                                        domains=["funnel", "equity", "barriers"])
        services.add_story(meeting, acting=acting, member=member, told_by="Worker",
                           title="Home again", text="Meals arrived; she is cooking again.")
        services.record_minutes(meeting, acting=acting, present=set(),
                                minutes={"data_notes": "Bench minutes."})
        for i in range(8):
            services.add_action(meeting, acting=acting, text=f"Action {i}",
                                due_on=date(2026, 12, 1), owner_name="Hub")
        with scopes_disabled():
            members = list(Member.objects.filter(pk__in=range(2, 42)))
        for m in members:
            services.list_for_conference(meeting, acting=acting, member=m, reason="bench",
                                         unresolved=m.pk % 2 == 0)
    print(f"committee and meeting {meeting.pk} ready", flush=True)


def measure(args: argparse.Namespace) -> None:
    from django_scopes import scopes_disabled

    from carehub.jobs import services as jobs
    from carehub.jobs.runner import run_job
    from carehub.reporting import joc_pack, joc_pack_pdf
    from carehub.reporting.joc_pack_job import PACK_KIND, pack_body, pack_path, pack_task
    from carehub.reporting.models.joc import Meeting
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Membership

    with scopes_disabled():
        membership = Membership.objects.select_related("user").get(user__username="bench-hubadmin")
        meeting = Meeting.objects.get(committee__contract__code="BENCH-JOC")
    acting = Acting.of(membership.user, membership)
    # The stages alone, under the hub's scope (no tenant role), to see where time goes.
    from django_scopes import scope

    with scope(organisation=acting.organisation.pk):
        t0 = time.perf_counter()
        meeting = Meeting.objects.select_related("committee", "committee__contract").get(
            pk=meeting.pk)
        pack = joc_pack.build(acting, meeting, for_committee=True)
        t1 = time.perf_counter()
        body = joc_pack_pdf.render(pack)
        t2 = time.perf_counter()
    Path(args.out).write_bytes(body)
    print(f"stages: data {t1 - t0:.2f} s, PDF {t2 - t1:.2f} s ({len(body):,} bytes, "
          f"{len(pack.scorecard.charts) if pack.scorecard else 0} charts) {load()}", flush=True)
    # The job, as the pack page starts it (run here instead of by a worker process).
    job = jobs.start_job(pack_task, kind=PACK_KIND, title="bench pack", acting=acting,
                         params={"meeting": meeting.pk})
    t3 = time.perf_counter()
    result = run_job(str(job.pk), pack_body)
    t4 = time.perf_counter()
    print(f"job {result.get('status')}: {t4 - t3:.2f} s total (target < 30 s) {load()}; "
          f"{pack_path(meeting)}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
