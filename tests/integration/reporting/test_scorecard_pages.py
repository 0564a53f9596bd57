"""The scorecard pages: the card with its trend and splits, the drill-down, downloads and
definitions; other organisations get 404; a CBO sees the total suppressed and its own
part; the committee view hides small cells; strict CSP holds (no style attributes)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from carehub.audit.models import AuditEvent
from carehub.referrals.models import Consent
from tests.integration.conftest import accepted_contract, make_org
from tests.integration.reporting.scorecard_world import make_members, make_referrals, refresh

pytestmark = pytest.mark.django_db
URL = "/reporting/scorecard/T-MEALS/"
Q = "?period=2026-03"


@pytest.fixture
def world(tenant):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        second = make_org("cbo", "Second Pantry")
    contract = accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo, second],
                                 outreach_goal=Decimal("80"), contact_goal=Decimal("55"),
                                 support_goal=Decimal("50"), starts=date(2025, 7, 1))
    ours = make_members(tenant.payer, 20, "A", hub=tenant.hub, race="Asian")
    theirs = make_members(tenant.payer, 5, "B", hub=tenant.hub, race="White")
    make_referrals(contract, tenant.cbo, ours,
                   [("accepted", None, True)] * 2 + [("contacted", None, True)] * 10
                   + [("outreach", None, True)] * 4
                   + [("assigned", None, False)] * 4, date(2026, 3, 2))
    make_referrals(contract, second, theirs, [("outreach", None, True)] * 5, date(2026, 3, 3))
    refresh(contract)
    return contract, second, ours, theirs


def test_the_card_page_for_the_hub(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    page = login_as(tenant.users["hub_admin"]).get(URL + Q)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Scorecard: T-MEALS, March 2026" in html
    assert "21 of 25" in html and "84%" in html  # outreach: 16 + 5 of 25
    assert "Met" in html and "Missed" in html  # outreach met; support 2 of 12 missed
    assert "2 of 12" in html  # the hub holds the records: small counts are shown
    assert html.count("<svg xmlns=\"http://www.w3.org/2000/svg\" width=") == 3
    assert "style=" not in html and "<script>" not in html
    assert "members</a>" in html


def test_other_organisations_get_404_everywhere(world, other_tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    for role in ("hub_admin", "payer_manager", "cbo_supervisor"):
        client = login_as(other_tenant.users[role])
        for path in (URL + Q, URL + "members/" + Q + "&measure=outreach_rate",
                     URL + "download/card.csv" + Q, URL + "download/split.xlsx" + Q):
            assert client.get(path).status_code == 404, (role, path)
        assert b"T-MEALS" not in client.get("/reporting/scorecard/").content


def test_roles_without_the_scorecard_get_404(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    for role in ("cbo_worker", "auditor"):
        assert login_as(tenant.users[role]).get(URL + Q).status_code == 404


def test_a_cbo_sees_the_total_suppressed_and_its_own_part_in_full(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    html = login_as(tenant.users["cbo_supervisor"]).get(URL + Q + "&by=cbo").content.decode()
    assert "Contract total" in html and "21 of 25" in html
    # Support provided, 2 of 12: in the total (beyond its own records) the small count
    # is hidden; in its own part, shown.
    assert "&lt;11 of 12" in html and "2 of 12" in html
    assert "Alpha Pantry" in html and "16 of 20" in html
    assert "Second Pantry" not in html  # its split shows its own CBO only


def test_committee_view_and_sub_population_splits_suppress_small_cells(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(tenant.users["payer_manager"])
    html = client.get(URL + Q + "&by=race").content.decode()
    assert "White" in html and "&lt;11 of &lt;11" in html  # 5 members: suppressed
    assert "16 of 20" in html  # Asian: 20 members, shown
    full = client.get(URL + Q + "&by=cbo").content.decode()
    assert "5 of 5" in full  # the CBO split in the plan's own view: not suppressed
    committee = client.get(URL + Q + "&by=cbo&view=committee").content.decode()
    assert "5 of 5" not in committee and "&lt;11 of &lt;11" in committee


def test_the_drill_down_is_audited_and_needs_consent(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    contract, second, ours, theirs = world
    with scopes_disabled():
        Consent.objects.create(member=ours[0], organisation=tenant.cbo, kind="data_sharing",
                               scope="plan and hub", given_on=date(2026, 1, 1))
    page = login_as(tenant.users["hub_coordinator"]).get(
        URL + "members/" + Q + "&measure=outreach_rate&stage=numerator")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<td>A0</td>" in html and "<td>A1</td>" not in html and "20 not listed" in html
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="scorecard_members").latest("pk")
    assert event.detail["member_ids"] == [ours[0].pk]
    # A CBO supervisor sees its own members without a consent, not the other CBO's.
    own = login_as(tenant.users["cbo_supervisor"]).get(
        URL + "members/" + Q + "&measure=outreach_rate&stage=denominator").content.decode()
    assert "<td>A19</td>" in own and "<td>B0</td>" not in own


def test_the_period_picker_goes_to_one_address_per_period(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(tenant.users["hub_admin"])
    moved = client.get(URL + "?kind=quarter&quarter=2026-Q1")
    assert moved.status_code == 302 and moved["Location"].endswith("?period=2026-Q1")
    year = client.get(URL + "?kind=contract_year&year=2025")
    assert year["Location"].endswith("?period=2025")
    assert "Contract year 1" in client.get(URL + "?period=2025").content.decode()
    custom = client.get(URL + "?kind=custom&start=2026-03-01&end=2026-03-02")
    assert custom["Location"].endswith("?period=2026-03-01..2026-03-02")
    bad = client.get(URL + "?kind=quarter&quarter=2026-Q9")
    assert bad.status_code == 400 and "Write the quarter as YYYY-Qn." in bad.content.decode()
    assert client.get(URL + "?period=2026-13").status_code == 404


def test_downloads_carry_the_definitions(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    client = login_as(tenant.users["hub_admin"])
    csv_text = client.get(URL + "download/card.csv" + Q).content.decode()
    assert "Outreach rate,21,25,84%,,80%,Met" in csv_text
    for table in ("card", "trend", "split"):
        response = client.get(URL + f"download/{table}.xlsx" + Q + "&by=race")
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames[1] == "Definitions"
        terms = [row[0].value for row in book["Definitions"].iter_rows(min_row=2)]
        assert "Outreach rate" in terms and "Cohort" in terms
    trend = client.get(URL + "download/trend.csv" + Q).content.decode().splitlines()
    assert len(trend) == 1 + 12 * 10
    assert client.get(URL + "download/card.pdf" + Q).status_code == 404


def test_the_definitions_page_comes_from_the_measures(tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    from carehub.core.scorecard.measures import MEASURES

    html = login_as(tenant.users["auditor"]).get("/reporting/measures/").content.decode()
    for m in MEASURES:
        assert f'id="{m.key}"' in html and m.name in html


def test_the_reporting_page_links_the_scorecard_for_its_roles(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    for role, shown in (("hub_admin", True), ("payer_analyst", True),
                        ("cbo_supervisor", True), ("cbo_worker", False)):
        html = login_as(tenant.users[role]).get("/reporting/").content.decode()
        assert ('href="/reporting/scorecard/"' in html) is shown, role


def test_the_plans_home_links_its_funnel_to_the_scorecard(world, tenant, login_as) -> None:  # type: ignore[no-untyped-def]
    html = login_as(tenant.users["payer_manager"]).get("/").content.decode()
    assert "Members&#x27; progress" in html or "Members' progress" in html  # the funnel stays
    assert 'href="/reporting/scorecard/">Scorecard against the contract' in html
