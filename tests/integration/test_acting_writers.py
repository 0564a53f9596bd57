"""One way to write: the services of contracts, network, members and accounts take the
acting party (`Acting`), audit with its user, organisation and request id, and keep
nothing of a write that fails half-way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from carehub.accounts import services as account_services
from carehub.audit.models import AuditEvent
from carehub.contracts import services as contract_services
from carehub.contracts.models import Contract, ContractParty, LifecycleTask
from carehub.members import services as member_services
from carehub.members.imports import RosterRow
from carehub.members.models import Member
from carehub.network import services as network_services
from carehub.network.hsds_import import HsdsImportError
from carehub.network.models import Location, Service, ServiceType
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation
from tests.integration.conftest import PASSWORD, acting_as
from tests.integration.contracts.factories import make_contract

pytestmark = pytest.mark.django_db
HSDS_EXAMPLES = Path("/work/shared/fixtures/hsds-3.0/examples")


def only_event(**filters: Any) -> AuditEvent:
    with scopes_disabled():
        found = list(AuditEvent.objects.filter(**filters))
    assert len(found) == 1, found
    return found[0]


def assert_by(event: AuditEvent, user: Any, organisation: Organisation | None,
              request_id: str) -> None:
    assert (event.actor_id, event.organisation_id, event.request_id) == (
        user.pk if user else None, organisation.pk if organisation else None, request_id)


# -- contracts ------------------------------------------------------------------------
def test_contract_writers_audit_the_acting_party(tenant: Any) -> None:
    hub_admin, manager = tenant.users["hub_admin"], tenant.users["payer_manager"]
    with scopes_disabled():
        contract = Contract(code="ACT-1", name="Meals", payer=tenant.payer, provider=tenant.hub,
                            starts=date(2026, 1, 1), ends=date(2026, 12, 31))
        contract_services.create_contract(contract, [tenant.cbo],
                                          acting=acting_as(hub_admin, request_id="req-create"))
        assert_by(only_event(object_type="contract", action="create", object_id="ACT-1"),
                  hub_admin, tenant.hub, "req-create")
        # The parties follow from the service's explicit sync (there is no signal).
        parties = dict(ContractParty.objects.filter(contract=contract)
                       .values_list("organisation_id", "status"))
        assert parties == {tenant.hub.pk: "accepted", tenant.payer.pk: "proposed",
                           tenant.cbo.pk: "accepted"}

        contract_services.decide_contract(contract, True,
                                          acting=acting_as(manager, request_id="req-decide"))
        assert_by(only_event(object_type="contract_party", object_id="ACT-1"),
                  manager, tenant.payer, "req-decide")

        contract_services.set_hub_may_upload(contract, True,
                                             acting=acting_as(manager, request_id="req-upload"))
        assert_by(only_event(object_type="contract", request_id="req-upload"),
                  manager, tenant.payer, "req-upload")

        task = contract_services.add_task(contract, LifecycleTask(
            stage="pre_launch", kind="general", title="Kickoff", owner_role="hub_admin"),
            acting=acting_as(hub_admin, request_id="req-task"))
        contract_services.set_task_done(task, True,
                                        acting=acting_as(hub_admin, request_id="req-done"))
        assert_by(only_event(object_type="contract_task", request_id="req-done"),
                  hub_admin, tenant.hub, "req-done")
        assert LifecycleTask.objects.get(pk=task.pk).done_by == hub_admin

        contract_services.move_stage(contract, "pre_launch",
                                     acting=acting_as(hub_admin, request_id="req-stage"))
        assert only_event(request_id="req-stage").detail["stage"][1] == "pre_launch"

        contract_services.save_contract_details(contract, [],
                                                acting=acting_as(hub_admin, request_id="req-det"))
        event = only_event(object_type="contract", request_id="req-det")
        assert_by(event, hub_admin, tenant.hub, "req-det")
        assert event.detail["delivering_removed"] == [tenant.cbo.pk]
        # The removed CBO, holding no open referral, leaves at once: its departure is
        # recorded (create) and ended (update) by the same acting party.
        for action in ("create", "update"):
            assert_by(only_event(object_type="contract_departure", action=action,
                                 request_id="req-det"), hub_admin, tenant.hub, "req-det")
        assert not ContractParty.objects.filter(contract=contract, organisation=tenant.cbo).exists()


def test_a_renewal_prompted_by_the_nightly_job_is_the_providers(tenant: Any) -> None:
    contract = make_contract(tenant)
    with scopes_disabled():
        Contract.objects.filter(pk=contract.pk).update(stage="implementation")
        created = contract_services.prompt_all_renewals(date(2026, 12, 15))
        assert [t.contract_id for t in created] == [contract.pk]
        event = only_event(object_type="contract_task", object_id=str(created[0].pk))
    assert_by(event, None, tenant.hub, "")


def test_a_contract_whose_delivering_cbos_fail_to_save_leaves_nothing(tenant: Any) -> None:
    unsaved = Organisation(kind="cbo", name="Not saved", legal_name="x", slug="not-saved")
    with scopes_disabled():
        contract = Contract(code="HALF", name="Half", payer=tenant.payer, provider=tenant.hub)
        with pytest.raises(ValueError):
            contract_services.create_contract(contract, [tenant.cbo, unsaved],
                                              acting=acting_as(tenant.users["hub_admin"]))
        assert not Contract.objects.filter(code="HALF").exists()
        assert not ContractParty.objects.filter(contract__code="HALF").exists()
        assert not AuditEvent.objects.filter(object_type="contract", object_id="HALF").exists()


# -- network --------------------------------------------------------------------------
def _service(tenant: Any, acting: Acting, name: str = "Meals") -> Service:
    return network_services.save_service(Service(
        organisation=tenant.cbo, service_type=ServiceType.objects.get(slug="nutrition"),
        name=name, description="Kitchen meals", coverage_counties=["Erie, NY"]), {},
        acting=acting)


def test_directory_writers_audit_the_acting_party(tenant: Any) -> None:
    supervisor = tenant.users["cbo_supervisor"]
    with scopes_disabled():
        service = _service(tenant, acting_as(supervisor, request_id="req-service"))
        assert Service.objects.get(pk=service.pk).verified_by == supervisor
        assert_by(only_event(object_type="directory_service", request_id="req-service"),
                  supervisor, tenant.cbo, "req-service")
        site = network_services.save_location(
            Location(organisation=tenant.cbo, name="Kitchen", address_1="1 Main St",
                     city="Buffalo", state_province="NY", postal_code="14213"),
            [service], acting=acting_as(supervisor, request_id="req-site"))
        with_site = AuditEvent.objects.filter(request_id="req-site")
        assert sorted(with_site.values_list("object_type", flat=True)) == [
            "directory_location", "directory_service_at_location"]
        for event in with_site:
            assert_by(event, supervisor, tenant.cbo, "req-site")
        assert list(site.services_here.values_list("service_id", flat=True)) == [service.pk]


def test_a_site_with_a_foreign_service_is_not_saved(tenant: Any, other_tenant: Any) -> None:
    with scopes_disabled():
        foreign = network_services.save_service(Service(
            organisation=other_tenant.cbo, service_type=ServiceType.objects.get(slug="nutrition"),
            name="Elsewhere", description="x"), {},
            acting=acting_as(other_tenant.users["cbo_supervisor"]))
        with pytest.raises(ValueError, match="not services of"):
            network_services.save_location(
                Location(organisation=tenant.cbo, name="Half site", address_1="2 Main St"),
                [foreign], acting=acting_as(tenant.users["cbo_supervisor"], request_id="req-half"))
        assert not Location.objects.filter(name="Half site").exists()
        assert not AuditEvent.objects.filter(request_id="req-half").exists()


def test_an_hsds_import_is_one_audited_event(tmp_path: Path) -> None:
    network_services.import_hsds(HSDS_EXAMPLES / "csv",
                                 acting=Acting.system())
    event = only_event(object_type="hsds_import")
    assert event.object_id.endswith("csv")
    assert event.detail["services"] > 0 and event.detail["organisations"] > 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "not-a-uuid", "name": "x", "status": "active"}')
    with pytest.raises(HsdsImportError):
        network_services.import_hsds(bad, acting=Acting.system())
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="hsds_import").count() == 1


# -- members --------------------------------------------------------------------------
def _row(n: int, member_id: str, **details: str) -> RosterRow:
    return RosterRow(row=n, member_id=member_id, first_name="Ana", last_name="Ortiz",
                     birth_date=date(1950, 1, 2), sex="F", product="medicaid",
                     enroll_start=date(2025, 1, 1), enroll_end=None, hospice=False,
                     risk_score=Decimal("1.20"), details=details)


def test_a_roster_upload_by_the_hub_is_the_plans_event_by_the_hub_user(tenant: Any) -> None:
    coordinator = tenant.users["hub_coordinator"]
    done = member_services.import_roster(
        tenant.payer, [_row(2, "R-1")], source="roster.csv",
        acting=acting_as(coordinator, request_id="req-roster"))
    assert done.created == 1
    event = only_event(object_type="roster_import")
    assert_by(event, coordinator, tenant.payer, "req-roster")
    assert event.detail["uploaded_by"] == tenant.hub.pk


def test_a_roster_that_fails_on_a_later_row_keeps_no_member(tenant: Any) -> None:
    with pytest.raises(TypeError):
        member_services.import_roster(
            tenant.payer, [_row(2, "R-1"), _row(3, "R-2", no_such_column="x")],
            acting=acting_as(tenant.users["payer_manager"]))
    with scopes_disabled():
        assert not Member.objects.filter(member_id__in=["R-1", "R-2"]).exists()
        assert not AuditEvent.objects.filter(object_type="roster_import").exists()


# -- accounts -------------------------------------------------------------------------
def test_a_second_factor_reset_is_the_administrators(tenant: Any) -> None:
    worker, hub_admin = tenant.users["cbo_worker"], tenant.users["hub_admin"]
    TOTPDevice.objects.create(user=worker, name="app", confirmed=True)
    removed = account_services.reset_second_factor(
        worker, acting=acting_as(hub_admin, request_id="req-reset"), via="hub_admin")
    assert removed == 1 and not TOTPDevice.objects.filter(user=worker).exists()
    assert_by(only_event(object_type="second_factor"), hub_admin, tenant.hub, "req-reset")


def test_sign_in_events_carry_the_requests_id(tenant: Any, client: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    manager = tenant.users["payer_manager"]  # a role that must use a second factor
    device = TOTPDevice.objects.create(user=manager, name="app", confirmed=True)
    client.post(reverse("accounts:login"), {"username": manager.username, "password": "wrong"},
                HTTP_X_REQUEST_ID="req-signin-1")
    failed = only_event(action="login_failed", request_id="req-signin-1")
    assert (failed.object_id, failed.detail) == (manager.username.lower(),
                                                 {"reason": "bad_credentials"})
    client.post(reverse("accounts:login"), {"username": manager.username, "password": PASSWORD})
    response = client.post(reverse("accounts:verify"), {"token": str(totp(device.bin_key)).zfill(6)},
                           HTTP_X_REQUEST_ID="req-signin-2")
    assert response.status_code == 302
    assert_by(only_event(action="login", request_id="req-signin-2"), manager, tenant.payer,
              "req-signin-2")
