"""The member list and the hub administrator's organisation list filter, sort and page;
their filters narrow what the organisation may see and never widen it."""

from __future__ import annotations

import re
from datetime import date

from django.urls import reverse
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.members.models import Member, MemberAccess
from tests.integration.conftest import Tenant, make_org


def add_members(t: Tenant, n: int, *, prefix: str = "Roll", product: str = "medicaid",
                county: str = "Erie, NY") -> list[Member]:
    made = []
    with scopes_disabled():
        for i in range(n):
            member = Member.objects.create(
                plan=t.payer, member_id=f"{prefix}-{i:03d}", first_name="Bea",
                last_name=f"{prefix}{i:03d}", birth_date=date(1960, 1, 1 + i % 28), sex="F",
                product=product, county=county)
            MemberAccess.objects.create(member=member, organisation=t.hub, reason="program")
            made.append(member)
    return made


def surnames(html: str, prefix: str = "Roll") -> list[str]:
    return re.findall(rf"({prefix}\d{{3}}),", html)


def test_the_member_list_pages_filters_and_sorts(tenant, login_as):
    add_members(tenant, 52)
    add_members(tenant, 2, prefix="Kings", product="dsnp", county="Kings, NY")
    client = login_as(tenant.users["hub_coordinator"])
    url = reverse("members:list")
    first = client.get(url, {"product": "medicaid", "county": "Erie, NY", "sort": "name"}).content.decode()
    assert surnames(first) == [f"Roll{i:03d}" for i in range(50)]
    assert "page=2" in first and "county=Erie%2C+NY" in first
    second = client.get(url, {"product": "medicaid", "county": "Erie, NY", "sort": "name",
                                "page": 2}).content.decode()
    assert surnames(second) == ["Roll050", "Roll051"]
    dsnp = client.get(url, {"product": "dsnp"}).content.decode()
    assert surnames(dsnp, "Kings") == ["Kings000", "Kings001"] and surnames(dsnp) == []
    by_id = client.get(url, {"q": "Roll-007"}).content.decode()
    assert surnames(by_id) == ["Roll007"]
    down = client.get(url, {"q": "Kings", "sort": "-name"}).content.decode()
    assert surnames(down, "Kings") == ["Kings001", "Kings000"]
    assert 'aria-sort="descending"' in down
    with scopes_disabled():
        event = AuditEvent.objects.filter(object_type="member_list").order_by("pk").last()
    assert len(event.detail["member_ids"]) == 2


def test_a_county_the_organisation_has_no_member_in_is_refused(tenant, other_tenant, login_as):
    add_members(tenant, 2)
    add_members(other_tenant, 2, prefix="Else", county="Bronx, NY")
    client = login_as(tenant.users["hub_coordinator"])
    html = client.get(reverse("members:list"), {"county": "Bronx, NY"}).content.decode()
    assert surnames(html) == [] and "Else" not in html
    assert "County: Select a valid choice." in html
    other = login_as(other_tenant.users["hub_coordinator"])
    assert surnames(other.get(reverse("members:list"), {"q": "Roll"}).content.decode()) == []


def test_the_organisation_list_filters_by_kind_and_name(tenant, login_as):
    with scopes_disabled():
        from carehub.tenancy.models import Network, NetworkMember

        kitchen = make_org("cbo", "Alpha Kitchen")
        NetworkMember.objects.create(network=Network.objects.get(hub=tenant.hub), cbo=kitchen,
                                     status="accepted", onboarded_by_hub=True)
    client = login_as(tenant.users["hub_admin"])
    url = reverse("portal:organisations")
    everyone = [o.name for o in client.get(url).context["organisations"]]
    assert "Alpha Kitchen" in everyone and "Alpha Pantry" in everyone
    kitchens = client.get(url, {"q": "kitch"})
    assert [o.name for o in kitchens.context["organisations"]] == ["Alpha Kitchen"]
    cbos = client.get(url, {"kind": "cbo", "sort": "-name"})
    assert [o.name for o in cbos.context["organisations"]] == ["Alpha Pantry", "Alpha Kitchen"]
    assert "Community-based organisation" in cbos.content.decode()
