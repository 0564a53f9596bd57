from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.contracts import selectors, services
from carehub.contracts.models import ChecklistItem, Contract, ContractParty, TermsVersion
from tests.integration.conftest import acting_as
from tests.integration.contracts.factories import fill_scope, make_contract

TERMS = (Path(__file__).parents[3] / "src/carehub/core/examples/terms/wny-meals-hybrid.yaml")


def terms_text(code: str, effective: str = "2026-01-01", floor: str = "18000.00") -> str:
    text = TERMS.read_text().replace("WNY-MEALS-2026", code)
    return text.replace("effective: 2026-01-01", f"effective: {effective}").replace(
        '"18000.00"', f'"{floor}"')


@pytest.mark.django_db
def test_checklist_has_every_seed_row_and_turns_complete(tenant: Any) -> None:
    contract = make_contract(tenant)
    with scopes_disabled():
        rows = services.checklist_rows(contract)
        assert len(rows) == 22
        assert [r.item.text for r in rows][:3] == [
            "Eligible population", "Prioritization criteria, if applicable",
            "Service volume–min/max"]
        # Default pre-launch tasks exist but carry no due dates yet.
        assert not any(r.present for r in rows)
        fill_scope(contract, tenant)
        rows = services.checklist_rows(contract)
        assert [r.item.text for r in rows if not r.present] == []
        due = {r.item.text: r.due for r in rows}
        assert due["Credentialing process for staff"] == date(2026, 1, 15)
        assert due["Revisit contract terms mid- contract"] == date(2026, 6, 30)


@pytest.mark.django_db
def test_lifecycle_gate_blocks_implementation_until_required_rows_present(tenant: Any) -> None:
    contract = make_contract(tenant)
    user = tenant.users["hub_admin"]
    with scopes_disabled():
        services.move_stage(contract, "pre_launch", acting=acting_as(user))
        with pytest.raises(services.StageBlocked) as blocked:
            services.move_stage(contract, "implementation", acting=acting_as(user))
        assert "Eligible population" in [r.item.text for r in blocked.value.missing]
        # The required list is configurable: a row made optional no longer blocks.
        fill_scope(contract, tenant)
        Contract.objects.filter(pk=contract.pk).update(revisit_terms_on=None)
        contract.refresh_from_db()
        with pytest.raises(services.StageBlocked) as blocked:
            services.move_stage(contract, "implementation", acting=acting_as(user))
        assert [r.item.text for r in blocked.value.missing] == [
            "Revisit contract terms mid- contract"]
        ChecklistItem.objects.filter(rule="revisit").update(required=False)
        services.move_stage(contract, "implementation", acting=acting_as(user))
        assert Contract.objects.get(pk=contract.pk).stage == "implementation"


@pytest.mark.django_db
def test_stage_page_says_which_provisions_are_missing(tenant: Any, login_as: Any) -> None:
    contract = make_contract(tenant)
    client = login_as(tenant.users["hub_admin"])
    response = client.post(reverse("contracts:stage", args=[contract.code]),
                           {"stage": "implementation"}, follow=True)
    assert b"Cannot move to implementation" in response.content
    assert b"Escalation pathway" in response.content
    with scopes_disabled():
        assert Contract.objects.get(pk=contract.pk).stage == "scoping"


@pytest.mark.django_db
def test_parties_follow_payer_provider_and_delivering_cbos(tenant: Any, other_tenant: Any) -> None:
    contract = make_contract(tenant)
    with scopes_disabled():
        roles = dict(ContractParty.objects.filter(contract=contract)
                     .values_list("organisation__name", "role"))
        assert roles == {"Alpha Plan": "payer", "Alpha Hub": "provider",
                         "Alpha Pantry": "delivering"}
        services.save_contract_details(contract, [], acting=acting_as(tenant.users["hub_admin"]))
        assert not selectors.contracts_visible_to(tenant.cbo).exists()
        assert not selectors.contracts_visible_to(other_tenant.hub).exists()
        assert selectors.contracts_visible_to(tenant.payer).get() == contract


@pytest.mark.django_db
def test_terms_versions_in_force_diff_and_validation(tenant: Any, login_as: Any) -> None:
    contract = make_contract(tenant)
    user = tenant.users["hub_admin"]
    with scopes_disabled():
        services.add_terms_version(contract, terms_text(contract.code), acting=acting_as(user))
        services.add_terms_version(contract, terms_text(contract.code, "2026-07-01", "20000.00"),
                                   note="amendment 1", acting=acting_as(user))
        assert selectors.terms_in_force(contract, date(2025, 12, 31)) is None
        assert selectors.terms_in_force(contract, date(2026, 6, 30))["components"][0]["floor"] == "18000.00"
        assert selectors.terms_in_force(contract, date(2026, 7, 1))["components"][0]["floor"] == "20000.00"
        v1, v2 = TermsVersion.objects.filter(contract=contract).order_by("version")
        diff = services.terms_diff(v1, v2)
        assert "-- floor: '18000.00'" in diff and "+- floor: '20000.00'" in diff
    client = login_as(user)
    bad = terms_text(contract.code).replace('rate: "7.50"', 'rate: 7.5')
    response = client.post(reverse("contracts:terms", args=[contract.code]), {"document": bad})
    assert response.status_code == 200
    assert b"terms-errors" in response.content and b"services[0].rate" in response.content
    with scopes_disabled():
        assert TermsVersion.objects.filter(contract=contract).count() == 2
    page = client.get(reverse("contracts:terms", args=[contract.code]) + "?a=1&b=2")
    assert b"20000.00" in page.content


@pytest.mark.django_db
def test_cli_prints_terms_in_force(tenant: Any, capsys: Any) -> None:
    contract = make_contract(tenant)
    with scopes_disabled():
        services.add_terms_version(contract, terms_text(contract.code),
                                   acting=acting_as(tenant.users["hub_admin"]))
    call_command("contract", "terms", contract.code, "--as-of", "2026-03-01")
    out = capsys.readouterr().out
    assert "v1" in out and "floor: '18000.00'" in out
    with pytest.raises(SystemExit) as exit_info:
        call_command("contract", "terms", contract.code, "--as-of", "2025-01-01")
    assert exit_info.value.code == 2
    assert "no terms in force on 2025-01-01" in capsys.readouterr().err


@pytest.mark.django_db
def test_scope_form_saves_and_checks_criteria(tenant: Any, login_as: Any) -> None:
    contract = make_contract(tenant)
    client = login_as(tenant.users["payer_manager"])
    url = reverse("contracts:scope", args=[contract.code])
    page = client.get(url)
    assert page.status_code == 200
    data: dict[str, str] = {}
    for prefix in ("services", "escalation", "contacts", "data"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update({"criteria": "population: x\nas_of: 2026-03-01\nrequire:\n  shoe_size: 9\n",
                 "volume_period": "month"})
    response = client.post(url, data)
    assert response.status_code == 200 and b"shoe_size" in response.content
    data["criteria"] = "population: x\nas_of: 2026-03-01\nrequire:\n  age: {min: 65}\n"
    data["min_volume"] = "10"
    response = client.post(url, data)
    assert response.status_code == 302
    with scopes_disabled():
        assert Contract.objects.get(pk=contract.pk).min_volume == 10


@pytest.mark.django_db
def test_renewal_prompt_months_before_end(tenant: Any) -> None:
    contract = make_contract(tenant)
    contract.stage = "implementation"
    with scopes_disabled():
        assert services.renewal_prompt_date(contract) == date(2026, 8, 31)
        assert not services.renewal_due(contract, date(2026, 8, 30))
        assert services.renewal_due(contract, date(2026, 8, 31))
        contract.renewal_notice_months = 2
        assert services.renewal_prompt_date(contract) == date(2026, 10, 31)
