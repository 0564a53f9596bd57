"""The demo's readiness: every network CBO assessed, the CBO that moved to claims ready in
billing, a TA plan, and a fund whose first milestone is paid on an issued statement."""

import pytest
from django_scopes import scopes_disabled

from carehub.demo import seed as demo
from carehub.reporting.models.readiness import CapacityFund, ReadinessAssessment, TaTask
from carehub.reporting.selectors.readiness import fund_progress
from carehub.tenancy.access import network_cbos

pytestmark = pytest.mark.django_db


def test_demo_readiness(settings):
    ctx = demo.seed(members=60, log=lambda s: None)
    with scopes_disabled():
        cbos = set(network_cbos(ctx.hub).values_list("pk", flat=True))
        assert set(ReadinessAssessment.objects.values_list("cbo_id", flat=True)) == cbos
        claims_cbo = ctx.users["supervisor"].memberships.first().organisation
        westside = ReadinessAssessment.objects.get(cbo=claims_cbo)
        assert westside.by_domain["billing"] == 100 and westside.by_domain["data"] == 100
        levels = sorted(a.overall for a in ReadinessAssessment.objects.all())
        assert any(50 <= score < 80 for score in levels)
        assert TaTask.objects.filter(fund__isnull=True).count() == 4
        fund = CapacityFund.objects.get()
        progress = fund_progress(fund)
        assert [(r.task.title, str(r.paid)) for r in progress.rows] == [
            ("Billing workflow live", "5000.00"), ("Devices managed and encrypted", "0.00")]
        assert progress.rows[0].source.startswith("issued statement ")
        assert str(progress.outstanding) == "2500.00"
