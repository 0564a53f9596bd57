"""Row-level security on ROI runs, social measures and renewal decisions: the contract's
plan and hub see them; its CBOs and other networks see none; decisions are never changed."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from carehub.analytics.roi import RoiOptions
from carehub.jobs.runner import run_job
from carehub.reporting.models import RoiRun, RoiStatus
from carehub.reporting.services import roi as services
from carehub.reporting.tasks_roi import roi_body
from carehub.tenancy.rls import tenant_connection
from tests.integration.conftest import acting_as
from tests.integration.reporting.roi_world import world

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
        return int(cursor.fetchone()[0])


def test_plan_and_hub_see_their_rows_others_none(tenant, other_tenant, tmp_path, login_as):
    contract, data = world(tenant, tmp_path)
    plan = acting_as(tenant.users["payer_manager"], tenant.payer)
    run = services.start_run(contract, dataset=data, options=RoiOptions(bootstrap=100),
                             acting=plan)
    services.define_measure(contract, name="Meals", counts="service_units", code="HDM",
                            unit="meals", acting=plan)
    services.record_decision(contract, decision="renew", reasons="ok", transition_plan="",
                             acting=plan)
    tables = ("reporting_roirun", "reporting_socialmeasure", "reporting_renewaldecision")
    seen = {}
    for name, org in (("plan", tenant.payer), ("hub", tenant.hub), ("cbo", tenant.cbo),
                      ("other", other_tenant.payer)):
        with tenant_connection(org.pk):
            seen[name] = [count(t) for t in tables]
    assert seen == {"plan": [1, 1, 1], "hub": [1, 1, 1], "cbo": [0, 0, 0], "other": [0, 0, 0]}
    with tenant_connection(tenant.payer.pk), pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE reporting_renewaldecision SET decision = 'wind_down'")

    # The job runs as the analyst's plan under the tenant role, and the hub reads the
    # result through the page.
    run_job(str(run.job_id), roi_body)
    assert RoiRun.objects.get(pk=run.pk).status == RoiStatus.DONE
    page = login_as(tenant.users["hub_admin"], tenant.hub).get(
        reverse("reporting:roi_run", args=[run.pk]))
    assert page.status_code == 200 and "95% interval" in page.content.decode()
