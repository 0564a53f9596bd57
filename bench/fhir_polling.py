"""FHIR Task polling at 1,000,000 referrals (= Tasks) on PostgreSQL, through the real view
with a real token.

    .venv/bin/python bench/fhir_polling.py [--referrals 1000000] [--samples 200]
        [--db carehub_bench_fhir] [--seed-only | --reuse] [--drop]

Creates (or recreates) the database, migrates it and seeds with COPY: one plan, one hub,
5 CBOs delivering under one contract, one member per referral (each with an active
data-sharing consent: FHIR serves a member's Task only under one), `--referrals`
referrals over the 24 months before now, each last changed at its own moment (so
`_lastUpdated` selects), in every state of the loop, and a service delivered for those in
service or completed. Then a partner system is registered for the hub and one for a CBO
(`fhir.services.clients.register`), each gets a token from the token endpoint with a
signed client assertion (SMART Backend Services), and `--samples` polling requests are
timed through Django's test client (whole middleware stack, the `carehub_tenant` role
with row-level security):

- the hub's system: `Task?owner=Organization/<cbo>&_lastUpdated=gt<t>` (t spread over the
  24 months: every request reads a page of 50 Tasks),
- the CBO's own system: the same for itself,
- with `status=in-progress`, and with `_include=Task:focus`,
- following the `next` link of a page.

p50 / p95 / max are printed with the load average. `--drop` drops the database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from postgres_setup import django_on  # noqa: E402  (beside this script)

CBOS = 5
DAYS = 730
STATES = [("assigned", 0.12), ("outreach", 0.10), ("contacted", 0.08), ("screened", 0.05),
          ("accepted", 0.05), ("declined", 0.07), ("enrolled", 0.05), ("in_service", 0.10),
          ("completed", 0.25), ("closed", 0.13)]
TOKEN_PATH = "/fhir/auth/token"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--db", default="carehub_bench_fhir")
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


def _state(rng: random.Random) -> str:
    roll, seen = rng.random(), 0.0
    for state, share in STATES:
        seen += share
        if roll < seen:
            return state
    return "completed"


def seed(args: argparse.Namespace) -> None:  # noqa: PLR0915 - one linear seed
    from django.db import connection
    from django_scopes import scopes_disabled

    from carehub.contracts.models import Contract, ContractParty, ServiceDefinition
    from carehub.contracts.services import sync_parties
    from carehub.network.models import ServiceType
    from carehub.tenancy.models import Network, NetworkMember, Organisation

    rng = random.Random(15)
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
        start = datetime.now(UTC).date() - timedelta(days=DAYS)
        contract = Contract.objects.create(
            code="BENCH-FHIR", name="bench", payer=plan, provider=hub, stage="implementation",
            baa_required=False, starts=start)
        contract.delivering_cbos.set(cbos)
        sync_parties(contract)
        ContractParty.objects.filter(contract=contract).update(status="accepted")
        service = ServiceDefinition.objects.create(
            contract=contract, code="HDM", name="Meals", timing_hours=48,
            service_type=ServiceType.objects.get(slug="nutrition"))
    n = args.referrals
    now = datetime.now(UTC)
    first = now - timedelta(days=DAYS)
    span = (now - first).total_seconds()
    raw = connection.connection
    with raw.cursor() as cur:
        with cur.copy("COPY members_member (id, plan_id, member_id, first_name, last_name, "
                      "birth_date, sex, race, ethnicity, language, address, city, county, "
                      "state, zip, product, pcp_npi, hospice, phone, phone_alt, email, "
                      "created_at, updated_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, plan.pk, f"F{m:08d}", "Ann", f"Last{m}", "1950-01-01", "F",
                                "", "", "English", "", "Buffalo", "Erie, NY", "NY", "14201",
                                "medicaid", "", False, "", "", "", now, now))
        with cur.copy("COPY members_memberaccess (member_id, organisation_id, reason, "
                      "granted_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, plan.pk, "plan", now))
                copy.write_row((m, hub.pk, "program", now))
                copy.write_row((m, cbos[m % CBOS], "referral", now))
        with cur.copy("COPY referrals_consent (member_id, organisation_id, kind, scope, "
                      "given_on, recorded_at) FROM STDIN") as copy:
            for m in range(1, n + 1):
                copy.write_row((m, hub.pk, "data_sharing", "hub network and plan",
                                start, now))
        states = []
        with cur.copy("COPY referrals_referral (id, member_id, plan_id, hub_id, organisation_id, "
                      "contract_id, service_id, contract_code, service_code, service_type, "
                      "state, close_reason, decline_reason, source, attempts, created_at, "
                      "updated_at, version, routing_reason, needs_routing, "
                      "routed_by_override, override_reason) FROM STDIN") as copy:
            for r in range(1, n + 1):
                state = _state(rng)
                states.append(state)
                made = first + timedelta(seconds=rng.random() * span * 0.9)
                changed = made + timedelta(seconds=rng.random() * (now - made).total_seconds())
                copy.write_row((r, r, plan.pk, hub.pk, cbos[r % CBOS], contract.pk, service.pk,
                                contract.code, "HDM", "nutrition", state,
                                "other" if state == "closed" else "",
                                "not now" if state == "declined" else "", "fhir", 1, made,
                                changed, 1 + rng.randrange(8), "", False, False, ""))
        print(f"members, consents and referrals: {n:,} in {time.perf_counter() - t0:.1f} s",
              flush=True)
        t1 = time.perf_counter()
        served = 0
        with cur.copy("COPY referrals_servicedelivery (referral_id, member_id, organisation_id, "
                      "contract_id, service_id, contract_code, service_code, date, units, "
                      "setting, note, at) FROM STDIN") as copy:
            for r in range(1, n + 1):
                if states[r - 1] not in ("in_service", "completed"):
                    continue
                day = (first + timedelta(days=r % DAYS)).date()
                copy.write_row((r, r, cbos[r % CBOS], contract.pk, service.pk, contract.code,
                                "HDM", day, 1, "home", "", now))
                served += 1
        for table in ("members_member", "referrals_referral"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608
                        f"(SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE")
        raw.commit()
        print(f"services delivered {served:,}, analyze: {time.perf_counter() - t1:.1f} s; seed "
              f"total {time.perf_counter() - t0:.1f} s", flush=True)


def _token(org_slug: str, scopes: str) -> str:
    """Register a partner system for the organisation and get a token the way a partner
    does: a client assertion signed with its RSA key, POSTed to the token endpoint."""
    from django.test import Client
    from django_scopes import scopes_disabled
    from jwcrypto import jwk, jwt

    from carehub.fhir.oauth import ASSERTION_TYPE
    from carehub.fhir.services import clients
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Organisation

    key = jwk.JWK.generate(kty="RSA", size=2048, kid=f"bench-{org_slug}", use="sig",
                           alg="RS384")
    with scopes_disabled():
        org = Organisation.objects.get(slug=org_slug)
        partner = clients.register(
            org, name=f"Bench {org_slug} system", scopes=scopes, acting=Acting.system(),
            jwks={"keys": [json.loads(key.export_public())]})
    claims = {"iss": partner.client_id, "sub": partner.client_id,
              "aud": f"http://testserver{TOKEN_PATH}", "exp": int(time.time()) + 240,
              "jti": uuid.uuid4().hex}
    assertion = jwt.JWT(header={"alg": "RS384", "kid": key.kid, "typ": "JWT"}, claims=claims)
    assertion.make_signed_token(key)
    response = Client().post(TOKEN_PATH, data=urlencode({
        "grant_type": "client_credentials", "scope": scopes,
        "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion.serialize()}),
        content_type="application/x-www-form-urlencoded")
    if response.status_code != 200:
        raise SystemExit(f"token endpoint answered {response.status_code}: {response.content!r}")
    return str(response.json()["access_token"])


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def timed(label: str, token: str, paths: list[str]) -> list[Any]:
    """GET each path (after an untimed warm-up of the first), timing each."""
    from django.test import Client

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/fhir+json"}
    client.get(paths[0], **headers)  # type: ignore[arg-type]
    before = load()
    spent, bodies = [], []
    for path in paths:
        t = time.perf_counter()
        response = client.get(path, **headers)  # type: ignore[arg-type]
        spent.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
        bodies.append(response.json())
    entries = sum(len(b.get("entry") or []) for b in bodies)
    print(f"{label}: p50 {statistics.median(spent):.1f} ms, p95 {p95(spent):.1f} ms, "
          f"max {max(spent):.1f} ms ({len(spent)} requests, {entries / len(spent):.0f} "
          f"entries each on average; {before} before, {load()} after)", flush=True)
    return bodies


def measure(args: argparse.Namespace) -> None:
    from django_scopes import scopes_disabled

    from carehub.tenancy.models import Organisation

    with scopes_disabled():
        cbo = Organisation.objects.get(slug="bench-cbo-0")
    hub_token = _token("bench-hub", "system/Task.rs system/ServiceRequest.rs")
    cbo_token = _token("bench-cbo-0", "system/Task.rs system/ServiceRequest.rs")
    rng = random.Random(16)
    now = datetime.now(UTC)

    def since() -> str:
        moment = now - timedelta(seconds=rng.random() * DAYS * 86400)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    owner = f"Organization/{cbo.pk}"
    n = args.samples
    polls = [f"/fhir/Task?owner={owner}&_lastUpdated=gt{since()}" for _ in range(n)]
    bodies = timed("hub's system: Task?owner=<cbo>&_lastUpdated=gt<t>", hub_token, polls)
    timed("CBO's own system: Task?owner=<itself>&_lastUpdated=gt<t>", cbo_token,
          [f"/fhir/Task?owner={owner}&_lastUpdated=gt{since()}" for _ in range(n)])
    timed("with status=in-progress", hub_token,
          [f"/fhir/Task?owner={owner}&status=in-progress&_lastUpdated=gt{since()}"
           for _ in range(n)])
    timed("with _include=Task:focus", hub_token,
          [f"/fhir/Task?owner={owner}&_lastUpdated=gt{since()}&_include=Task:focus"
           for _ in range(n)])
    nexts = [link["url"].split("testserver", 1)[-1] for b in bodies for link in b["link"]
             if link["relation"] == "next"]
    if nexts:
        timed("following a page's next link", hub_token, nexts[:n])


if __name__ == "__main__":
    raise SystemExit(main())
