"""Social measures: defined per contract by the plan manager or hub admin, counted from
service deliveries, pathways and needs met under the contract."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.referrals.models import Need, Pathway, ServiceDelivery
from carehub.reporting.models import SocialMeasure
from carehub.reporting.selectors import roi as selectors
from tests.integration.reporting.roi_world import program, roi_contract

pytestmark = pytest.mark.django_db


def test_each_kind_of_count(tenant):
    contract = roi_contract(tenant)
    other = roi_contract(tenant, "T-OTHER")
    referrals = program(tenant, contract, {"P1": dt.date(2025, 7, 1), "P2": dt.date(2025, 7, 1)})
    elsewhere = program(tenant, other, {"Q1": dt.date(2025, 7, 1)})
    now = timezone.now()
    day = dt.date(2026, 3, 10)
    with scopes_disabled():
        for referral, units, code in ((referrals[0], 14, "HDM"), (referrals[1], 7, "HDM"),
                                      (referrals[1], 5, "CM"), (elsewhere[0], 30, "HDM")):
            ServiceDelivery.objects.create(
                referral=referral, member=referral.member, organisation=tenant.cbo,
                contract=referral.contract, contract_code=referral.contract_code,
                service_code=code, date=day, units=units, setting="home", at=now)
        Pathway.objects.create(referral=referrals[0], member=referrals[0].member,
                               organisation=tenant.cbo, pathway="housing",
                               started_on=dt.date(2026, 1, 5), completed_on=day, at=now)
        Pathway.objects.create(referral=referrals[1], member=referrals[1].member,
                               organisation=tenant.cbo, pathway="housing",
                               started_on=dt.date(2026, 1, 5), completed_on=day,
                               finished_incomplete=True, at=now)
        Need.objects.create(member=referrals[0].member, organisation=tenant.cbo, domain="food",
                            icd10="Z59.41", icd10_display="Food insecurity", goal="g",
                            status="met", at=now.replace(year=2026, month=3, day=10))
    measures = {
        "meals": SocialMeasure(contract=contract, counts="service_units", code="HDM"),
        "housing": SocialMeasure(contract=contract, counts="pathways_completed", code="housing"),
        "food": SocialMeasure(contract=contract, counts="needs_met", code="food"),
    }
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert selectors.social_count(measures["meals"], *march) == 21
    assert selectors.social_count(measures["housing"], *march) == 1  # not the incomplete one
    assert selectors.social_count(measures["food"], *march) == 1
    assert selectors.social_count(measures["meals"], dt.date(2026, 4, 1), dt.date(2026, 4, 30)) == 0


def test_defining_a_measure(tenant, login_as):
    roi_contract(tenant)
    url = reverse("reporting:roi_measure_add", args=["T-MEALS"])
    form = {"name": "Meals delivered", "counts": "service_units", "code": "HDM", "unit": "meals"}
    assert login_as(tenant.users["payer_analyst"], tenant.payer).post(url, form).status_code == 404
    hub = login_as(tenant.users["hub_admin"], tenant.hub)
    assert hub.post(url, form).status_code == 302
    again = hub.post(url, form)
    assert again.status_code == 400
    assert "already has a measure named" in again.content.decode()
    assert SocialMeasure.objects.get().payer == tenant.payer
    page = hub.get(reverse("reporting:roi_contract", args=["T-MEALS"])).content.decode()
    assert "Meals delivered" in page and "0 meals" in page
