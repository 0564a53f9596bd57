"""The second factor cannot be skipped, replaced without the current one, or kept after a reset."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.audit.models import AuditEvent
from carehub.tenancy.models import Membership
from tests.integration.conftest import PASSWORD, make_user, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_otp_throttle(settings):
    # django-otp slows retries after a wrong code; these tests do not wait for it.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code(device: TOTPDevice) -> str:
    return str(totp(device.bin_key)).zfill(6)


def wrong(device: TOTPDevice) -> str:
    return "000000" if code(device) != "000000" else "111111"


def password_step(client: Client, username: str, **extra: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD, **extra})


def events(object_type: str) -> list[AuditEvent]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(object_type=object_type).order_by("seq"))


def signed_in_as(client: Client) -> int | None:
    pk = client.session.get("_auth_user_id")
    return int(pk) if pk else None


def test_enrolment_cannot_replace_a_confirmed_device_after_the_password_step(tenant):
    admin = tenant.users["hub_admin"]
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client = Client()
    assert reverse("accounts:verify") in password_step(client, admin.username)["Location"]

    # The finding: enrolment after the password step showed a new key...
    assert client.get(reverse("accounts:enrol")).status_code == 404
    # ...and a code from a key of the attacker's choosing completed the sign-in.
    planted = TOTPDevice.objects.create(user=admin, name="attacker", confirmed=False)
    session = client.session
    session["pending_device_id"] = planted.pk
    session.save()
    response = client.post(reverse("accounts:enrol"), {"token": code(planted)})
    assert response.status_code == 404
    assert signed_in_as(client) is None
    assert list(TOTPDevice.objects.filter(user=admin, confirmed=True)) == [device]
    assert client.get(reverse("home")).status_code == 302  # still not signed in
    # The real second step still works.
    assert client.post(reverse("accounts:verify"), {"token": code(device)}).status_code == 302
    assert signed_in_as(client) == admin.pk


def test_verify_page_is_not_reachable_from_the_enrolment_stage_and_the_other_way(tenant):
    admin = tenant.users["hub_admin"]
    client = Client()
    assert reverse("accounts:enrol") in password_step(client, admin.username)["Location"]
    assert client.get(reverse("accounts:verify")).status_code == 404
    assert Client().get(reverse("accounts:enrol")).status_code == 404  # no password step at all


def test_each_sign_in_shows_a_new_key_and_earlier_keys_never_become_the_device(tenant):
    admin = tenant.users["hub_admin"]
    first, second = Client(), Client()
    password_step(first, admin.username)
    first_key = first.get(reverse("accounts:enrol")).context["secret"]
    old_device = TOTPDevice.objects.get(user=admin, confirmed=False)
    password_step(second, admin.username)
    second_key = second.get(reverse("accounts:enrol")).context["secret"]
    assert first_key != second_key
    assert TOTPDevice.objects.filter(user=admin).count() == 1
    # A code from the first key (seen by whoever signed in first) is worthless now.
    response = first.post(reverse("accounts:enrol"), {"token": code(old_device)})
    assert response.status_code == 404 and signed_in_as(first) is None
    new_device = TOTPDevice.objects.get(user=admin)
    assert second.post(reverse("accounts:enrol"), {"token": code(new_device)}).status_code == 302
    assert signed_in_as(second) == admin.pk
    assert events("second_factor")[-1].detail["event"] == "enrolled"


def test_enrolment_started_before_another_session_confirmed_a_device_is_refused(tenant):
    admin = tenant.users["hub_admin"]
    slow = Client()
    password_step(slow, admin.username)
    pending = TOTPDevice.objects.get(user=admin, confirmed=False)
    # Meanwhile a device is confirmed (another sign-in finished enrolling).
    TOTPDevice.objects.create(user=admin, name="other", confirmed=True)
    assert slow.post(reverse("accounts:enrol"), {"token": code(pending)}).status_code == 404
    assert signed_in_as(slow) is None
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).count() == 1


def test_a_user_who_set_up_a_device_always_needs_it(tenant):
    worker = tenant.users["cbo_worker"]
    device = TOTPDevice.objects.create(user=worker, name="app", confirmed=True)
    client = Client()
    assert reverse("accounts:verify") in password_step(client, worker.username)["Location"]
    assert signed_in_as(client) is None
    client.post(reverse("accounts:verify"), {"token": code(device)})
    assert client.get(reverse("home")).status_code == 200


def test_platform_staff_must_enrol_and_then_use_the_second_factor(db):
    staff = User.objects.create_user("opsperson", password=PASSWORD, is_staff=True)
    client = Client()
    assert reverse("accounts:enrol") in password_step(client, "opsperson")["Location"]
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    done = client.post(reverse("accounts:enrol"), {"token": code(device)})
    # Staff without an organisation land on the admin, which they may now use.
    assert done["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200
    again = Client()
    assert reverse("accounts:verify") in password_step(again, "opsperson")["Location"]


def test_a_session_without_the_second_factor_is_signed_out(tenant):
    admin = tenant.users["hub_admin"]
    TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client = Client()
    client.force_login(admin)  # a session made outside the sign-in pages
    assert client.get(reverse("home")).status_code == 302
    assert signed_in_as(client) is None
    reasons = [e.detail.get("reason") for e in events("user")]
    assert "session_without_second_factor" in reasons


def test_a_role_that_needs_a_second_factor_given_after_sign_in_ends_the_session(tenant):
    coordinator = tenant.users["hub_coordinator"]
    client = signed_in(coordinator)
    assert client.get(reverse("home")).status_code == 200
    Membership.objects.filter(user=coordinator).update(role="hub_admin")
    assert client.get(reverse("home")).status_code == 302
    assert reverse("accounts:enrol") in password_step(client, coordinator.username)["Location"]


# --- Replacing one's own device -------------------------------------------------------

def test_replacing_the_device_needs_the_current_code_and_removes_the_old_one_only_when_confirmed(tenant):
    admin = tenant.users["hub_admin"]
    client = signed_in(admin)
    old = TOTPDevice.objects.get(user=admin, confirmed=True)
    page = client.get(reverse("accounts:security"))
    assert page.status_code == 200 and b"Move to a new phone" in page.content

    refused = client.post(reverse("accounts:security_replace"), {"token": wrong(old)})
    assert refused.status_code == 400 and "not right" in refused.context["error"]
    assert not TOTPDevice.objects.filter(user=admin, confirmed=False).exists()
    assert client.get(reverse("accounts:security_new")).status_code == 302  # step one first

    assert client.post(reverse("accounts:security_replace"), {"token": code(old)})["Location"] == reverse("accounts:security_new")
    new_page = client.get(reverse("accounts:security_new"))
    assert new_page.status_code == 200 and new_page.context["replacing"]
    new = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert new_page.context["secret"] != client.get(reverse("accounts:security")).context.get("secret", "")
    # Not confirmed yet: the old device is still the one that signs in.
    assert TOTPDevice.objects.get(user=admin, confirmed=True) == old
    bad = client.post(reverse("accounts:security_new"), {"token": wrong(new)})
    assert bad.status_code == 400
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()

    done = client.post(reverse("accounts:security_new"), {"token": code(new)})
    assert done.status_code == 302
    assert list(TOTPDevice.objects.filter(user=admin)) == [TOTPDevice.objects.get(pk=new.pk, confirmed=True)]
    # The session moved to the new device and stays signed in.
    assert client.get(reverse("home")).status_code == 200
    event = events("second_factor")[-1]
    assert event.action == "update" and event.actor == admin
    assert event.detail["event"] == "replaced" and event.detail["removed_devices"] == [old.pk]


def test_an_abandoned_replacement_leaves_the_current_device_working(tenant):
    admin = tenant.users["hub_admin"]
    client = signed_in(admin)
    old = TOTPDevice.objects.get(user=admin, confirmed=True)
    client.post(reverse("accounts:security_replace"), {"token": code(old)})
    fresh = Client()
    assert reverse("accounts:verify") in password_step(fresh, admin.username)["Location"]
    # A new step in time, so the old code is not a replay.
    old.refresh_from_db()
    old.last_t = -1
    old.save()
    assert fresh.post(reverse("accounts:verify"), {"token": code(old)}).status_code == 302
    assert signed_in_as(fresh) == admin.pk


def test_security_page_needs_a_signed_in_user(db):
    response = Client().get(reverse("accounts:security"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert Client().post(reverse("accounts:security_replace"), {"token": "123456"}).status_code == 302


def test_a_user_without_a_device_may_add_one_and_then_needs_it(tenant):
    worker = tenant.users["cbo_worker"]
    client = signed_in(worker)
    assert b"Set up two-step sign-in" in client.get(reverse("accounts:security")).content
    assert client.post(reverse("accounts:security_replace"))["Location"] == reverse("accounts:security_new")
    device = TOTPDevice.objects.get(user=worker, confirmed=False)
    assert client.post(reverse("accounts:security_new"), {"token": code(device)}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert reverse("accounts:verify") in password_step(Client(), worker.username)["Location"]


# --- Administrator's reset ------------------------------------------------------------

def test_hub_admin_resets_a_lost_device_of_someone_in_their_network(tenant, other_tenant):
    admin = tenant.users["hub_admin"]
    second_admin = make_user("Alpha-hubadmin2", tenant.hub, "hub_admin")
    victim_session = signed_in(second_admin)  # verified with a device
    assert victim_session.get(reverse("home")).status_code == 200
    url = reverse("accounts:reset", args=[second_admin.pk])

    # Not theirs to reset: another network's hub admin, or a CBO worker's page for the
    # same user, gets 404 and changes nothing.
    assert signed_in(other_tenant.users["hub_admin"]).post(url).status_code == 404
    assert signed_in(tenant.users["cbo_supervisor"]).post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=second_admin, confirmed=True).exists()

    client = signed_in(admin)
    page = client.get(url)
    assert page.status_code == 200 and b"Reset two-step sign-in" in page.content
    assert client.post(url, {"reason": "phone lost, called back"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=second_admin).exists()
    event = events("second_factor")[-1]
    assert event.action == "delete" and event.actor == admin and event.object_id == str(second_admin.pk)
    assert event.detail["via"] == "hub_admin" and event.detail["reason"] == "phone lost, called back"

    # Their existing session ends, and they enrol at the next sign-in.
    assert victim_session.get(reverse("home")).status_code == 302
    assert reverse("accounts:enrol") in password_step(Client(), second_admin.username)["Location"]


def test_hub_admin_cannot_reset_themselves_staff_or_people_who_also_work_elsewhere(tenant, other_tenant):
    admin = tenant.users["hub_admin"]
    client = signed_in(admin)
    assert client.get(reverse("accounts:reset", args=[admin.pk])).status_code == 404
    staff = make_user("Alpha-staff", tenant.cbo, "cbo_worker")
    staff.is_staff = True
    staff.save()
    assert client.get(reverse("accounts:reset", args=[staff.pk])).status_code == 404
    both = make_user("Alpha-both", tenant.cbo, "cbo_worker")
    Membership.objects.create(user=both, organisation=other_tenant.hub, role="hub_admin")
    TOTPDevice.objects.create(user=both, name="app", confirmed=True)
    assert client.post(reverse("accounts:reset", args=[both.pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=both).exists()
    assert client.get(reverse("accounts:reset", args=[999999])).status_code == 404


def test_the_reset_command_for_platform_staff(tenant):
    admin = tenant.users["hub_admin"]
    TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    call_command("reset_second_factor", admin.username.upper(), "--reason", "ticket 42")
    assert not TOTPDevice.objects.filter(user=admin).exists()
    event = events("second_factor")[-1]
    assert event.action == "delete" and event.detail["via"] == "command"
    assert "ticket 42" in event.detail["reason"]
    assert reverse("accounts:enrol") in password_step(Client(), admin.username)["Location"]
    with pytest.raises(CommandError, match="no user named 'nobody'") as raised:
        call_command("reset_second_factor", "nobody")
    assert raised.value.returncode == 2
