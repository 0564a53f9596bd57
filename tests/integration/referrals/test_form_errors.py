"""A refused htmx action answers 400 with only its reason (the page's script puts it beside
the form, keeping the input); without htmx the page reloads with the reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.referrals.models import Referral, ServiceDelivery
from tests.integration.referrals.conftest import refer, walk_to

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.django_db
def test_a_refused_htmx_action_answers_400_with_the_reason_only(tenant: Any, contract: str, login_as: Any) -> None:
    referral = walk_to(refer(tenant), tenant, "enrolled")
    client = login_as(tenant.users["cbo_worker"])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answer = client.post(f"/referrals/{referral.pk}/service/",
                         {"service_code": "HDM", "date": tomorrow, "units": "2",
                          "setting": "home"}, **HX)
    body = answer.content.decode()
    assert answer.status_code == 400
    assert "A service cannot be logged for a future date." in body
    assert "referral-panel" not in body and "<form" not in body  # the form is left alone
    with scopes_disabled():
        assert not ServiceDelivery.objects.filter(referral=referral).exists()
        assert Referral.objects.get(pk=referral.pk).state == "enrolled"


@pytest.mark.django_db
def test_field_errors_are_named_by_their_label(tenant: Any, contract: str, login_as: Any) -> None:
    referral = walk_to(refer(tenant), tenant, "enrolled")
    client = login_as(tenant.users["cbo_worker"])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    answer = client.post(f"/referrals/{referral.pk}/visit/",
                         {"date": tomorrow, "kind": "home_visit"}, **HX)
    assert answer.status_code == 400
    assert "Date: A visit cannot be recorded for a future date." in answer.content.decode()
    note = client.post(f"/referrals/{referral.pk}/note/", {"text": "   "}, **HX)
    assert note.status_code == 400 and "Case note: This field is required." in note.content.decode()


@pytest.mark.django_db
def test_without_htmx_the_page_reloads_with_the_reason(tenant: Any, contract: str, login_as: Any) -> None:
    referral = walk_to(refer(tenant), tenant, "outreach")
    client = login_as(tenant.users["cbo_worker"])
    answer = client.post(f"/referrals/{referral.pk}/transition/",
                         {"version": referral.version, "target": "closed"}, follow=True)
    assert answer.status_code == 200
    assert "Closing needs a reason" in answer.content.decode()
