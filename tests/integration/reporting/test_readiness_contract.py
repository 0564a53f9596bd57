"""Readiness where a contract moves a CBO from invoices to claims: billing mode now and
under the latest amendment, and a warning in words when the CBO is not ready."""

from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.contracts.services import add_terms_version
from carehub.reporting import readiness_questions as q
from carehub.reporting.services import readiness as service
from tests.integration.conftest import accepted_contract, acting_as

pytestmark = pytest.mark.django_db

TERMS = """contract: T-MEALS
payer: {payer}
provider: {hub}
effective: {effective}
ends: 2027-12-31
billing: invoice
{extra}services:
  - {{code: HDM, name: Home-delivered meal, unit: meal, rate: "7.50"}}
components:
  - {{id: meals, type: fee_for_service, services: [HDM]}}
"""


def contract_moving_to_claims(tenant):
    hub = acting_as(tenant.users["hub_admin"])
    with scopes_disabled():
        contract = accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo])
        for effective, extra in (("2026-01-01", ""),
                                 ("2027-01-01", f"billing_by_provider: {{{tenant.cbo.slug}: claims}}\n")):
            add_terms_version(contract, TERMS.format(payer=tenant.payer.slug, hub=tenant.hub.slug,
                                                     effective=effective, extra=extra),
                              acting=hub)
    return contract


def assess(tenant, **values: int) -> None:
    answers = {question.key: (values.get(question.key, 2), "")
               for d in q.DOMAINS for question in d.questions}
    with scopes_disabled():
        service.record_assessment(tenant.cbo, date(2026, 2, 10), answers,
                                  acting=acting_as(tenant.users["hub_admin"]))
        service.add_task(tenant.cbo, "Set up device management", domain="data",
                         acting=acting_as(tenant.users["hub_admin"]))


def test_warns_when_a_cbo_moving_to_claims_is_not_ready_in_data(tenant, login_as):
    contract = contract_moving_to_claims(tenant)
    assess(tenant, platform_trained=1, records_on_time=1, secure_devices=1)
    url = reverse("reporting:readiness_contract", args=[contract.code])
    for role in ("hub_admin", "payer_analyst"):
        page = login_as(tenant.users[role]).get(url).content.decode()
        assert "Bills by <strong>invoice</strong> now; by <strong>claims</strong> from 2027-01-01" in page
        assert ("Alpha Pantry moves to claims but scores 50% in data and technology "
                "(ready with support), below ready (80%).") in page
        assert "billing 100%" in page
        assert "Set up device management" in page


def test_no_warning_when_ready_in_billing_and_data(tenant, login_as):
    contract = contract_moving_to_claims(tenant)
    assess(tenant, audited_statements=0)  # finance does not decide claims readiness
    page = login_as(tenant.users["hub_admin"]).get(
        reverse("reporting:readiness_contract", args=[contract.code])).content.decode()
    assert "moves to claims" not in page


def test_no_assessment_is_itself_a_warning(tenant, login_as):
    contract = contract_moving_to_claims(tenant)
    page = login_as(tenant.users["hub_admin"]).get(
        reverse("reporting:readiness_contract", args=[contract.code])).content.decode()
    assert "Alpha Pantry moves to claims but has no readiness assessment yet." in page


def test_terms_page_links_to_it_and_others_get_404(tenant, other_tenant, login_as):
    contract = contract_moving_to_claims(tenant)
    url = reverse("reporting:readiness_contract", args=[contract.code])
    terms = login_as(tenant.users["hub_admin"]).get(
        reverse("contracts:terms", args=[contract.code])).content.decode()
    assert url in terms
    assert login_as(tenant.users["cbo_supervisor"]).get(url).status_code == 404
    for role in ("hub_admin", "payer_manager"):
        assert login_as(other_tenant.users[role]).get(url).status_code == 404
    csv = login_as(tenant.users["payer_manager"]).get(
        reverse("reporting:readiness_contract_download", args=[contract.code, "csv"]))
    assert csv.status_code == 200 and b"Alpha Pantry,invoice,claims,2027-01-01" in csv.content
