"""The resource library: the hub writes or uploads documents and shares them with its
network; accepted network CBOs read and download them, nobody else; uploads are checked
for type and size; shipped templates and the five example models are listed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.reporting.models.readiness import ResourceDocument
from carehub.reporting.services import readiness as service
from tests.integration.conftest import acting_as, make_org, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def write(tenant, title="Billing guide", shared=True):
    with scopes_disabled():
        return service.save_document(title, "guide", text="Submit by the 5th.", shared=shared,
                                     acting=acting_as(tenant.users["hub_admin"]))


def test_network_cbo_reads_shared_documents_only(tenant, login_as):
    shared = write(tenant)
    private = write(tenant, "Hub notes", shared=False)
    for role in ("cbo_supervisor", "cbo_worker"):
        client = login_as(tenant.users[role])
        page = client.get(reverse("reporting:resources")).content.decode()
        assert "Billing guide" in page and "Hub notes" not in page
        assert client.get(reverse("reporting:resource", args=[shared.pk])).status_code == 200
        assert client.get(reverse("reporting:resource", args=[private.pk])).status_code == 404
        download = client.get(reverse("reporting:resource_download", args=[shared.pk]))
        assert download["Content-Disposition"] == 'attachment; filename="Billing guide.md"'
        assert download.content == b"Submit by the 5th."


def test_cbo_outside_the_network_plan_and_other_tenant_get_404(tenant, other_tenant, login_as):
    from carehub.tenancy.models import Network, NetworkMember

    document = write(tenant)
    with scopes_disabled():
        invited = make_org("cbo", "Alpha Invited")
        NetworkMember.objects.create(network=Network.objects.get(hub=tenant.hub), cbo=invited,
                                     status="invited")
        invited_user = make_user("invited-super", invited, "cbo_supervisor")
    users = [invited_user, tenant.users["payer_manager"], other_tenant.users["cbo_supervisor"],
             other_tenant.users["hub_admin"]]
    for user in users:
        client = login_as(user)
        for url in (reverse("reporting:resource", args=[document.pk]),
                    reverse("reporting:resource_download", args=[document.pk])):
            assert client.get(url).status_code == 404, (user, url)
    # The invited CBO and the plan do not get the library at all.
    assert login_as(invited_user).get(reverse("reporting:resources")).status_code == 404
    assert login_as(tenant.users["payer_manager"]).get(reverse("reporting:resources")).status_code == 404


@pytest.mark.parametrize(("name", "body", "message"), [
    ("tool.exe", b"MZ...", "tool.exe: only PDF, DOCX, XLSX, CSV, TXT or MD files can be shared."),
    ("fake.pdf", b"hello", "fake.pdf: the content is not a PDF file."),
    ("sheet.xlsx", b"%PDF-1.4", "sheet.xlsx: the content is not a XLSX file."),
    ("notes.txt", b"\xff\xfe\x00b", "notes.txt: a TXT file must be UTF-8 text."),
    ("empty.csv", b"", "The submitted file is empty."),
])
def test_bad_uploads_are_refused_with_the_reason(tenant, login_as, var_dir, name, body, message):
    client = login_as(tenant.users["hub_admin"])
    response = client.post(reverse("reporting:resource_add"), {
        "title": "Upload", "kind": "guide", "shared": "on",
        "file": SimpleUploadedFile(name, body)})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    with scopes_disabled():
        assert not ResourceDocument.objects.exists()
    assert not any(var_dir.rglob("*.*"))


def test_too_large_upload_is_refused(tenant, login_as, monkeypatch):
    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", 1024)
    response = login_as(tenant.users["hub_admin"]).post(reverse("reporting:resource_add"), {
        "title": "Big", "kind": "guide", "file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 2000)})
    assert response.status_code == 400
    assert "big.pdf: 2,005 bytes is over the 1,024 bytes limit." in response.content.decode()


def test_pdf_upload_is_stored_and_served_as_an_attachment(tenant, login_as, var_dir):
    client = login_as(tenant.users["hub_coordinator"])
    response = client.post(reverse("reporting:resource_add"), {
        "title": "Signed template", "kind": "contract_template", "shared": "on",
        "file": SimpleUploadedFile("template.pdf", b"%PDF-1.7 body")})
    assert response.status_code == 302
    with scopes_disabled():
        document = ResourceDocument.objects.get()
    assert (var_dir / "reporting" / "library" / document.stored_name).read_bytes() == b"%PDF-1.7 body"
    download = login_as(tenant.users["cbo_supervisor"]).get(
        reverse("reporting:resource_download", args=[document.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="template.pdf"'
    assert b"".join(download.streaming_content) == b"%PDF-1.7 body"


def test_shipped_templates_and_the_five_example_models(tenant, login_as):
    client = login_as(tenant.users["cbo_supervisor"])
    page = client.get(reverse("reporting:resources")).content.decode()
    for title in ("Contract template", "Scope-of-work template", "Payment-terms template",
                  "Example payment model: Fee for service", "Example payment model: Capitation",
                  "Example payment model: Bundled case rate",
                  "Example payment model: Pay for performance",
                  "Example payment model: Shared savings"):
        assert title in page
    scope = client.get(reverse("reporting:resource_shipped", args=["scope-of-work-template"]))
    assert "## WHO" in scope.content.decode() and "(required)" in scope.content.decode()
    model = client.get(reverse("reporting:resource_shipped", args=["capitation"])).content.decode()
    assert "In words" in model and "type: capitation" in model
    download = client.get(reverse("reporting:resource_shipped_download", args=["capitation"]))
    assert download["Content-Disposition"] == 'attachment; filename="capitation.yaml"'
