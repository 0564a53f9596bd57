"""A supervisor assigns the referrals ticked on the team view to one worker in one
action: all or nothing, version-checked, audited, with a timeline row for each."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.referrals import services
from carehub.referrals.models import Referral, ReferralEvent
from tests.integration.conftest import acting_as
from tests.integration.referrals.test_lists import add_referrals


def ticked(referrals: list[Referral]) -> list[str]:
    return [f"{r.pk}:{r.version}" for r in referrals]


def test_the_supervisor_assigns_ticked_referrals_to_one_worker(tenant, second_worker,
                                                              login_as):
    rows = add_referrals(tenant, 3, state="outreach")
    left = add_referrals(tenant, 1, prefix="Left", state="outreach")
    client = login_as(tenant.users["cbo_supervisor"])
    response = client.post(reverse("referrals:bulk_assign") + "?sort=member",
                           {"referral": ticked(rows), "worker": second_worker.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:supervisor") + "?sort=member"
    page = client.get(response["Location"]).content.decode()
    assert "3 referrals assigned to Alpha-Worker2 Tester." in page
    with scopes_disabled():
        for r in rows:
            fresh = Referral.objects.get(pk=r.pk)
            assert (fresh.assignee, fresh.version) == (second_worker, r.version + 1)
            event = ReferralEvent.objects.get(referral=r, kind="assigned")
            assert event.actor == tenant.users["cbo_supervisor"] and "Alpha-Worker2" in event.note
        assert Referral.objects.get(pk=left[0].pk).assignee == tenant.users["cbo_worker"]
        bulk = AuditEvent.objects.get(object_type="referral_assignment")
        assert sorted(bulk.detail["referrals"]) == sorted(r.pk for r in rows)
        assert bulk.detail["assignee"] == second_worker.pk
        assert AuditEvent.objects.filter(object_type="referral", action="update").count() == 3


def test_a_stale_referral_assigns_none_and_is_named(tenant, second_worker, login_as):
    rows = add_referrals(tenant, 3, state="outreach")
    seen = ticked(rows)  # the page as loaded
    with scopes_disabled():  # someone else reassigns the second one meanwhile
        services.assign_worker(Referral.objects.get(pk=rows[1].pk), rows[1].version, None,
                               acting=acting_as(tenant.users["cbo_supervisor"], tenant.cbo))
    client = login_as(tenant.users["cbo_supervisor"])
    response = client.post(reverse("referrals:bulk_assign"),
                           {"referral": seen, "worker": second_worker.pk})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Nothing was assigned" in html and f"AnnRow001 Row001 (referral {rows[1].pk})" in html
    assert html.count(" checked>") == 3  # the selection is kept
    with scopes_disabled():
        assert not Referral.objects.filter(assignee=second_worker).exists()
        assert not AuditEvent.objects.filter(object_type="referral_assignment").exists()


def test_a_worker_of_another_organisation_is_refused(tenant, other_tenant, login_as):
    rows = add_referrals(tenant, 2, state="outreach")
    client = login_as(tenant.users["cbo_supervisor"])
    response = client.post(reverse("referrals:bulk_assign"),
                           {"referral": ticked(rows), "worker": other_tenant.users["cbo_worker"].pk})
    assert response.status_code == 400
    assert "Assign to: Select a valid choice." in response.content.decode()
    with scopes_disabled():
        assert not Referral.objects.filter(assignee=other_tenant.users["cbo_worker"]).exists()
        # The service refuses too, naming the field.
        with pytest.raises(services.ReferralError, match="Worker: .* does not work for Alpha Pantry"):
            services.assign_workers([(rows[0], rows[0].version)], other_tenant.users["cbo_worker"],
                                    acting=acting_as(tenant.users["cbo_supervisor"], tenant.cbo))


def test_another_organisations_referral_is_not_found_and_nothing_assigned(
        tenant, other_tenant, second_worker, login_as):
    mine = add_referrals(tenant, 1, state="outreach")
    theirs = add_referrals(other_tenant, 1, prefix="Else", state="outreach")
    client = login_as(tenant.users["cbo_supervisor"])
    response = client.post(reverse("referrals:bulk_assign"),
                           {"referral": ticked(mine + theirs), "worker": second_worker.pk})
    assert response.status_code == 404
    with scopes_disabled():
        assert Referral.objects.get(pk=mine[0].pk).assignee == tenant.users["cbo_worker"]
        assert Referral.objects.get(pk=theirs[0].pk).assignee == other_tenant.users["cbo_worker"]
        with pytest.raises(services.ReferralError, match="not held by Alpha Pantry"):
            services.assign_workers([(theirs[0], theirs[0].version)], second_worker,
                                    acting=acting_as(tenant.users["cbo_supervisor"], tenant.cbo))


def test_nothing_ticked_or_a_worker_is_a_400_naming_the_field(tenant, second_worker, login_as):
    rows = add_referrals(tenant, 1, state="outreach")
    client = login_as(tenant.users["cbo_supervisor"])
    empty = client.post(reverse("referrals:bulk_assign"), {"worker": second_worker.pk})
    assert empty.status_code == 400
    assert "Referrals: Choose at least one referral." in empty.content.decode()
    garbled = client.post(reverse("referrals:bulk_assign"),
                          {"referral": ["x:1"], "worker": second_worker.pk})
    assert garbled.status_code == 400
    worker = login_as(tenant.users["cbo_worker"])
    assert worker.post(reverse("referrals:bulk_assign"),
                       {"referral": ticked(rows), "worker": second_worker.pk}).status_code == 404
    assert client.get(reverse("referrals:bulk_assign")).status_code == 404
