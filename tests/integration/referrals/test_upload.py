"""Uploading a roster or ranked list in the browser, and a plan's "refer to the hub"."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts.models import ServiceDefinition
from carehub.members.models import Member, MemberAccess
from carehub.referrals.models import RankedList, Referral
from tests.integration.conftest import accepted_contract
from tests.integration.kinds.helpers import finish, places
from tests.integration.referrals.conftest import contract_with_terms, directory_service

pytestmark = pytest.mark.django_db
URL = reverse("referrals:upload")
HEADER = "member_id,first_name,last_name,birth_date,sex,product,enroll_start,enroll_end\n"
ROSTER = HEADER + ("U1,Uma,Ulm,1950-02-03,F,medicaid,2025-01-01,\n"
                   "U2,Vic,Vo,1948-07-09,M,dsnp,2025-01-01,2025-12-31\n")


@pytest.fixture
def uploads_allowed(tenant):  # type: ignore[no-untyped-def]
    """Alpha Plan's contract in effect with Alpha Hub, letting the hub upload its lists."""
    directory_service(tenant.cbo)
    return contract_with_terms(tenant, "T-MEALS", hub_may_upload_members=True)


def csv_file(text: str, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def post_roster(client, plan, text: str = ROSTER, name: str = "roster.csv"):  # type: ignore[no-untyped-def]
    return client.post(URL, {"kind": "roster", "plan": plan.pk, "file": csv_file(text, name)})


def test_payer_manager_uploads_a_roster_and_again_changes_nothing(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    first = finish(post_roster(client, tenant.payer))
    assert first.status == "succeeded" and first.result["created"] == 2
    again = finish(post_roster(client, tenant.payer))
    counts = again.result
    assert (counts["rows"], counts["created"], counts["updated"], counts["unchanged"]) == (2, 0, 0, 2)
    with scopes_disabled():
        assert Member.objects.filter(plan=tenant.payer, member_id__in=["U1", "U2"]).count() == 2
        events = list(AuditEvent.objects.filter(object_type="roster_upload").order_by("seq"))
    assert [e.action for e in events] == ["create", "update"]
    assert events[0].detail["created"] == 2 and events[0].organisation_id == tenant.payer.pk
    assert events[0].actor_id == tenant.users["payer_manager"].pk


def test_hub_uploads_a_parquet_ranked_list_and_assigns_it(tenant, uploads_allowed, login_as):
    client = login_as(tenant.users["hub_coordinator"])
    page = client.get(URL)
    assert page.status_code == 200
    assert [c for c in page.context["form"].fields["plan"].choices] == [
        (tenant.payer.pk, tenant.payer.name)]
    buffer = io.BytesIO()
    pq.write_table(pa.table({"member_id": [tenant.member.member_id], "rank": [1],
                             "selected": [True], "reasons": ["high risk"]}), buffer)
    body = {"kind": "ranked", "plan": tenant.payer.pk, "contract_code": "T-MEALS",
            "service_code": "HDM", "service_type": "nutrition", "hub": tenant.hub.pk,
            "assign": "on"}
    upload = SimpleUploadedFile("ranked.parquet", buffer.getvalue())
    job = finish(client.post(URL, {**body, "file": upload}))
    result = job.result
    assert (result["rows"], result["ranked_list_new"], result["assigned"]) == (1, True, 1)
    page = client.get(job.result_url)
    assert b"1 referrals created" in page.content
    again = finish(client.post(URL, {**body, "file": SimpleUploadedFile("ranked.parquet",
                                                                        buffer.getvalue())}))
    result = again.result
    assert (result["ranked_list_new"], result["assigned"], result["already_owned"]) == (
        False, 0, 1)
    with scopes_disabled():
        assert RankedList.objects.filter(plan=tenant.payer).count() == 1
        referral = Referral.objects.get(member=tenant.member)
        assert (referral.organisation, referral.hub, referral.source) == (
            tenant.cbo, tenant.hub, "ranked_list")
        event = AuditEvent.objects.filter(object_type="ranked_upload").order_by("seq").first()
    assert event is not None and event.action == "create"
    assert event.organisation_id == tenant.hub.pk and event.detail["assigned"] == 1


def test_payer_uploads_a_csv_ranked_list_without_assigning(tenant, uploads_allowed, login_as):
    client = login_as(tenant.users["payer_manager"])
    text = f"member_id,rank,selected,reasons\n{tenant.member.member_id},1,true,risk\n"
    response = client.post(URL, {"kind": "ranked", "plan": tenant.payer.pk,
                                 "contract_code": "T-MEALS", "service_code": "HDM",
                                 "file": csv_file(text, "ranked.csv")})
    job = finish(response)
    assert job.status == "succeeded" and "assigned" not in job.result
    with scopes_disabled():
        assert RankedList.objects.filter(plan=tenant.payer).count() == 1
        assert not Referral.objects.exists()


def test_a_bad_file_lists_rows_and_columns_and_saves_nothing(tenant, uploads_allowed, login_as):
    client = login_as(tenant.users["hub_admin"])
    bad = HEADER + ("U1,Uma,Ulm,1950-02-03,F,medicaid,2025-01-01,\n"
                    "U2,Vic,Vo,1948-13-09,X,dsnp,2025-01-01,\n")
    job = finish(post_roster(client, tenant.payer, bad))
    assert job.status == "failed" and "nothing was saved" in job.message
    errors = places(job)
    assert ("roster.csv row 3, column sex", "'X' is not one of F, M, U") in errors
    assert ("roster.csv row 3, column birth_date", "'1948-13-09' is not a date YYYY-MM-DD") in errors
    with scopes_disabled():
        assert not Member.objects.filter(member_id__in=["U1", "U2"]).exists()
        assert not AuditEvent.objects.filter(object_type="roster_upload").exists()


def test_a_ranked_row_off_the_roster_is_named(tenant, uploads_allowed, login_as):
    client = login_as(tenant.users["payer_manager"])
    response = client.post(URL, {"kind": "ranked", "plan": tenant.payer.pk,
                                 "contract_code": "T-MEALS", "service_code": "HDM",
                                 "file": csv_file("member_id,rank,selected\nNOPE,1,true\n",
                                                  "ranked.csv")})
    assert places(finish(response)) == [
        ("ranked.csv row 2, column member_id", f"NOPE is not on {tenant.payer.name}'s roster")]
    with scopes_disabled():
        assert not RankedList.objects.exists()


def test_wrong_file_type_and_missing_codes_are_form_errors(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    response = post_roster(client, tenant.payer, ROSTER, "roster.xlsx")
    assert response.status_code == 400
    assert "choose a .csv or .parquet file" in response.context["form"].errors["file"][0]
    response = client.post(URL, {"kind": "ranked", "plan": tenant.payer.pk,
                                 "file": csv_file("member_id,rank,selected\n", "r.csv")})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"contract_code", "service_code"}


def test_other_organisations_plan_is_refused(tenant, other_tenant, login_as):
    # Omega's hub may not import for Alpha's plan: the choice is not offered.
    client = login_as(other_tenant.users["hub_coordinator"])
    response = post_roster(client, tenant.payer)
    assert response.status_code == 400
    assert "plan" in response.context["form"].errors
    client = login_as(other_tenant.users["payer_manager"])
    assert post_roster(client, tenant.payer).status_code == 400
    with scopes_disabled():
        assert not Member.objects.filter(member_id="U1").exists()


@pytest.mark.parametrize("role,status", [
    ("payer_manager", 200), ("hub_admin", 200), ("hub_coordinator", 200),
    ("payer_analyst", 404), ("cbo_worker", 404), ("cbo_supervisor", 404), ("auditor", 404)])
def test_upload_permission_matrix(tenant, uploads_allowed, login_as, role, status):
    client = login_as(tenant.users[role])
    assert client.get(URL).status_code == status
    assert post_roster(client, tenant.payer).status_code in ((302,) if status == 200 else (404,))


def test_links_show_for_uploaders_only(tenant, login_as):
    manager = login_as(tenant.users["payer_manager"]).get(reverse("referrals:plan"))
    assert URL in manager.content.decode() and "Refer to the hub" in manager.content.decode()
    analyst = login_as(tenant.users["payer_analyst"]).get(reverse("referrals:plan"))
    assert "Refer to the hub" not in analyst.content.decode()
    assert URL in login_as(tenant.users["hub_admin"]).get(
        reverse("referrals:coordinator")).content.decode()


@pytest.fixture
def hub_contract(tenant):  # type: ignore[no-untyped-def]
    """ALPHA-MEALS in effect between the plan and the hub, delivered by the tenant's CBO,
    which offers nutrition in Erie County in the directory."""
    found = contract_with_terms(tenant, "ALPHA-MEALS", name="Meals")
    directory_service(tenant.cbo)
    return found


def _hdm(contract):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return ServiceDefinition.objects.get(contract=contract, code="HDM")


def test_payer_refers_a_member_to_the_hub(tenant, hub_contract, login_as):
    with scopes_disabled():
        member = Member.objects.create(plan=tenant.payer, member_id="P9", first_name="Pia",
                                       last_name="Poe", birth_date="1951-01-01", sex="F",
                                       product="medicaid", county="Erie, NY")
        MemberAccess.objects.create(member=member, organisation=tenant.payer, reason="plan")
    client = login_as(tenant.users["payer_manager"])
    refer = reverse("referrals:plan_refer")
    page = client.get(refer)
    assert page.status_code == 200
    assert page.context["form"].fields["contract"].choices == [
        ("", "Choose a contract"), (hub_contract.pk, "ALPHA-MEALS Meals (with Alpha Hub)")]
    found = client.get(reverse("referrals:member_search"), {"q": "poe p9"})
    assert b"Poe, Pia" in found.content and f'value="{member.pk}"'.encode() in found.content
    body = {"member": member.pk, "contract": hub_contract.pk, "service": _hdm(hub_contract).pk}
    response = client.post(refer, body)
    assert response.status_code == 200, response.content.decode()
    assert b"Referred to Alpha Pantry" in response.content
    assert (b"Alpha Pantry: delivers ALPHA-MEALS, offers nutrition in Erie County, accepting, "
            b"0 open referrals") in response.content
    with scopes_disabled():
        referral = Referral.objects.get(member=member)
        assert (referral.hub, referral.organisation, referral.plan, referral.source) == (
            tenant.hub, tenant.cbo, tenant.payer, "plan")
        assert MemberAccess.objects.filter(member=member, organisation=tenant.hub).exists()
        event = AuditEvent.objects.filter(action="create", object_type="referral",
                                          object_id=str(referral.pk)).first()
    assert event is not None and event.organisation_id == tenant.payer.pk
    again = client.post(refer, body)
    assert again.status_code == 409
    # Said beside the form, in its error region.
    assert "Alpha Pantry already owns" in again.context["error"]
    assert "Alpha Pantry already owns" in again.content.decode().split("data-form-errors", 1)[1]
    with scopes_disabled():
        assert Referral.objects.filter(member=member).count() == 1


def test_payer_refer_refuses_unknown_members_and_other_hubs(tenant, other_tenant, hub_contract,
                                                           login_as):
    client = login_as(tenant.users["payer_manager"])
    refer = reverse("referrals:plan_refer")
    service = _hdm(hub_contract).pk
    response = client.post(refer, {"member": other_tenant.member.pk,
                                   "contract": hub_contract.pk, "service": service})
    assert response.status_code == 400
    assert response.context["form"].errors["member"] == [
        "Choose a member: search by name or member id."]
    omega_contract = accepted_contract(other_tenant.payer, other_tenant.hub, "OMEGA-MEALS")
    response = client.post(refer, {"member": tenant.member.pk, "contract": omega_contract.pk,
                                   "service": service})
    assert response.status_code == 400
    assert "contract" in response.context["form"].errors
    with scopes_disabled():
        assert not Referral.objects.exists()


@pytest.mark.parametrize("role", ["payer_analyst", "hub_coordinator", "cbo_worker", "auditor"])
def test_payer_refer_is_404_for_other_roles(tenant, hub_contract, login_as, role):
    client = login_as(tenant.users[role])
    response = client.post(reverse("referrals:plan_refer"),
                           {"member": tenant.member.pk, "contract": hub_contract.pk,
                            "service": _hdm(hub_contract).pk})
    assert response.status_code == 404


def test_another_plans_manager_cannot_reach_members(tenant, other_tenant, hub_contract,
                                                    login_as):
    omega = login_as(other_tenant.users["payer_manager"])
    found = omega.get(reverse("referrals:member_search"), {"q": tenant.member.last_name})
    assert found.status_code == 200 and b"No member you may refer matches" in found.content
    response = omega.post(reverse("referrals:plan_refer"),
                          {"member": tenant.member.pk, "contract": hub_contract.pk,
                           "service": _hdm(hub_contract).pk})
    assert response.status_code == 400
    assert {"member", "contract"} <= set(response.context["form"].errors)
    with scopes_disabled():
        assert not Referral.objects.exists()


# Reference checks: each bad value is named by row and column, and nothing is saved.

FULL_HEADER = ("member_id,first_name,last_name,birth_date,sex,product,enroll_start,"
               "county,state,zip,hospice,pcp_npi,phone,phone_alt,email\n")
GOOD_ROW = ("U1,Uma,Ulm,1950-02-03,F,medicaid,2025-01-01,"
            "\"Erie, NY\",NY,14201,false,1234567893,(716) 555-0142,,uma@example.org\n")


def bad_row(**values: str) -> str:
    fields = dict(zip(FULL_HEADER.strip().split(","), [
        "U2", "Vic", "Vo", "1948-07-09", "M", "dsnp", "2025-01-01", "\"Erie, NY\"", "NY",
        "14201", "false", "1234567893", "716-555-0199", "", ""], strict=True))
    fields.update(values)
    return ",".join(fields.values()) + "\n"


@pytest.mark.parametrize("column,value,message", [
    ("county", "Erie",
     "'Erie' is not a county written as 'Name, ST' (for example 'Erie, NY')"),
    ("county", "\"Erie County, NY\"",
     "'Erie County, NY' is not a county of New York; did you mean 'Erie, NY'?"),
    ("county", "\"Erie, PA\"", "'Erie, PA' is in PA, but the row's state is NY"),
    ("county", "\"Springfield, ZZ\"", "'Springfield, ZZ': 'ZZ' is not a US state code"),
    ("zip", "142", "'142' is not a 5-digit zip code such as 14201"),
    ("zip", "14201-1234", "'14201-1234' is not a 5-digit zip code such as 14201"),
    ("state", "New York", "'New York' is not a two-letter US state code such as NY"),
    ("state", "XX", "'XX' is not a two-letter US state code such as NY"),
    ("hospice", "no", "'no' is not true or false (the format's spelling of a boolean)"),
    ("hospice", "1", "'1' is not true or false (the format's spelling of a boolean)"),
    ("pcp_npi", "1234567890", "'1234567890' is not an NPI (its check digit is wrong)"),
    ("product", "medicare", "'medicare' is not one of medicaid, medicare_advantage, dsnp, "
                            "commercial"),
    ("phone", "555-0142",
     "'555-0142' is not a US phone number of 10 digits such as 716-555-0142"),
    ("phone_alt", "(716) 555-01422",
     "'(716) 555-01422' is not a US phone number of 10 digits such as 716-555-0142"),
    ("email", "vic@", "'vic@' is not an email address"),
])
def test_roster_values_are_checked_against_reference_lists(tenant, login_as, column, value,
                                                          message):
    client = login_as(tenant.users["payer_manager"])
    job = finish(post_roster(client, tenant.payer,
                             FULL_HEADER + GOOD_ROW + bad_row(**{column: value})))
    assert places(job) == [(f"roster.csv row 3, column {column}", message)]
    assert "nothing was saved" in job.message
    with scopes_disabled():  # the good row 2 is not saved either
        assert not Member.objects.filter(member_id__in=["U1", "U2"]).exists()
        assert not AuditEvent.objects.filter(object_type="roster_upload").exists()


def test_roster_contact_columns_are_stored_as_digits_and_shown(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    text = FULL_HEADER + GOOD_ROW + bad_row(phone_alt="+1 716.555.0100", zip="14207",
                                            hospice="TRUE")
    job = finish(post_roster(client, tenant.payer, text))
    assert job.status == "succeeded", job.errors
    with scopes_disabled():
        uma = Member.objects.get(plan=tenant.payer, member_id="U1")
        vic = Member.objects.get(plan=tenant.payer, member_id="U2")
    assert (uma.phone, uma.phone_alt, uma.email) == ("7165550142", "", "uma@example.org")
    assert (vic.phone, vic.phone_alt, vic.email, vic.hospice) == (
        "7165550199", "7165550100", "", True)
    assert (uma.county, uma.state, uma.zip) == ("Erie, NY", "NY", "14201")
    page = client.get(reverse("members:list")).content.decode()
    assert "(716) 555-0142" in page and 'href="tel:+17165550142"' in page
    detail = client.get(reverse("members:detail", args=[vic.pk])).content.decode()
    assert "(716) 555-0199" in detail and "(716) 555-0100" in detail


def test_ranked_list_selected_takes_the_formats_spelling_only(tenant, uploads_allowed,
                                                              login_as):
    client = login_as(tenant.users["payer_manager"])
    text = f"member_id,rank,selected\n{tenant.member.member_id},1,yes\n"
    response = client.post(URL, {"kind": "ranked", "plan": tenant.payer.pk,
                                 "contract_code": "T-MEALS", "service_code": "HDM",
                                 "file": csv_file(text, "ranked.csv")})
    assert places(finish(response)) == [
        ("ranked.csv row 2, column selected",
         "'yes' is not true or false (the format's spelling of a boolean)")]
    with scopes_disabled():
        assert not RankedList.objects.exists()
