"""`carehub referrals_escalate`: unanswered escalations move up one level, once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.referrals import services
from carehub.referrals.models import Escalation
from tests.integration.referrals.conftest import acting_as, refer

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("referrals_escalate", stdout=out)
    return out.getvalue()


def raise_one(tenant, hours_ago: int) -> Escalation:  # type: ignore[no-untyped-def]
    referral = refer(tenant)
    with scopes_disabled():
        return services.raise_escalation(
            referral, barrier="transportation", description="No ride to the pantry",
            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo),
            now=timezone.now() - timedelta(hours=hours_ago))


def test_overdue_escalation_moves_up_once_and_is_audited(tenant, contract):
    row = raise_one(tenant, hours_ago=30)  # level 1 answers within 24 hours
    first = run()
    assert f"escalation {row.pk} (referral {row.referral_id}): level 1 -> 2" in first
    assert "hub coordinator" in first
    assert first.strip().endswith("1 moved up, 0 overdue at the last level")
    with scopes_disabled():
        row.refresh_from_db()
        assert (row.level, row.role) == (2, "hub_coordinator")
        assert row.due_at > timezone.now() + timedelta(hours=47)
        assert AuditEvent.objects.filter(action="update", object_type="escalation",
                                         object_id=str(row.pk)).exists()
    # Straight away again: nothing is due any more.
    assert run().strip() == "0 moved up, 0 overdue at the last level"
    with scopes_disabled():
        row.refresh_from_db()
        assert row.level == 2


def test_not_yet_due_and_resolved_escalations_stay(tenant, contract):
    fresh = raise_one(tenant, hours_ago=1)
    with scopes_disabled():
        services.resolve_escalation(fresh, resolution="Ride booked",
                                    acting=acting_as(tenant.users["cbo_supervisor"], tenant.cbo))
        Escalation.objects.filter(pk=fresh.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert run().strip() == "0 moved up, 0 overdue at the last level"
    with scopes_disabled():
        assert Escalation.objects.get(pk=fresh.pk).level == 1


def test_overdue_at_the_last_level_is_reported_not_moved(tenant, contract):
    row = raise_one(tenant, hours_ago=30)
    with scopes_disabled():
        Escalation.objects.filter(pk=row.pk).update(level=3, role="payer_manager")
    out = run()
    assert f"escalation {row.pk} (referral {row.referral_id}): overdue at the last level 3" in out
    assert out.strip().endswith("0 moved up, 1 overdue at the last level")
    with scopes_disabled():
        assert Escalation.objects.get(pk=row.pk).level == 3


def test_the_command_says_how_many_notices_it_mailed(
        tenant, contract, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from django.core import mail

    row = raise_one(tenant, hours_ago=30)
    with scopes_disabled():
        tenant.users["hub_coordinator"].email = "coordinator@example.org"
        tenant.users["hub_coordinator"].save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):  # mail goes after the commit
        out = run()
    assert out.strip().endswith(
        "1 moved up, 0 overdue at the last level, 1 notice mailed to the next levels")
    assert [m.to for m in mail.outbox] == [["coordinator@example.org"]]
    assert f"/referrals/escalation/{row.pk}/" not in mail.outbox[0].body
