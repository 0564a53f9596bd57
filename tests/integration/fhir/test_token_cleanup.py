"""The nightly `fhir.clear_tokens` job removes expired access tokens and spent assertion
ids and keeps the ones still in use."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from oauth2_provider.models import AccessToken

from carehub.fhir.models import UsedAssertion
from carehub.fhir.tasks import _clear, clear_tokens_task
from carehub.jobs.services import run_inline
from carehub.tenancy.access import Acting

pytestmark = pytest.mark.django_db


def test_the_nightly_job_removes_only_what_has_expired(tenant, partner_token) -> None:  # type: ignore[no-untyped-def]
    partner_token(tenant.cbo, "system/Task.rs")
    partner_token(tenant.cbo, "system/Task.rs")
    now = timezone.now()
    with scopes_disabled():
        live, stale = AccessToken.objects.order_by("pk")[:2]
        AccessToken.objects.filter(pk=stale.pk).update(expires=now - timedelta(days=2))
        UsedAssertion.objects.create(client_id="c", jti="spent", expires_at=now - timedelta(minutes=1))
        UsedAssertion.objects.create(client_id="c", jti="live", expires_at=now + timedelta(minutes=4))
    job = run_inline(_clear, clear_tokens_task, kind="periodic.fhir.clear_tokens",
                     title="Expired tokens", acting=Acting.system(), show_progress=False)
    assert job.status == "succeeded"
    with scopes_disabled():
        assert list(AccessToken.objects.values_list("pk", flat=True)) == [live.pk]
        kept = set(UsedAssertion.objects.values_list("jti", flat=True))
    # The two token requests' own assertions have not expired yet either.
    assert "live" in kept and "spent" not in kept and len(kept) == 3
