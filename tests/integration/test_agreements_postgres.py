"""On PostgreSQL, uploads run under the tenant role, and row-level security states the
same agreement rules as the services: a hub writes a plan's roster only under a contract
in effect that allows it."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.contracts.models import ContractParty
from carehub.contracts.services import create_contract
from carehub.members import services as member_services
from carehub.members.models import Member
from carehub.tenancy.rls import TENANT_ROLE, tenant_connection
from tests.integration.conftest import accepted_contract, acting_as
from tests.integration.kinds.helpers import finish

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def insert_member(plan_id: int, member_id: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO members_member (plan_id, member_id, first_name, last_name, birth_date,"
            " sex, race, ethnicity, language, address, city, county, state, zip, product,"
            " pcp_npi, hospice, phone, phone_alt, email, created_at, updated_at) VALUES (%s, %s,"
            " 'A', 'B', '1950-01-01', 'F', '', '', '', '', '', '', '', '', 'medicaid', '', false,"
            " '', '', '', now(), now())",
            [plan_id, member_id])


def can_insert(org_id: int, plan_id: int, member_id: str) -> bool:
    with tenant_connection(org_id):
        try:
            with transaction.atomic():
                insert_member(plan_id, member_id)
        except DatabaseError:
            return False
    return True


def test_rls_refuses_a_hub_writing_another_plans_roster(tenant, other_tenant):
    # A one-sided proposal, then an accepted contract without upload permission: refused.
    from carehub.contracts.models import Contract

    with scopes_disabled():
        proposal = Contract(code="X", name="X", payer=other_tenant.payer, provider=tenant.hub,
                            hub_may_upload_members=True)
        create_contract(proposal, acting=acting_as(tenant.users["hub_admin"]))
    assert not can_insert(tenant.hub.pk, other_tenant.payer.pk, "RLS-1")
    accepted_contract(other_tenant.payer, tenant.hub, "Y")
    assert not can_insert(tenant.hub.pk, other_tenant.payer.pk, "RLS-1")
    # The plan accepts the proposal that allows uploads: now the database agrees.
    with scopes_disabled():
        ContractParty.objects.filter(contract=proposal).update(status="accepted")
    assert can_insert(tenant.hub.pk, other_tenant.payer.pk, "RLS-1")
    # A plan always writes its own roster, never another's.
    assert can_insert(tenant.payer.pk, tenant.payer.pk, "RLS-2")
    assert not can_insert(tenant.payer.pk, other_tenant.payer.pk, "RLS-3")


def test_each_party_sees_the_other_partys_acceptance(tenant, other_tenant):
    from carehub.contracts.models import Contract

    with scopes_disabled():
        contract = Contract(code="X", name="X", payer=other_tenant.payer, provider=tenant.hub)
        create_contract(contract, acting=acting_as(tenant.users["hub_admin"]))
    query = ("SELECT organisation_id, status FROM contracts_contractparty WHERE contract_id = %s"
             " ORDER BY organisation_id")
    for org in (tenant.hub, other_tenant.payer):
        with tenant_connection(org.pk), connection.cursor() as cursor:
            cursor.execute(query, [contract.pk])
            assert sorted(cursor.fetchall()) == sorted(
                [(tenant.hub.pk, "accepted"), (other_tenant.payer.pk, "proposed")])
    with tenant_connection(tenant.cbo.pk), connection.cursor() as cursor:
        cursor.execute(query, [contract.pk])
        assert cursor.fetchall() == []


def test_an_upload_runs_as_the_tenant_role(tenant, login_as, monkeypatch):
    accepted_contract(tenant.payer, tenant.hub, "T-MEALS", hub_may_upload_members=True)
    seen: list[str] = []
    real = member_services.save_roster_chunk

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            seen.append(cursor.fetchone()[0])
        return real(*args, **kwargs)

    # The upload starts the import job; the job's chunks are written as the tenant role.
    monkeypatch.setattr("carehub.members.tasks.save_roster_chunk", spy)
    text = ("member_id,first_name,last_name,birth_date,sex,product,enroll_start,enroll_end\n"
            "U1,Uma,Ulm,1950-02-03,F,medicaid,2025-01-01,\n")
    response = login_as(tenant.users["hub_coordinator"]).post(reverse("referrals:upload"), {
        "kind": "roster", "plan": tenant.payer.pk,
        "file": SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")})
    assert finish(response).status == "succeeded"
    assert seen == [TENANT_ROLE]
    with scopes_disabled():
        member = Member.objects.get(plan=tenant.payer, member_id="U1")
        assert member.access.filter(organisation=tenant.payer).exists()
        assert member.enrolment_spans.get().start == date(2025, 1, 1)
