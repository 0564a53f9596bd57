"""Readiness pages: a hub assesses its CBOs and plans TA; a CBO supervisor sees only its
own; a plan reads its contracts' CBOs; users of another network get 404 everywhere."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.reporting import readiness_questions as q
from carehub.reporting.models.readiness import ReadinessAssessment
from carehub.reporting.services import readiness as service
from carehub.reporting.services.readiness import MilestonePlan
from tests.integration.conftest import acting_as, make_org, make_user

pytestmark = pytest.mark.django_db


def form_data(**values: int) -> dict[str, str]:
    data = {"assessed_on": "2026-02-10", "notes": "First visit"}
    for domain in q.DOMAINS:
        for question in domain.questions:
            data[f"q_{question.key}"] = str(values.get(question.key, 2))
    return data


def assess(tenant, **values: int) -> ReadinessAssessment:
    answers = {question.key: (values.get(question.key, 2), "")
               for d in q.DOMAINS for question in d.questions}
    with scopes_disabled():
        return service.record_assessment(tenant.cbo, date(2026, 2, 10), answers,
                                         acting=acting_as(tenant.users["hub_admin"]))


def test_hub_records_an_assessment_through_the_form(tenant, login_as):
    client = login_as(tenant.users["hub_coordinator"])
    url = reverse("reporting:readiness_assess", args=[tenant.cbo.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, form_data(billed_plan_before=1, has_npi=0, tracks_units=1))
    assert response.status_code == 302
    with scopes_disabled():
        found = ReadinessAssessment.objects.get(cbo=tenant.cbo)
        assert found.by_domain["billing"] == 33 and found.overall == 89
        assert found.answers.count() == 18
        assert AuditEvent.objects.filter(object_type="readiness_assessment",
                                         object_id=str(found.pk)).exists()
    page = client.get(reverse("reporting:readiness_cbo", args=[tenant.cbo.pk])).content.decode()
    assert "89%" in page and "ready" in page


def test_missing_answer_names_the_question_and_saves_nothing(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    data = form_data()
    del data["q_privacy_officer"]
    response = client.post(reverse("reporting:readiness_assess", args=[tenant.cbo.pk]), data)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    with scopes_disabled():
        assert not ReadinessAssessment.objects.exists()


def test_cbo_supervisor_sees_its_own_and_marks_its_task_done(tenant, login_as):
    assess(tenant)
    with scopes_disabled():
        task = service.add_task(tenant.cbo, "Train staff on the platform", domain="data",
                                acting=acting_as(tenant.users["hub_admin"]))
    client = login_as(tenant.users["cbo_supervisor"])
    assert client.get(reverse("reporting:readiness")).status_code == 302
    assert client.get(reverse("reporting:readiness_cbo", args=[tenant.cbo.pk])).status_code == 200
    # ...but may not assess itself.
    assert client.get(reverse("reporting:readiness_assess", args=[tenant.cbo.pk])).status_code == 404
    response = client.post(reverse("reporting:readiness_task_status", args=[task.pk]),
                           {"status": "done", "done_on": "2026-03-02"})
    assert response.status_code == 302
    with scopes_disabled():
        task.refresh_from_db()
    assert (task.status, task.done_on) == ("done", date(2026, 3, 2))


def test_cbo_does_not_see_another_cbo_of_the_same_network(tenant, login_as):
    from carehub.tenancy.models import Network, NetworkMember

    with scopes_disabled():
        second = make_org("cbo", "Alpha Second")
        NetworkMember.objects.create(network=Network.objects.get(hub=tenant.hub), cbo=second,
                                     status="accepted", onboarded_by_hub=True)
        boss = make_user("second-super", second, "cbo_supervisor")
    found = assess(tenant)
    client = login_as(boss)
    for url in (reverse("reporting:readiness_cbo", args=[tenant.cbo.pk]),
                reverse("reporting:readiness_assessment", args=[found.pk])):
        assert client.get(url).status_code == 404


def test_other_network_gets_404_everywhere(tenant, other_tenant, login_as):
    found = assess(tenant)
    with scopes_disabled():
        task = service.add_task(tenant.cbo, "Board review", acting=acting_as(tenant.users["hub_admin"]))
        fund = service.create_fund(tenant.cbo, "Claims", [MilestonePlan("Live", Decimal("10.00"))],
                                   starts=date(2026, 1, 1), ends=date(2026, 12, 31),
                                   acting=acting_as(tenant.users["hub_admin"]))
        document = service.save_document("Guide", "guide", text="How to bill",
                                         acting=acting_as(tenant.users["hub_admin"]))
    urls = [reverse("reporting:readiness_cbo", args=[tenant.cbo.pk]),
            reverse("reporting:readiness_cbo_download", args=[tenant.cbo.pk, "tasks", "csv"]),
            reverse("reporting:readiness_assess", args=[tenant.cbo.pk]),
            reverse("reporting:readiness_assessment", args=[found.pk]),
            reverse("reporting:readiness_fund", args=[fund.pk]),
            reverse("reporting:readiness_fund_new", args=[tenant.cbo.pk]),
            reverse("reporting:readiness_fund_download", args=[fund.pk, "csv"]),
            reverse("reporting:resource", args=[document.pk]),
            reverse("reporting:resource_download", args=[document.pk])]
    for role in ("hub_admin", "cbo_supervisor", "payer_manager"):
        client = login_as(other_tenant.users[role])
        for url in urls:
            assert client.get(url).status_code == 404, (role, url)
        assert client.post(reverse("reporting:readiness_task_status", args=[task.pk]),
                           {"status": "done"}).status_code == 404
    with scopes_disabled():
        task.refresh_from_db()
    assert task.status == "open"


def test_exports_carry_the_scores_and_definitions(tenant, login_as):
    assess(tenant, has_npi=1)
    client = login_as(tenant.users["hub_admin"])
    response = client.get(reverse("reporting:readiness_download", args=["csv"]))
    text = response.content.decode()
    assert response["Content-Disposition"] == 'attachment; filename="readiness.csv"'
    assert "Alpha Pantry,2026-02-10,97%,ready,83%,100%" in text
    xlsx = client.get(reverse("reporting:readiness_download", args=["xlsx"]))
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(xlsx.content))
    assert "Definitions" in book.sheetnames
    terms = [row[0] for row in book["Definitions"].iter_rows(values_only=True)]
    assert "Level" in terms and "Domain score" in terms


def test_plan_reads_its_contracts_cbos_and_cannot_write(tenant, login_as):
    from tests.integration.conftest import accepted_contract

    found = assess(tenant)
    client = login_as(tenant.users["payer_manager"])
    cbo_url = reverse("reporting:readiness_cbo", args=[tenant.cbo.pk])
    # Not yet delivering on any of the plan's contracts: nothing to read.
    assert "Alpha Pantry" not in client.get(reverse("reporting:readiness")).content.decode()
    assert client.get(cbo_url).status_code == 404
    with scopes_disabled():
        accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo])
    assert "Alpha Pantry" in client.get(reverse("reporting:readiness")).content.decode()
    page = client.get(cbo_url).content.decode()
    assert "100%" in page and "Assess Alpha Pantry" not in page and "Add a task" not in page
    assert client.get(reverse("reporting:readiness_assessment", args=[found.pk])).status_code == 200
    assert client.post(reverse("reporting:readiness_assess", args=[tenant.cbo.pk]),
                       form_data()).status_code == 404
    assert client.post(reverse("reporting:readiness_task_add", args=[tenant.cbo.pk]),
                       {"title": "x"}).status_code == 404
