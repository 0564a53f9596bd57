"""Page inputs the database cannot hold answer 4xx and save nothing; responses carrying
member data are never cached; files read from uploads fail with row and column."""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path, reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.jobs.models import Job
from carehub.members.imports import MAX_LENGTHS, read_table
from carehub.members.models import Member
from carehub.referrals.models import Referral
from tests.integration.kinds.helpers import finish, places
from tests.integration.referrals.conftest import acting_as

pytestmark = pytest.mark.django_db
UPLOAD = reverse("referrals:upload")
HEADER = "member_id,first_name,last_name,birth_date,sex,product,enroll_start\n"


def roster_upload(client, plan, text: str):  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("roster.csv", text.encode(), content_type="text/csv")
    return client.post(UPLOAD, {"kind": "roster", "plan": plan.pk, "file": upload})


def saved_nothing(plan) -> bool:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return (Member.objects.filter(plan=plan).count() == 1  # the tenant's own member
                and not AuditEvent.objects.filter(object_type="roster_upload").exists())


# NUL characters: PostgreSQL cannot store them, so they never reach a view.

@pytest.mark.parametrize("url", ["members:list", "network:directory"])
def test_a_nul_in_a_search_is_a_400_naming_the_field(tenant, login_as, url):
    client = login_as(tenant.users["hub_coordinator"])
    response = client.get(reverse(url), {"q": "Ada\x00"})
    assert response.status_code == 400
    assert "'q' contains a NUL character" in response.content.decode()
    assert client.get(reverse(url), {"q": "Ada"}).status_code == 200


def test_a_nul_in_the_path_is_not_found(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    assert client.get("/contracts/%00/").status_code == 404
    assert client.get("/contracts/A%00B/edit/").status_code == 404


def test_a_nul_in_a_form_field_is_a_400_and_saves_nothing(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    response = client.post(reverse("referrals:plan_refer"), {
        "member_id": tenant.member.member_id, "hub": tenant.hub.pk, "service_code": "HD\x00M"})
    assert response.status_code == 400
    assert "form field 'service_code' contains a NUL" in response.content.decode()
    with scopes_disabled():
        assert not Referral.objects.exists()


def test_api_routes_get_a_json_400_for_a_nul(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    response = client.get("/api/me", {"x": "\x00"})
    assert response.status_code == 400
    assert "contains a NUL character" in response.json()["detail"]


# Over-long values and unreadable cells in uploads: row and column, nothing saved.

def test_roster_values_longer_than_their_columns_are_row_errors(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    long_id, long_name = "M" * 65, "A" * 101
    response = roster_upload(client, tenant.payer, HEADER + (
        f"{long_id},Ada,Lee,1950-01-01,F,medicaid,2025-01-01\n"
        f"OK1,{long_name},Lee,1950-01-01,F,medicaid,2025-01-01\n"))
    assert places(finish(response)) == [
        ("roster.csv row 2, column member_id", "is 65 characters long; at most 64 fit"),
        ("roster.csv row 3, column first_name", "is 101 characters long; at most 100 fit")]
    assert saved_nothing(tenant.payer)


def test_importer_lengths_are_the_member_tables(db):
    for column, length in MAX_LENGTHS.items():
        assert Member._meta.get_field(column).max_length == length, column


def test_a_huge_cell_is_a_row_and_column_error_on_the_page_and_the_command(
        tenant, login_as, tmp_path, capsys):
    text = HEADER + ("A1,Ada,Lee,1950-01-01,F,medicaid,2025-01-01\n"
                     f"A2,Bo,\"{'x' * 200_000}\",1950-01-01,F,medicaid,2025-01-01\n")
    client = login_as(tenant.users["payer_manager"])
    response = roster_upload(client, tenant.payer, text)
    assert places(finish(response)) == [
        ("roster.csv row 3, column last_name",
         "a cell is longer than 131,072 characters; no column holds that much")]
    assert saved_nothing(tenant.payer)

    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    with pytest.raises(SystemExit) as stopped:
        call_command("import_members", "roster", str(roster), "--plan", tenant.payer.slug)
    assert stopped.value.code == 2
    assert capsys.readouterr().err.splitlines() == [
        f"carehub import_members: {roster}: row 3, column last_name: a cell is longer than "
        "131,072 characters; no column holds that much"]
    assert saved_nothing(tenant.payer)


def test_a_nul_inside_an_uploaded_cell_is_a_row_error(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    response = roster_upload(client, tenant.payer,
                             HEADER + "A1,Ad\x00a,Lee,1950-01-01,F,medicaid,2025-01-01\n")
    assert places(finish(response)) == [
        ("roster.csv row 2, column first_name",
         "contains a NUL character (\\x00), which is not allowed")]
    assert saved_nothing(tenant.payer)


def test_an_upload_over_the_limit_is_refused_before_it_is_read(tenant):
    from carehub.referrals import uploads

    big = SimpleUploadedFile("roster.csv", b"x" * 10, content_type="text/csv")
    big.size = uploads.MAX_UPLOAD_BYTES + 1
    with pytest.raises(ValueError, match="larger than 50 MB"):
        uploads.start_upload(acting_as(tenant.users["payer_manager"]), kind="roster",
                             plan=tenant.payer, upload=big)
    with scopes_disabled():
        assert not Job.objects.exists()


def test_rows_read_back_undo_the_formula_escape(tmp_path):
    from carehub.analytics.files import csv_text

    path = tmp_path / "ranked.csv"
    path.write_text(csv_text(["member_id", "rank", "reasons"], [["-X1", 1, "=risk"]]))
    assert path.read_text().splitlines()[1] == "'-X1,1,'=risk"
    assert list(read_table(path)) == [{"member_id": "-X1", "rank": "1", "reasons": "=risk"}]


def test_a_hand_made_reroute_is_a_400(tenant, login_as):
    from tests.integration.referrals.conftest import contract_with_terms

    contract_with_terms(tenant)
    with scopes_disabled():
        from carehub.referrals import services

        referral = services.create_referral(
            member=tenant.member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code="T-MEALS", acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    client = login_as(tenant.users["hub_coordinator"])
    url = reverse("referrals:reroute", args=[referral.pk])
    for body in ({"organisation": "x", "version": "1"}, {"organisation": tenant.cbo.pk,
                                                        "version": "1e3"}):
        assert client.post(url, body).status_code == 400


# The last resort: a database DataError answers 400 and is logged, never a 500.

def divide_by_zero(request):  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")
    return HttpResponse("unreachable")


urlpatterns = [path("divide/", divide_by_zero)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # autocommit, as a server runs: no test-wide transaction
def test_a_data_error_is_a_logged_400(tenant, login_as, caplog):
    client = login_as(tenant.users["hub_admin"])
    with override_settings(ROOT_URLCONF=__name__), caplog.at_level(logging.ERROR,
                                                                   "carehub.requests"):
        response = client.get("/divide/")
    assert response.status_code == 400
    assert "nothing was saved" in response.content.decode()
    assert any("DataError reached GET /divide/" in r.getMessage() for r in caplog.records)


# Member data is never kept by a browser or a proxy.

def test_signed_in_pages_downloads_and_api_are_no_store(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    for url in (reverse("members:list"), reverse("referrals:plan_export"), "/api/me"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert set(response["Cache-Control"].replace(" ", "").split(",")) == {
            "no-store", "private"}, url


def test_the_sign_in_page_for_anonymous_visitors_is_not_marked_private(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "private" not in response.get("Cache-Control", "")


# The favicon: browsers ask for /favicon.ico on every page.

def test_favicon_is_linked_from_every_page_and_served(client, tenant, login_as):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/carehub/favicon.ico"
    icon = finders.find("carehub/favicon.ico")
    assert icon is not None
    with open(icon, "rb") as handle:
        data = handle.read()
    assert data[:4] == b"\x00\x00\x01\x00" and data[4] >= 1  # an ICO with an image
    assert client.head("/favicon.ico").status_code == 302
    assert client.post("/favicon.ico").status_code == 405
    signed_out = client.get(reverse("accounts:login")).content.decode()
    signed_in = login_as(tenant.users["payer_manager"]).get(reverse("members:list"))
    for html in (signed_out, signed_in.content.decode()):
        assert '<link rel="icon" href="/static/carehub/favicon.ico"' in html
