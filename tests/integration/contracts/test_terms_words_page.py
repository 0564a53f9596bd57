"""The terms page in words for every party; YAML, preview and upload for hub administrators."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.contracts import services
from carehub.contracts.demo import TERMS, _without_leading_comments
from carehub.contracts.models import TermsVersion
from tests.integration.conftest import acting_as
from tests.integration.contracts.factories import make_contract

EXAMPLE = Path(__file__).parents[3] / "src/carehub/core/examples/terms/wny-meals-hybrid.yaml"


def terms_text(code: str, floor: str = "18000.00") -> str:
    return (_without_leading_comments(EXAMPLE.read_text()).replace("WNY-MEALS-2026", code)
            .replace('"18000.00"', f'"{floor}"'))


def with_terms(tenant: Any) -> Any:
    contract = make_contract(tenant)
    with scopes_disabled():
        services.add_terms_version(contract, terms_text(contract.code), note="as signed",
                                   acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    return contract


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["payer_manager", "cbo_supervisor", "hub_coordinator"])
def test_parties_read_the_terms_in_words_without_yaml(role: str, tenant: Any,
                                                      login_as: Any) -> None:
    contract = with_terms(tenant)
    page = login_as(tenant.users[role]).get(reverse("contracts:terms", args=[contract.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Floor $18,000.00 a month, paid up front" in html
    assert ("Home-delivered meal (HDM, HCPCS S5170) at $7.50 per meal, at most 2 a day per "
            "member") in html
    assert "Post-discharge meals" in html
    # No YAML, no editing, for anyone but the hub's administrators.
    assert "max_units_per_member_per_day" not in html
    assert "as written (YAML)" not in html and "New version" not in html
    refused = login_as(tenant.users[role]).post(
        reverse("contracts:terms", args=[contract.code]),
        {"document": terms_text(contract.code, "1.00"), "preview": "1"})
    assert refused.status_code == 404


@pytest.mark.django_db
def test_hub_admin_sees_the_yaml_beside_the_words(tenant: Any, login_as: Any) -> None:
    contract = with_terms(tenant)
    html = login_as(tenant.users["hub_admin"]).get(
        reverse("contracts:terms", args=[contract.code])).content.decode()
    assert "Floor $18,000.00 a month, paid up front" in html
    assert "as written (YAML)" in html and "max_units_per_member_per_day: 2" in html
    assert "New version" in html and "Preview in words" in html


@pytest.mark.django_db
def test_preview_shows_the_new_words_and_saves_nothing(tenant: Any, login_as: Any) -> None:
    contract = with_terms(tenant)
    client = login_as(tenant.users["hub_admin"])
    url = reverse("contracts:terms", args=[contract.code])
    new = terms_text(contract.code, "20500.00")
    partial = client.post(url, {"document": new, "preview": "1"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert html.lstrip().startswith('<div id="terms-preview"')
    assert "Floor $20,500.00 a month, paid up front" in html and "not saved yet" in html
    full = client.post(url, {"document": new, "preview": "1", "note": "amendment 1"})
    assert "Floor $20,500.00 a month, paid up front" in full.content.decode()
    assert "amendment 1" in full.content.decode()  # the input is kept for saving
    with scopes_disabled():
        assert TermsVersion.objects.filter(contract=contract).count() == 1
    saved = client.post(url, {"document": new, "note": "amendment 1"})
    assert saved.status_code == 302
    with scopes_disabled():
        assert TermsVersion.objects.filter(contract=contract).count() == 2


@pytest.mark.django_db
def test_preview_errors_name_the_field_as_the_validator_does(tenant: Any,
                                                             login_as: Any) -> None:
    contract = with_terms(tenant)
    client = login_as(tenant.users["hub_admin"])
    url = reverse("contracts:terms", args=[contract.code])
    bad = terms_text(contract.code).replace('floor: "18000.00"', 'floor: "lots"')
    html = client.post(url, {"document": bad, "preview": "1"},
                       HTTP_HX_REQUEST="true").content.decode()
    assert "terms-preview-errors" in html and "components[0].floor" in html
    other = client.post(url, {"document": terms_text("SOMEONE-ELSE"), "preview": "1"},
                        HTTP_HX_REQUEST="true").content.decode()
    assert "must be T-MEALS, this contract&#x27;s id" in other
    empty = client.post(url, {"document": "", "preview": "1"},
                        HTTP_HX_REQUEST="true").content.decode()
    assert "Paste the terms or upload a file." in empty
    with scopes_disabled():
        assert TermsVersion.objects.filter(contract=contract).count() == 1


@pytest.mark.django_db
def test_each_version_reads_in_words(tenant: Any, login_as: Any) -> None:
    contract = with_terms(tenant)
    with scopes_disabled():
        services.add_terms_version(contract, terms_text(contract.code, "20000.00"),
                                   effective=date(2099, 1, 1),
                                   acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    client = login_as(tenant.users["payer_manager"])
    url = reverse("contracts:terms", args=[contract.code])
    assert "Floor $18,000.00 a month" in client.get(url).content.decode()  # in force
    assert "Floor $20,000.00 a month" in client.get(url + "?v=2").content.decode()


@pytest.mark.django_db
def test_another_organisation_gets_404(tenant: Any, other_tenant: Any, login_as: Any) -> None:
    contract = with_terms(tenant)
    for role in ("hub_admin", "payer_manager"):
        page = login_as(other_tenant.users[role]).get(
            reverse("contracts:terms", args=[contract.code]))
        assert page.status_code == 404


def test_the_demo_terms_carry_no_developer_comment() -> None:
    text = _without_leading_comments(TERMS.read_text())
    assert "Worked example" not in text and "#" not in text
    assert text.startswith("contract: WNY-MEALS-2026")
