"""An organisation's export of all its own records: what the bundle holds (every table,
counts as the selectors give them, nothing of another organisation, the sharing rule),
that its manifest tells the truth, that Parquet and CSV hold the same rows, the page for
administrators only, the audit of the job and of downloads, and the command."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.core.spreadsheet import unescape_cell
from carehub.exchange.export_bundle import TABLES, Context, data_dictionary, exported_members
from carehub.exchange.export_bundle.writer import csv_text
from carehub.exchange.models import Export
from carehub.exchange.selectors.export import export_path
from carehub.exchange.services.export import EXPORT_KIND
from carehub.exchange.tasks_export import export_body, export_task
from carehub.jobs.models import Job, JobStatus
from carehub.jobs.runner import run_job
from carehub.jobs.services import run_inline
from carehub.members.models import Member, MemberAccess
from carehub.members.selectors import visible_members
from carehub.network.models import Location
from carehub.referrals.models import Consent, ServiceDelivery
from carehub.referrals.selectors import referrals_for
from carehub.referrals.services import revoke_consent
from tests.integration.billing.statement_world import (
    MEALS,
    billing_contract,
    deliver,
    enrolled_member,
)
from tests.integration.conftest import Tenant, acting_as, signed_in
from tests.integration.referrals.conftest import directory_service

DOCS = Path(__file__).resolve().parents[3] / "docs" / "export.md"


@pytest.fixture
def world(tenant: Tenant, other_tenant: Tenant) -> dict[str, Any]:
    """Alpha: a referral owned by its CBO, walked to enrolment, a service delivered and a
    statement issued; a second plan member the CBO holds only through a referral since
    passed on (so only with consent); directory entries. Omega: the same basics."""
    from carehub.billing.services.statements import issue_statement

    contract = billing_contract(tenant, MEALS)
    referral = enrolled_member(tenant)
    deliver(referral, contract, date(2026, 2, 3), 10)
    issue_statement(contract, "2026-02", acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    directory_service(tenant.cbo, name="Alpha meals")
    with scopes_disabled():
        Location.objects.create(organisation=tenant.cbo, name="Alpha kitchen", city="Buffalo")
        bea = Member.objects.create(plan=tenant.payer, member_id="Alpha-M2", first_name="Bea",
                                    last_name="Consented", birth_date=date(1960, 1, 2), sex="F",
                                    product="medicaid")
        MemberAccess.objects.create(member=bea, organisation=tenant.payer, reason="plan")
        MemberAccess.objects.create(member=bea, organisation=tenant.cbo, reason="referral")
        consent = Consent.objects.create(member=bea, organisation=tenant.hub, kind="data_sharing",
                                         scope="hub and pantry", given_on=date(2025, 1, 1),
                                         recorded_by=tenant.users["hub_admin"])
    return {"referral": referral, "bea": bea, "consent": consent, "contract": contract}


def export(user: Any, org: Any, fmt: str, tmp: Path) -> tuple[zipfile.ZipFile, dict[str, Any]]:
    out = tmp / f"{org.slug}-{fmt}-{timezone.now().timestamp()}.zip"
    job = run_inline(export_body, export_task, kind=EXPORT_KIND, title="test export",
                     acting=acting_as(user, org), params={"format": fmt, "out": str(out)},
                     show_progress=False)
    assert job.status == JobStatus.SUCCEEDED, job.message
    bundle = zipfile.ZipFile(out)
    return bundle, json.loads(bundle.read("manifest.json"))


def csv_rows(bundle: zipfile.ZipFile, table: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(bundle.read(f"{table}.csv").decode("utf-8"))))


def counts(manifest: dict[str, Any]) -> dict[str, int]:
    return {f["name"]: f["rows"] for f in manifest["files"] if f["kind"] == "table"}


def test_every_table_is_in_the_bundle_with_the_selectors_counts(world, tenant, other_tenant,
                                                                 tmp_path):
    hub = tenant.hub
    bundle, manifest = export(tenant.users["hub_admin"], hub, "csv", tmp_path)
    names = set(bundle.namelist())
    assert {f"{t.name}.csv" for t in TABLES} <= names
    assert {"README.md", "manifest.json"} <= names
    got = counts(manifest)
    assert set(got) == {t.name for t in TABLES}
    for table in TABLES:
        assert len(csv_rows(bundle, table.name)) == got[table.name], table.name
    acting = acting_as(tenant.users["hub_admin"], hub)
    with scope(organisation=hub.pk):
        assert got["members"] == exported_members(Context.of(acting)).count() == 1
        assert got["referrals"] == referrals_for(hub).count() == 1
    assert got["statements"] == 1 and got["statement_lines"] >= 1
    assert got["contracts"] == 1
    assert got["organisation"] == 1
    # Another network's member, and its organisations, appear nowhere.
    everything = b"".join(bundle.read(n) for n in names)
    assert other_tenant.member.member_id.encode() not in everything
    assert other_tenant.hub.slug.encode() not in everything
    # Bea is the plan's, and only the CBO holds her (through consent): not the hub's.
    assert b"Alpha-M2" not in everything
    members = csv_rows(bundle, "members")
    assert [m["plan_member_id"] for m in members] == [tenant.member.member_id]
    assert members[0]["ground"] == "program"
    # Audit events are the organisation's own only.
    with scopes_disabled():
        mine = set(AuditEvent.objects.filter(organisation=hub).values_list("seq", flat=True))
    assert {int(r["seq"]) for r in csv_rows(bundle, "audit_events")} <= mine
    assert got["audit_events"] > 0


def test_the_plan_sees_all_its_members_and_others_services_only_with_consent(world, tenant,
                                                                           tmp_path):
    payer, manager = tenant.payer, tenant.users["payer_manager"]
    bundle, manifest = export(manager, payer, "csv", tmp_path)
    with scope(organisation=payer.pk):
        assert counts(manifest)["members"] == visible_members(payer).count() == 2
    # The CBO's service and its events' notes are the CBO's records: without an active
    # data-sharing consent of the member the plan gets none of them.
    assert counts(manifest)["services_delivered"] == 0
    notes = {r["note"] for r in csv_rows(bundle, "referral_events")
             if r["organisation"] != payer.slug}
    assert notes <= {""}
    with scopes_disabled():
        Consent.objects.create(member=tenant.member, organisation=tenant.cbo,
                               kind="data_sharing", scope="all parties",
                               given_on=date.today() - timedelta(days=1))
    bundle, manifest = export(manager, payer, "csv", tmp_path)
    with scopes_disabled():
        assert counts(manifest)["services_delivered"] == ServiceDelivery.objects.filter(
            member=tenant.member).count() == 1


def test_a_member_held_only_through_consent_leaves_the_export_when_it_is_revoked(
        world, tenant, tmp_path):
    cbo, supervisor = tenant.cbo, tenant.users["cbo_supervisor"]
    bundle, _ = export(supervisor, cbo, "csv", tmp_path)
    grounds = {m["plan_member_id"]: m["ground"] for m in csv_rows(bundle, "members")}
    assert grounds == {tenant.member.member_id: "referral", "Alpha-M2": "consent"}
    assert {c["member"] for c in csv_rows(bundle, "consents")} >= {str(world["bea"].pk)}
    with scopes_disabled():
        revoke_consent(world["consent"], acting=acting_as(tenant.users["hub_admin"], tenant.hub))
    bundle, _ = export(supervisor, cbo, "csv", tmp_path)
    assert [m["plan_member_id"] for m in csv_rows(bundle, "members")] == [tenant.member.member_id]
    assert str(world["bea"].pk) not in {c["member"] for c in csv_rows(bundle, "consents")}
    assert b"Bea" not in bundle.read("members.csv")
    # The plan still holds her on its own ground.
    bundle, _ = export(tenant.users["payer_manager"], tenant.payer, "csv", tmp_path)
    assert "Alpha-M2" in {m["plan_member_id"] for m in csv_rows(bundle, "members")}


def test_the_manifest_tells_the_truth(world, tenant, tmp_path):
    bundle, manifest = export(tenant.users["cbo_supervisor"], tenant.cbo, "parquet", tmp_path)
    assert manifest["organisation"]["slug"] == tenant.cbo.slug
    assert manifest["format"] == "parquet"
    assert manifest["created"]
    listed = {f["path"] for f in manifest["files"]}
    assert listed | {"manifest.json"} == set(bundle.namelist())
    for entry in manifest["files"]:
        data = bundle.read(entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["bytes"]
    readme = bundle.read("README.md").decode()
    assert data_dictionary() in readme
    for table in TABLES:
        assert f"| {table.name}.parquet | {counts(manifest)[table.name]} |" in readme


def test_parquet_holds_the_same_rows_as_csv(world, tenant, tmp_path):
    user, hub = tenant.users["hub_admin"], tenant.hub
    as_csv, _ = export(user, hub, "csv", tmp_path)
    as_parquet, _ = export(user, hub, "parquet", tmp_path)
    for table in TABLES:
        if table.name == "audit_events":
            continue  # the first export's own events are in the second
        read = pq.read_table(io.BytesIO(as_parquet.read(f"{table.name}.parquet")))
        assert read.column_names == [c.name for c in table.columns]
        from_parquet = [[csv_text(v) for v in row.values()] for row in read.to_pylist()]
        from_csv = [[unescape_cell(v) for v in row.values()]
                    for row in csv_rows(as_csv, table.name)]
        assert from_parquet == from_csv, table.name
    statements = pq.read_table(io.BytesIO(as_parquet.read("statements.parquet")))
    assert str(statements.schema.field("total").type) == "decimal128(14, 2)"
    assert [str(v) for v in statements.column("total").to_pylist()] == ["75.00"]
    assert statements.schema.field("total").metadata[b"meaning"].startswith(b"total")


def test_writing_the_members_is_audited_with_their_ids(world, tenant, tmp_path):
    user, hub = tenant.users["hub_admin"], tenant.hub
    export(user, hub, "csv", tmp_path)
    with scopes_disabled():
        events = list(AuditEvent.objects.filter(organisation=hub, action="export",
                                                object_type="organisation_export"))
    assert events and all(e.actor == user for e in events)
    assert tenant.member.pk in {m for e in events for m in e.detail.get("member_ids", [])}


def test_the_page_start_download_and_delete_for_an_administrator(
        world, tenant, tmp_path, django_capture_on_commit_callbacks):
    admin = tenant.users["hub_admin"]
    client = signed_in(admin, tenant.hub)
    page = client.get("/exchange/export/")
    assert page.status_code == 200
    assert b"Start the export" in page.content
    started = client.post("/exchange/export/start/", {"format": "parquet"})
    assert started.status_code == 302
    with scopes_disabled():
        made = Export.objects.get(organisation=tenant.hub)
        job = Job.objects.get(pk=made.job_id)
    assert started["Location"].endswith(f"/jobs/{job.pk}/")
    assert client.get(f"/exchange/export/{made.pk}/download/").status_code == 404  # not yet
    run_job(str(job.pk), export_body)
    with scopes_disabled():
        made.refresh_from_db()
        job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert made.ready and made.rows and made.members == 1 and made.format == "parquet"
    assert job.result_url == f"/exchange/export/{made.pk}/download/"
    listing = client.get("/exchange/export/")
    assert f"/exchange/export/{made.pk}/download/".encode() in listing.content
    got = client.get(f"/exchange/export/{made.pk}/download/")
    assert got.status_code == 200
    body = b"".join(got.streaming_content)
    assert hashlib.sha256(body).hexdigest() == made.sha256
    assert "statements.parquet" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    with scopes_disabled():
        downloads = AuditEvent.objects.filter(object_type="organisation_export_download",
                                              object_id=str(made.pk), action="export")
        assert downloads.filter(actor=admin, organisation=tenant.hub).count() == 1
    path = export_path(made)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/exchange/export/{made.pk}/delete/").status_code == 302
    assert not path.exists()
    with scopes_disabled():
        assert not Export.objects.filter(pk=made.pk).exists()
        assert AuditEvent.objects.filter(object_type="organisation_export", action="delete",
                                         object_id=str(made.pk)).exists()


@pytest.mark.parametrize("role", ["hub_coordinator", "auditor", "cbo_worker", "payer_analyst"])
def test_the_page_is_404_for_anyone_but_an_administrator(world, tenant, role):
    client = signed_in(tenant.users[role])
    assert client.get("/exchange/export/").status_code == 404
    assert client.post("/exchange/export/start/", {"format": "csv"}).status_code == 404
    with scopes_disabled():
        assert not Export.objects.exists()


def test_another_organisations_export_is_404(world, tenant, other_tenant, tmp_path):
    with scopes_disabled():
        theirs = Export.objects.create(organisation=other_tenant.hub, format="csv",
                                       finished_at=timezone.now(), file_name="x.zip")
    path = export_path(theirs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"secret")
    for user, org in ((tenant.users["hub_admin"], tenant.hub),
                      (tenant.users["cbo_supervisor"], tenant.cbo),
                      (tenant.users["payer_manager"], tenant.payer)):
        client = signed_in(user, org)
        assert client.get(f"/exchange/export/{theirs.pk}/download/").status_code == 404
        assert client.post(f"/exchange/export/{theirs.pk}/delete/").status_code == 404
        assert str(theirs.pk).encode() not in client.get("/exchange/export/").content
    assert path.exists()
    # The hub's administrator does not reach an export of a CBO in its own network either.
    with scopes_disabled():
        cbo_export = Export.objects.create(organisation=tenant.cbo, format="csv")
    client = signed_in(tenant.users["hub_admin"], tenant.hub)
    assert client.post(f"/exchange/export/{cbo_export.pk}/delete/").status_code == 404


def test_the_command_writes_the_bundle(world, tenant, tmp_path, capsys):
    out = tmp_path / "alpha.zip"
    call_command("export", org=tenant.hub.slug, format="parquet", out=str(out))
    printed = capsys.readouterr().out
    assert "members.parquet\t1" in printed and "sha256" in printed
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert manifest["organisation"]["slug"] == tenant.hub.slug
    with pytest.raises(SystemExit):
        call_command("export", org="no-such-org", format="csv", out=str(out))


def test_the_docs_carry_the_same_data_dictionary(capsys):
    call_command("export", dictionary=True)
    printed = capsys.readouterr().out
    assert printed.strip() == data_dictionary().strip()
    assert data_dictionary() in DOCS.read_text(encoding="utf-8"), (
        "docs/export.md's data dictionary differs from the tables' definitions: paste "
        "the output of `carehub export --dictionary` between its markers")


@pytest.mark.postgres
def test_row_level_security_keeps_exports_to_the_organisations_administrators(world, tenant):
    from django.db import connection

    from carehub.tenancy import rls

    with scopes_disabled():
        mine = Export.objects.create(organisation=tenant.hub, format="csv")
    for role, expected in (("hub_admin", 1), ("hub_coordinator", 0)):
        rls.enter_tenant(tenant.hub.pk, role=role, user_id=tenant.users[role].pk)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM exchange_export WHERE id = %s", [mine.pk])
                assert cursor.fetchone()[0] == expected, role
        finally:
            rls.leave_tenant()
    rls.enter_tenant(tenant.cbo.pk, role="cbo_supervisor",
                     user_id=tenant.users["cbo_supervisor"].pk)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM exchange_export")
            assert cursor.fetchone()[0] == 0
    finally:
        rls.leave_tenant()


FHIR_TYPES = ("Organization", "Patient", "Location", "HealthcareService", "Consent",
              "Condition", "Goal", "QuestionnaireResponse", "Observation", "Task",
              "ServiceRequest", "Procedure")


def test_every_ndjson_line_is_a_resource_that_validates(world, tenant, tmp_path):
    from carehub.fhir.validation import errors

    bundle, manifest = export(tenant.users["cbo_supervisor"], tenant.cbo, "csv", tmp_path)
    fhir = {f["name"]: f for f in manifest["files"] if f["kind"] == "fhir"}
    assert set(fhir) == set(FHIR_TYPES)
    problems: list[str] = []
    seen: dict[str, int] = {}
    for rtype, entry in fhir.items():
        assert entry["path"] == f"fhir/{rtype}.ndjson"
        lines = bundle.read(entry["path"]).decode("utf-8").splitlines()
        assert len(lines) == entry["rows"], rtype
        seen[rtype] = len(lines)
        for line in lines:
            resource = json.loads(line)
            assert resource["resourceType"] == rtype
            problems += [f"{rtype}/{resource.get('id')}: {p}" for p in errors(resource)]
    assert problems == []
    # Every type the CBO has records of is there, and the referral files match the tables.
    assert all(seen[t] >= 1 for t in FHIR_TYPES), seen
    tables = counts(manifest)
    assert seen["Task"] == seen["ServiceRequest"] == tables["referrals"]
    assert seen["Procedure"] == tables["services_delivered"]
    assert seen["Patient"] == tables["members"] == 2
    assert seen["Condition"] == seen["Goal"] == tables["needs"]
    assert seen["QuestionnaireResponse"] == tables["screenings"]
    patients = [json.loads(x) for x in bundle.read("fhir/Patient.ndjson").decode().splitlines()]
    assert {p["identifier"][0]["value"] for p in patients} == {tenant.member.member_id,
                                                                 "Alpha-M2"}
