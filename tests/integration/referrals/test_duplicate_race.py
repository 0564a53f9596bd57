"""Two coordinators refer the same member for the same service at the same moment on
PostgreSQL: one referral is made, the other answer names the owner; never a 500."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scopes_disabled

from carehub.contracts.models import ServiceDefinition
from carehub.members.models import MemberAccess
from carehub.referrals import services
from carehub.referrals.models import Referral
from carehub.tenancy.models import Membership
from carehub.tenancy.rls import TENANT_ROLE, as_owner, tenant_connection
from tests.integration.conftest import make_tenant, make_user, signed_in
from tests.integration.referrals.conftest import contract_with_terms

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_duplicate_creates_answer_already_owned_not_500(monkeypatch):
    tenant = make_tenant("Race")
    contract = contract_with_terms(tenant, "RACE-MEALS")  # the hub works the plan's members
    with scopes_disabled():
        hdm = ServiceDefinition.objects.get(contract=contract, code="HDM")
    with scopes_disabled():
        second = make_user("Race-coord2", tenant.hub, "hub_coordinator")
        assert Membership.objects.filter(user=second).exists()
    clients = [signed_in(tenant.users["hub_coordinator"]), signed_in(second)]
    for c in clients:
        c.raise_request_exception = False  # a 500 must show up as a status, not a raise

    # Both requests pass the "is it already owned?" check before either inserts, so the
    # database's unique index decides: the real race, made certain.
    real_check = services.open_referral_for
    both_checked = threading.Barrier(2, timeout=20)
    local = threading.local()

    def check_then_wait(member, service_code):  # type: ignore[no-untyped-def]
        found = real_check(member, service_code)
        if not getattr(local, "waited", False):
            local.waited = True
            both_checked.wait()
        return found

    monkeypatch.setattr(services, "open_referral_for", check_then_wait)
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def post(client):  # type: ignore[no-untyped-def]
        try:
            response = client.post("/referrals/hub/new/", {
                "member": tenant.member.pk, "contract": contract.pk, "service": hdm.pk,
                "organisation": tenant.cbo.pk, "override_reason": "the member knows them"})
            answers.append((response.status_code, response.content.decode()))
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 409], statuses
    refused = next(body for status, body in answers if status == 409)
    assert "Race Pantry already owns outreach for this member and service" in refused
    with scopes_disabled():
        assert Referral.objects.filter(member=tenant.member, service_code="HDM").count() == 1


def _current_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
@pytest.mark.parametrize("outer", [False, True])
def test_a_failed_write_under_as_owner_raises_its_own_error_and_the_role_comes_back(
        tenant, outer):
    """The IntegrityError reaches the caller (not a 'transaction aborted' error from
    setting the role back), and after the rollback requests run as the tenant role again;
    both when as_owner's transaction is a savepoint and when it is nested in another."""
    with tenant_connection(tenant.cbo.pk):
        assert _current_role() == TENANT_ROLE
        with pytest.raises(IntegrityError):
            with transaction.atomic():
                if outer:
                    with transaction.atomic(), as_owner():
                        MemberAccess.objects.create(member=tenant.member,
                                                    organisation=tenant.payer)
                else:
                    with as_owner():
                        MemberAccess.objects.create(member=tenant.member,
                                                    organisation=tenant.payer)
        assert _current_role() == TENANT_ROLE
        assert getattr(connection, "carehub_in_tenant", False) is True
        with as_owner():
            assert _current_role() != TENANT_ROLE
        assert _current_role() == TENANT_ROLE
