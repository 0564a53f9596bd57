"""Django's admin sits behind carehub's sign-in, needs a verified second factor,
audits its reads and writes, and holds no member data."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.audit.admin_site import CarehubAdminSite, points_at_member, site
from carehub.audit.models import AuditEvent
from carehub.network.models import ServiceType
from tests.integration.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_otp_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def staff(db) -> User:
    user = User.objects.create_superuser("platform-ops", "ops@example.org", PASSWORD)
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return user


def code(user: User) -> str:
    return str(totp(TOTPDevice.objects.get(user=user, confirmed=True).bin_key)).zfill(6)


def events(**filters) -> list[AuditEvent]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(**filters).order_by("seq"))


def test_admin_login_page_sends_people_to_carehub_sign_in(db):
    response = Client().get("/admin/login/?next=/admin/tenancy/organisation/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=/admin/tenancy/organisation/" in response["Location"]
    assert Client().get("/admin/")["Location"].startswith("/admin/login/")


def test_twelve_wrong_passwords_then_the_right_one_stay_locked_out(staff):
    client = Client()
    # The admin's own form no longer checks passwords at all...
    for _ in range(12):
        client.post("/admin/login/", {"username": staff.username, "password": "wrong-password"})
    client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    # ...and the only sign-in, carehub's, locks the name after ten failures.
    login = reverse("accounts:login") + "?next=/admin/"
    for _ in range(12):
        client.post(login, {"username": staff.username, "password": "wrong-password"})
    locked = client.post(login, {"username": staff.username, "password": PASSWORD})
    assert "Too many failed sign-ins" in locked.context["error"]
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/tenancy/organisation/").status_code == 302
    assert settings.LOGIN_MAX_FAILURES < 12


def test_password_alone_does_not_open_the_admin(staff):
    client = Client()
    response = client.post(reverse("accounts:login") + "?next=/admin/",
                           {"username": staff.username, "password": PASSWORD})
    assert reverse("accounts:verify") in response["Location"]
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/accounts/user/").status_code == 302
    # A signed-in session without a verified device is not enough either.
    unverified = Client()
    unverified.force_login(staff)
    assert unverified.get("/admin/").status_code == 302
    assert "_auth_user_id" not in unverified.session


def test_password_and_second_factor_open_the_admin(staff):
    client = Client()
    client.post(reverse("accounts:login"), {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    done = client.post(reverse("accounts:verify"), {"token": code(staff), "next": "/admin/"})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_verified_people_who_are_not_staff_get_404(tenant):
    client = signed_in(tenant.users["hub_admin"])  # verified, not platform staff
    # Like anyone, they are sent to the admin's sign-in, which answers them 404.
    assert client.get("/admin/", follow=True).status_code == 404
    assert client.get("/admin/tenancy/organisation/", follow=True).status_code == 404
    assert client.get("/admin/login/").status_code == 404


def test_admin_writes_are_audited_with_the_changed_fields(tenant, staff):
    client = signed_in(staff)
    org = tenant.cbo
    response = client.post(reverse("admin:tenancy_organisation_change", args=[org.pk]), {
        "kind": org.kind, "name": "Alpha Pantry and Kitchen", "legal_name": org.legal_name,
        "slug": org.slug, "npi": org.npi, "tin": org.tin, "is_active": "on",
    })
    assert response.status_code == 302, response.content[:800]
    update = events(action="update", object_type="tenancy.organisation")[-1]
    assert update.actor == staff and update.object_id == str(org.pk)
    assert update.detail["fields"] == ["name"] and update.detail["via"] == "admin"

    client.post(reverse("admin:network_servicetype_add"),
                {"slug": "laundry", "name": "Laundry", "position": 99})
    created = ServiceType.objects.get(slug="laundry")
    create = events(action="create", object_type="network.servicetype")[-1]
    assert create.object_id == str(created.pk) and "name" in create.detail["fields"]

    client.post(reverse("admin:network_servicetype_delete", args=[created.pk]), {"post": "yes"})
    assert not ServiceType.objects.filter(pk=created.pk).exists()
    assert events(action="delete", object_type="network.servicetype")[-1].object_id == str(created.pk)


def test_admin_reads_are_audited(tenant, staff):
    client = signed_in(staff)
    assert client.get("/admin/tenancy/organisation/?q=Alpha").status_code == 200
    listing = events(action="view", object_type="tenancy.organisation")[-1]
    assert listing.detail["page"] == "list" and listing.detail["query"] == "q=Alpha"
    assert listing.detail["rows"] == 3
    assert client.get(reverse("admin:tenancy_organisation_change", args=[tenant.hub.pk])).status_code == 200
    change = events(action="view", object_type="tenancy.organisation")[-1]
    assert change.detail["page"] == "change" and change.object_id == str(tenant.hub.pk)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert events(action="view", object_type="audit.auditevent")


def test_member_data_is_not_in_the_admin(tenant, staff):
    client = signed_in(staff)
    for url in ("/admin/members/member/", f"/admin/members/member/{tenant.member.pk}/change/",
                "/admin/members/enrolmentspan/", "/admin/members/memberaccess/"):
        assert client.get(url).status_code == 404, url
    index = client.get("/admin/").content.decode()
    assert tenant.member.last_name not in index and "/admin/members/" not in index
    for model in site._registry:
        assert not points_at_member(model), model
    for admin in site._registry.values():
        for inline in admin.inlines:
            assert not points_at_member(inline.model), inline


def test_every_member_level_model_is_refused_by_the_admin_site():
    member_models = [m for m in apps.get_models() if points_at_member(m)]
    labels = {m._meta.label_lower for m in member_models}
    assert {"members.member", "members.enrolmentspan", "members.memberaccess"} <= labels
    if apps.is_installed("carehub.referrals"):
        assert {"referrals.referral", "referrals.consent", "referrals.casenote",
                "referrals.pathwaystep"} <= labels
    other = CarehubAdminSite(name="probe")
    for model in member_models:
        with pytest.raises(ImproperlyConfigured, match="member data"):
            other.register(model)
    assert not points_at_member(ServiceType)


def test_tenant_records_are_read_only_and_reference_data_editable(tenant, staff):
    client = signed_in(staff)
    from carehub.tenancy.models import Network

    network = Network.objects.get(hub=tenant.hub)
    page = client.get(reverse("admin:tenancy_network_change", args=[network.pk]))
    assert page.status_code == 200 and b'name="name"' not in page.content
    refused = client.post(reverse("admin:tenancy_network_change", args=[network.pk]),
                          {"name": "Renamed", "admin_fee_percent": "50.00"})
    assert refused.status_code == 403
    network.refresh_from_db()
    assert network.name == "Alpha network"
    assert client.get(reverse("admin:network_servicetype_add")).status_code == 200
    assert client.get(reverse("admin:contracts_checklistitem_changelist")).status_code == 200
    assert client.get(reverse("admin:tenancy_organisation_add")).status_code == 200


def test_second_factor_devices_are_not_shown_in_the_admin(staff):
    client = signed_in(staff)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
