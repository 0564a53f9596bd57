"""The payer's review queue at scale: 100,000 bills and 1,000,000 lines on PostgreSQL,
then the queue page timed as a program manager sees it (p50, p95 over repeated loads).

Run on demand (it is not collected with the tests):
    DATABASE_URL=postgresql://... python -m pytest bench/review_queue_probe.py -q -s
Sizes: REVIEW_BENCH_BILLS (default 100000), ten lines a bill.
"""

from __future__ import annotations

import os
import statistics
import time

import pytest
from django.db import connection
from django.urls import reverse
from django_scopes import scopes_disabled
from tests.integration.billing.review_factory import billing_setup
from tests.integration.conftest import make_org, make_tenant, signed_in
from tests.integration.referrals.conftest import deliver_under

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
BILLS = int(os.environ.get("REVIEW_BENCH_BILLS", "100000"))
LINES_PER_BILL = 10


def _fill(tenant, contract, referral, cbos) -> None:  # type: ignore[no-untyped-def]
    cbo_ids = "ARRAY[" + ",".join(str(c.pk) for c in cbos) + "]"
    with connection.cursor() as c:
        c.execute("""
            INSERT INTO billing_submission (contract_id, payer_id, hub_id, period, mode,
                control_number, document, sha256, check_result, bills, lines, total,
                submitted_at)
            SELECT %s, %s, %s, '2026-10', 'claims', g, '', '', 'accepted', 1000, 10000, 0,
                   now() FROM generate_series(1, %s) g""",
                  [contract.pk, tenant.payer.pk, tenant.hub.pk, BILLS // 1000 + 1])
        c.execute("SELECT min(id) FROM billing_submission")
        first_submission = c.fetchone()[0]
        # Statuses: 30% waiting, 50% approved, 10% paid, 8% denied, 2% pended.
        c.execute(f"""
            INSERT INTO billing_bill (submission_id, kind, number, contract_id, payer_id,
                hub_id, cbo_id, member_id, period, services, first_service, last_service,
                line_count, amount, status, submitted_at, reason_code, question, answer,
                paid_amount)
            SELECT %s + g / 1000, 'claim', 'B' || g, %s, %s, %s,
                   ({cbo_ids})[1 + g %% {len(cbos)}], %s, '2026-10', 'HDM',
                   date '2026-10-01', date '2026-10-10', {LINES_PER_BILL},
                   round((75 + (g %% 97))::numeric, 2),
                   CASE WHEN g %% 10 < 3 THEN 'submitted' WHEN g %% 10 < 8 THEN 'approved'
                        WHEN g %% 10 = 8 THEN 'paid' WHEN g %% 50 = 9 THEN 'pended'
                        ELSE 'denied' END,
                   now() - (g %% 365) * interval '1 day' - g * interval '1 second',
                   CASE WHEN g %% 10 = 9 THEN 'D1' ELSE '' END, '', '', 0
            FROM generate_series(1, %s) g""",
                  [first_submission, contract.pk, tenant.payer.pk, tenant.hub.pk,
                   tenant.member.pk, BILLS])
        c.execute("SELECT min(id) FROM billing_bill")
        first_bill = c.fetchone()[0]
        lines = BILLS * LINES_PER_BILL
        c.execute("""
            INSERT INTO referrals_servicedelivery (referral_id, member_id, organisation_id,
                contract_id, contract_code, service_code, date, units, setting, note, at)
            SELECT %s, %s, %s, %s, %s, 'HDM', date '2026-10-01' + (g %% 10), 1, 'home', '',
                   now() FROM generate_series(1, %s) g""",
                  [referral.pk, tenant.member.pk, tenant.cbo.pk, contract.pk, contract.code,
                   lines])
        c.execute(f"""
            INSERT INTO billing_billline (delivery_id, referral_id, member_id, contract_id,
                payer_id, hub_id, cbo_id, period, service_code, service_date, hcpcs,
                modifiers, units, rate, amount, place_of_service, diagnosis_codes, status,
                failures, bill_id, paid_amount, adjustments, updated_at)
            SELECT d.id, d.referral_id, d.member_id, d.contract_id, %s, %s, d.organisation_id,
                   '2026-10', 'HDM', d.date, 'S5170', 'U1', 1, 7.5, 7.5, '12', 'Z59.41',
                   'submitted',
                   CASE WHEN d.id %% 37 = 0 THEN '[{{"code": "W1"}}]'::jsonb ELSE '[]'::jsonb END,
                   %s + (row_number() OVER (ORDER BY d.id) - 1) / {LINES_PER_BILL}, 0,
                   '[]'::jsonb, now()
            FROM referrals_servicedelivery d WHERE d.referral_id = %s""",
                  [tenant.payer.pk, tenant.hub.pk, first_bill, referral.pk])
        c.execute("ANALYZE billing_bill; ANALYZE billing_billline; "
                  "ANALYZE referrals_servicedelivery; ANALYZE contracts_contractparty")


def _time(client, params: dict[str, str], runs: int = 40,
          url: str = "") -> tuple[float, float]:  # type: ignore[no-untyped-def]
    url = url or reverse("billing:review")
    client.get(url, params)  # warm
    spent = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, params)
        spent.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95) - 1]


def test_queue_at_scale(db):
    tenant = make_tenant("Alpha")
    contract, referral = billing_setup(tenant)
    with scopes_disabled():
        cbos = [tenant.cbo] + [make_org("cbo", f"Bench CBO {i}") for i in range(4)]
    for cbo in cbos[1:]:
        deliver_under(contract.code, cbo, tenant.hub)
    start = time.perf_counter()
    _fill(tenant, contract, referral, cbos)
    print(f"\nfilled {BILLS:,} bills, {BILLS * LINES_PER_BILL:,} lines in "
          f"{time.perf_counter() - start:.1f} s")
    client = signed_in(tenant.users["payer_manager"])
    cases = {
        "queue, first page": {},
        "queue, page 20": {"page": "20"},
        "one CBO": {"cbo": str(cbos[2].pk)},
        "amount 100-150": {"amount_min": "100", "amount_max": "150"},
        "waiting 200+ days": {"age_min": "200"},
        "service HDM": {"service": "HDM"},
        "edit notes": {"edits": "notes"},
        "approved, largest first": {"status": "approved", "sort": "-amount"},
    }
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(conn) as captured:
        client.get(reverse("billing:review"))
    print(f"queries on the first page: {len(captured.captured_queries)}")
    for q in captured.captured_queries:
        print(f"  {q['time']}  {q['sql'][:150]}")
    from carehub.tenancy.rls import tenant_connection

    for label in ("amount 100-150", "edit notes", "approved, largest first", "queue, first page"):
        with CaptureQueriesContext(conn) as captured:
            client.get(reverse("billing:review"), cases[label])
        print(f"plans for {label}:")
        for q in captured.captured_queries:
            if "billing_bill" in q["sql"] and q["sql"].startswith("SELECT"):
                with tenant_connection(tenant.payer.pk), conn.cursor() as cursor:
                    cursor.execute("EXPLAIN ANALYZE " + q["sql"])
                    print("    " + q["sql"][:100])
                    for (row,) in cursor.fetchall():
                        print("      " + row[:160])
    median, p95 = _time(client, {}, url="/notifications/")
    print(f"{'(baseline: notifications)':28} median {median:6.1f} ms   p95 {p95:6.1f} ms")
    for label, params in cases.items():
        median, p95 = _time(client, params)
        print(f"{label:28} median {median:6.1f} ms   p95 {p95:6.1f} ms")
