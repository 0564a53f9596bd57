"""Settling a contract's month as a job: from the page (hub administrators and plan
managers, contracts they are party to), the statement page and its downloads, and
`carehub settle_contract` inline with a bar on a terminal and silence when piped."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.core.activity import load_activity
from carehub.core.settlement import settle
from carehub.core.terms import load_terms
from carehub.jobs.models import Job
from carehub.referrals.activity import build_activity
from tests.integration.kinds.helpers import finish
from tests.integration.referrals.conftest import refer, walk_to

pytestmark = pytest.mark.django_db
URL = reverse("referrals:settle")


def expected(period: str) -> dict:  # type: ignore[type-arg]
    from carehub.contracts.models import TermsVersion

    with scopes_disabled():
        terms = load_terms(TermsVersion.objects.get(contract__code="T-MEALS").document)
    return settle(terms, load_activity(build_activity("T-MEALS", period))).to_json_dict()


def test_settlement_page_starts_the_job_and_shows_the_statement(tenant, contract, login_as):
    walk_to(refer(tenant), tenant, "in_service")
    period = date.today().strftime("%Y-%m")
    client = login_as(tenant.users["hub_admin"])
    page = client.get(URL)
    assert page.status_code == 200 and b"T-MEALS" in page.content
    job = finish(client.post(URL, {"contract": page.context["contracts"][0].pk,
                                   "period": period}))
    assert job.status == "succeeded", (job.message, job.errors)
    want = expected(period)
    assert job.result["total"] == want["total"] and job.result["lines"] == len(want["lines"])
    assert job.result_url == reverse("referrals:statement", args=[job.pk])
    shown = client.get(job.result_url)
    assert shown.status_code == 200 and want["total"].encode() in shown.content
    data = client.get(reverse("referrals:statement_download", args=[job.pk, "json"])).json()
    assert data == want
    text = client.get(reverse("referrals:statement_download", args=[job.pk, "csv"])).content
    assert text.decode().splitlines()[0] == "component,label,quantity,rate,amount,basis"
    # The plan's manager sees its own statements only; a coordinator none.
    assert login_as(tenant.users["payer_manager"]).get(job.result_url).status_code == 404
    assert login_as(tenant.users["hub_coordinator"]).get(URL).status_code == 404


def test_settlement_page_offers_only_contracts_the_organisation_is_party_to(
        tenant, other_tenant, contract, login_as):
    from tests.integration.referrals.conftest import contract_with_terms

    omega = contract_with_terms(other_tenant, "O-MEALS")
    client = login_as(tenant.users["payer_manager"])
    page = client.get(URL)
    assert [c.code for c in page.context["contracts"]] == ["T-MEALS"]
    refused = client.post(URL, {"contract": omega.pk, "period": date.today().strftime("%Y-%m")})
    assert refused.status_code == 400
    with scopes_disabled():
        assert not Job.objects.exists()
    other = login_as(other_tenant.users["hub_admin"])
    mine = finish(client.post(URL, {"contract": page.context["contracts"][0].pk,
                                    "period": date.today().strftime("%Y-%m")}))
    assert other.get(reverse("referrals:statement", args=[mine.pk])).status_code == 404


def test_settle_contract_command_prints_the_same_statement(tenant, contract, capsys):
    walk_to(refer(tenant), tenant, "in_service")
    period = date.today().strftime("%Y-%m")
    call_command("settle_contract", "--contract", "T-MEALS", "--period", period)
    assert json.loads(capsys.readouterr().out) == expected(period)
    with pytest.raises(SystemExit) as stopped:
        call_command("settle_contract", "--contract", "T-MEALS", "--period", "2026-13")
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "carehub settle_contract: period '2026-13' is not a month written YYYY-MM")
