"""Organisation and user management, and the other-organisation rule on every page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import ScopeError, scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.members.models import Member
from carehub.tenancy.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def test_hub_admin_sees_own_network(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    page = client.get(reverse("portal:organisations"))
    assert page.status_code == 200
    names = [o.name for o in page.context["organisations"]]
    assert names == ["Alpha Hub", "Alpha Pantry"]


def test_hub_admin_adds_a_cbo_and_a_worker(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    response = client.post(reverse("portal:organisation_new"), {
        "name": "Eastside Meals", "legal_name": "Eastside Meals Inc.", "npi": "1234567893",
        "tin": "12-3456789", "medicaid_id": "MC123",
    })
    assert response.status_code == 302
    org = Organisation.objects.get(name="Eastside Meals")
    assert org.kind == "cbo"
    response = client.post(reverse("portal:user_new", args=[org.pk]), {
        "username": "eastside-worker", "first_name": "Eve", "last_name": "Side", "email": "",
        "role": "cbo_worker", "password": "a-long-enough-pass-77",
    })
    assert response.status_code == 302
    assert Membership.objects.filter(organisation=org, role="cbo_worker", user__username="eastside-worker").exists()
    with scopes_disabled():
        actions = set(AuditEvent.objects.filter(organisation=tenant.hub).values_list("action", "object_type"))
    assert ("create", "organisation") in actions and ("create", "membership") in actions


def test_bad_input_is_answered_field_by_field(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    response = client.post(reverse("portal:organisation_new"), {"name": "X", "legal_name": "X", "npi": "12", "tin": "nope"})
    assert response.status_code == 400
    assert "An NPI has 10 digits." in response.content.decode()
    assert "A TIN is written NN-NNNNNNN." in response.content.decode()
    assert not Organisation.objects.filter(name="X").exists()


def test_hub_admin_cannot_give_a_cbo_a_payer_role(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    response = client.post(reverse("portal:user_new", args=[tenant.cbo.pk]), {
        "username": "sneaky", "first_name": "S", "last_name": "N", "role": "payer_manager",
        "password": "a-long-enough-pass-77",
    })
    assert response.status_code == 400
    assert not Membership.objects.filter(user__username="sneaky").exists()


def test_deactivating_a_membership_is_audited(tenant, login_as):
    client = login_as(tenant.users["hub_admin"])
    membership = tenant.users["cbo_worker"].memberships.get()
    assert client.post(reverse("portal:membership_toggle", args=[membership.pk])).status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False
    with scopes_disabled():
        event = AuditEvent.objects.get(object_type="membership", object_id=str(membership.pk))
    # The view's acting party is the event's: who, for which organisation, from where.
    assert (event.action, event.actor, event.organisation) == ("update", tenant.users["hub_admin"], tenant.hub)
    assert event.detail == {"is_active": False}
    assert event.request_id and event.ip == "127.0.0.1"


def test_portal_writers_take_the_acting_party_as_one_keyword(tenant):
    """The house rule for writers: `acting` is keyword-only, and no request or actor."""
    import inspect

    from carehub.portal import services

    writers = [services.add_cbo_to_network, services.invite_cbo, services.decide_invitation,
               services.update_organisation, services.create_user,
               services.set_membership_active, services.update_network]
    for writer in writers:
        params = inspect.signature(writer).parameters
        assert params["acting"].kind is inspect.Parameter.KEYWORD_ONLY, writer.__name__
        assert not {"request", "actor", "acting_org", "user"} & set(params), writer.__name__


def test_a_refused_invitation_writes_nothing(tenant):
    from carehub.portal import services
    from carehub.tenancy.access import Acting

    admin = tenant.users["hub_admin"]
    acting = Acting.of(admin, admin.memberships.get())
    with scopes_disabled():
        before = AuditEvent.objects.count()
    with pytest.raises(services.InvitationRefused, match="already in the network"):
        services.invite_cbo(tenant.cbo, acting=acting)
    with scopes_disabled():
        assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", ["hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager", "payer_analyst", "auditor"])
def test_only_hub_admins_manage_organisations(tenant, login_as, role):
    client = login_as(tenant.users[role])
    assert client.get(reverse("portal:organisations")).status_code == 404
    assert client.get(reverse("portal:organisation", args=[tenant.cbo.pk])).status_code == 404


def other_org_urls(t):
    """Every page that names an object of tenant `t`."""
    membership = t.users["cbo_worker"].memberships.get()
    return [
        ("get", reverse("portal:organisation", args=[t.cbo.pk])),
        ("get", reverse("portal:organisation", args=[t.hub.pk])),
        ("post", reverse("portal:organisation", args=[t.cbo.pk])),
        ("get", reverse("portal:user_new", args=[t.cbo.pk])),
        ("post", reverse("portal:user_new", args=[t.cbo.pk])),
        ("post", reverse("portal:membership_toggle", args=[membership.pk])),
        ("get", reverse("members:detail", args=[t.member.pk])),
    ]


@pytest.mark.parametrize("role", ["hub_admin", "hub_coordinator", "cbo_supervisor", "cbo_worker", "payer_manager", "payer_analyst", "auditor"])
def test_other_organisation_gets_404_everywhere(tenant, other_tenant, login_as, role):
    client = login_as(other_tenant.users[role])
    for method, url in other_org_urls(tenant):
        response = getattr(client, method)(url)
        assert response.status_code == 404, (role, method, url)
    # Lists show nothing of the first tenant.
    members = client.get(reverse("members:list"))
    if members.status_code == 200:
        assert tenant.member.last_name not in members.content.decode()


def test_anonymous_users_are_sent_to_sign_in(tenant):
    from django.test import Client

    client = Client()
    assert client.get(reverse("home")).status_code == 302
    assert client.get(reverse("members:detail", args=[tenant.member.pk])).status_code == 404
    assert client.get("/api/me").status_code in (401, 404)


def test_unscoped_query_on_tenant_data_raises(tenant):
    with pytest.raises(ScopeError):
        list(Member.objects.all())


def test_api_me_names_the_acting_organisation(tenant, login_as):
    client = login_as(tenant.users["payer_manager"])
    body = client.get("/api/me").json()
    assert body["organisation"]["name"] == "Alpha Plan" and body["role"] == "payer_manager"
