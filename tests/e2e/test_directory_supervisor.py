"""A CBO supervisor, at phone width, adds a site with a service and updates capacity in
place from the directory list."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from carehub.network.models import Location, Service, ServiceType
from tests.e2e.conftest import check_accessibility, sign_in_verified, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_adds_a_site_and_updates_capacity_inline(page, tenant):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        meals = Service.objects.create(organisation=tenant.cbo, name="Meals",
                                       service_type=ServiceType.objects.get(slug="nutrition"))
    sign_in_verified(page, tenant.users["cbo_supervisor"])

    visit(page, "/network/sites/")
    page.get_by_role("link", name="Add a site").click()
    page.get_by_label("Street address").wait_for()
    check_accessibility(page)
    # A supervisor keeps one organisation's sites: it is already chosen.
    assert page.get_by_label("Organisation").input_value() == str(tenant.cbo.pk)
    page.get_by_label("Name").fill("East Side Pantry")
    page.get_by_label("Street address").fill("200 Main St")
    page.get_by_label("City").fill("Buffalo")
    page.get_by_label("State").fill("NY")
    page.get_by_label("Zip code").fill("14215")
    page.get_by_label("County").fill("Erie, NY")
    page.get_by_label("Hours").fill("Tuesday, 10am to 2pm")
    page.get_by_label("Meals (Alpha Pantry)").check()
    page.get_by_role("button", name="Save site").click()
    page.wait_for_selector("text=Saved site East Side Pantry")
    assert "East Side Pantry" in page.content()
    with scopes_disabled():
        site = Location.objects.get(name="East Side Pantry")
        assert site.services_here.get().service == meals

    visit(page, "/network/")
    cell = page.locator(f"#capacity-{meals.pk}")
    cell.get_by_label("Capacity of Meals").select_option("waitlist")
    cell.get_by_label("Waitlist length of Meals").fill("9")
    cell.get_by_role("button", name="Save").click()
    page.wait_for_selector(f"#capacity-{meals.pk} >> text=Waitlist: 9")
    assert page.url.rstrip("/").endswith("/network")  # updated in place, no navigation
    with scopes_disabled():
        meals.refresh_from_db()
    assert (meals.capacity_status, meals.waitlist_length) == ("waitlist", 9)
