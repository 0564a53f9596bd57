"""The scorecard selectors: only a contract's parties read it; a CBO reads the total and
its own part only; splits suppress small cells when shared; the members behind a figure
are audited and leave out members the viewer may not see."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.core.scorecard.periods import parse_period
from carehub.referrals.models import Consent
from carehub.reporting.selectors import scorecard
from tests.integration.conftest import accepted_contract, acting_as, make_org
from tests.integration.reporting.scorecard_world import make_members, make_referrals

pytestmark = pytest.mark.django_db
MARCH = parse_period("2026-03")


@pytest.fixture
def world(tenant):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        second = make_org("cbo", "Second Pantry")
    contract = accepted_contract(tenant.payer, tenant.hub, delivering=[tenant.cbo, second],
                                 outreach_goal=Decimal("80"))
    ours = make_members(tenant.payer, 14, "A", hub=tenant.hub, race="Asian")
    theirs = make_members(tenant.payer, 4, "B", hub=tenant.hub, race="White")
    make_referrals(contract, tenant.cbo, ours,
                   [("outreach", None, True)] * 12 + [("assigned", None, False)] * 2,
                   date(2026, 3, 2))
    make_referrals(contract, second, theirs, [("assigned", None, False)] * 4, date(2026, 3, 3))
    return contract, second, ours, theirs


def test_others_get_404(world, other_tenant) -> None:  # type: ignore[no-untyped-def]
    contract, *_ = world
    for role in ("hub_admin", "payer_manager", "cbo_supervisor"):
        with pytest.raises(Http404):
            scorecard.card(acting_as(other_tenant.users[role]), contract, MARCH)
        with pytest.raises(Http404):
            scorecard.members_behind(acting_as(other_tenant.users[role]), contract, MARCH,
                                     "outreach_rate", "numerator")


def test_parties_read_the_total_and_a_cbo_only_its_own_part(world, tenant) -> None:  # type: ignore[no-untyped-def]
    contract, second, *_ = world
    for role in ("hub_admin", "payer_analyst", "cbo_supervisor"):
        total = scorecard.card(acting_as(tenant.users[role]), contract, MARCH)
        assert total.figure("assigned").numerator == 18
    cbo = acting_as(tenant.users["cbo_supervisor"])
    assert scorecard.card(cbo, contract, MARCH, cbo=tenant.cbo).figure("assigned").numerator == 14
    with pytest.raises(Http404):
        scorecard.card(cbo, contract, MARCH, cbo=second)
    assert [name for name, _ in scorecard.split(cbo, contract, MARCH, "cbo")] == ["Alpha Pantry"]
    hub_split = scorecard.split(acting_as(tenant.users["hub_admin"]), contract, MARCH, "cbo")
    assert [(n, c.figure("assigned").numerator) for n, c in hub_split] == [
        ("Alpha Pantry", 14), ("Second Pantry", 4)]


def test_shared_splits_suppress_small_cells(world, tenant) -> None:  # type: ignore[no-untyped-def]
    contract, *_ = world
    rows = dict(scorecard.split(acting_as(tenant.users["payer_manager"]), contract, MARCH,
                                "race", shared=True))
    white = rows["White"].figure("outreach_rate")
    asian = rows["Asian"].figure("outreach_rate")
    assert (white.denominator_text, white.rate_text, white.suppressed) == ("<11", "", True)
    assert (asian.numerator_text, asian.denominator_text, asian.rate_text) == ("12", "14", "86%")


def test_trend_reads_twelve_periods(world, tenant) -> None:  # type: ignore[no-untyped-def]
    contract, *_ = world
    cards = scorecard.trend(acting_as(tenant.users["hub_admin"]), contract, MARCH)
    assert [c.period.code for c in cards][-2:] == ["2026-02", "2026-03"]
    assert [c.figure("assigned").numerator for c in cards][-2:] == [0, 18]
    assert cards[-2].figure("outreach_rate").status == "no_data"


def test_members_behind_are_audited_and_need_consent_outside_the_owner(world, tenant) -> None:  # type: ignore[no-untyped-def]
    contract, second, ours, theirs = world
    with scopes_disabled():
        for m in ours[:3]:
            Consent.objects.create(member=m, organisation=tenant.cbo, kind="data_sharing",
                                   scope="plan and hub", given_on=date(2026, 1, 1))
    hub = acting_as(tenant.users["hub_admin"])
    found = scorecard.members_behind(hub, contract, MARCH, "outreach_rate", "numerator")
    assert (found.total, len(found.rows), found.withheld) == (12, 3, 9)
    assert {r.member_id for r in found.rows} == {"A0", "A1", "A2"}
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="scorecard_members").latest("pk")
    assert set(event.detail["member_ids"]) == {r.member_pk for r in found.rows}
    assert event.organisation_id == tenant.hub.pk
    # A CBO sees its own members without a consent, never the other CBO's.
    cbo = acting_as(tenant.users["cbo_worker"])
    gap = scorecard.members_behind(cbo, contract, MARCH, "outreach_rate", "denominator")
    assert (gap.total, len(gap.rows)) == (14, 14)
    assert not {r.member_id for r in gap.rows} & {m.member_id for m in theirs}


def test_an_auditor_does_not_see_members(world, tenant) -> None:  # type: ignore[no-untyped-def]
    contract, *_ = world
    with pytest.raises(PermissionDenied):
        scorecard.members_behind(acting_as(tenant.users["auditor"]), contract, MARCH,
                                 "outreach_rate", "numerator")
