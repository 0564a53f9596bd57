"""The demo seed: every printed login works, and re-running it adds nothing twice."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_scopes import scopes_disabled

from carehub.demo import seed as demo
from carehub.members.models import EnrolmentSpan, Member
from carehub.tenancy.models import Membership, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    return demo.seed(members=60, log=lambda s: None)


def test_demo_has_a_plan_a_hub_nine_cbos_and_every_role(seeded):
    assert Organisation.objects.filter(kind="payer").count() == 1
    assert Organisation.objects.filter(kind="hub").count() == 1
    assert Organisation.objects.filter(kind="cbo").count() == 9
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker",
                     "payer_manager", "payer_analyst", "auditor"}
    with scopes_disabled():
        assert Member.objects.count() == 60


def test_seeding_twice_adds_nothing(seeded):
    with scopes_disabled():
        before = (Member.objects.count(), EnrolmentSpan.objects.count(), Membership.objects.count())
        demo.seed(members=60, log=lambda s: None)
        after = (Member.objects.count(), EnrolmentSpan.objects.count(), Membership.objects.count())
    assert before == after


@pytest.mark.parametrize("username", list(demo.DEMO_PEOPLE))
def test_every_printed_login_works(seeded, username):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    if username == "hubadmin":
        assert reverse("accounts:verify") in response["Location"]
        code = str(totp(bytes.fromhex(demo.DEMO_TOTP_KEY))).zfill(6)
        response = client.post(reverse("accounts:verify"), {"token": code})
        assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.context["acting"].user.username == username
