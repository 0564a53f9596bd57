"""The referral page as a worker's one page (issue 11): how to reach the member, why they
were referred, open needs and consent, per viewing organisation; screenings that count
what they saw; referring a positive domain on; stored codes shown in words."""

from __future__ import annotations

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.network.models import Service, ServiceType
from carehub.referrals import labels, services
from carehub.referrals.member_card import age_on, reason_in_words
from carehub.referrals.models import (
    ContactPreference,
    Need,
    RankedList,
    RankedListEntry,
    Referral,
    ReferralEvent,
    Screening,
)
from carehub.tenancy.models import Network, NetworkMember, Role
from tests.integration.conftest import Tenant, acting_as, make_org
from tests.integration.referrals.conftest import contract_with_terms, refer, walk_to

# Food answered (both items "often true") and transportation "no": 3 of 10 answered.
THREE_ANSWERS = {"item-88122-7": "LA28397-0", "item-88123-5": "LA28397-0",
                 "item-93030-5": "LA32-8"}
# The other seven: housing positive (no steady place), utilities no, safety all "never".
THE_REST = {"item-71802-3": "LA31995-6", "item-96778-6": "LA9-3", "item-96779-4": "LA32-8",
            "item-95618-5": "LA6270-8", "item-95617-7": "LA6270-8",
            "item-95616-9": "LA6270-8", "item-95615-1": "LA6270-8"}


def reachable(t: Tenant) -> None:
    with scopes_disabled():
        m = t.member
        m.phone, m.phone_alt, m.email = "7165550142", "7165550199", "ada@example.org"
        m.address, m.city, m.state, m.zip = "12 Elm Street", "Buffalo", "NY", "14201"
        m.language = "Spanish"
        m.save()
        ContactPreference.objects.create(member=m, best_time="weekday mornings",
                                         preferred_channel="phone")


def a_shelter(t: Tenant, contract_code: str = "T-MEALS"):  # type: ignore[no-untyped-def]
    """A second CBO of the hub's network offering tenancy support in the member's county,
    and a housing service (HSG) on the contract, delivered by it."""
    with scopes_disabled():
        shelter = make_org("cbo", "Alpha Shelter")
        NetworkMember.objects.create(network=Network.objects.get(hub=t.hub), cbo=shelter,
                                     status="accepted", onboarded_by_hub=True)
        tenancy = ServiceType.objects.get(slug="tenancy-support")
        Service.objects.create(organisation=shelter, service_type=tenancy,
                               name="Tenancy sustaining services",
                               coverage_counties=["Erie, NY"], status="active")
        contract = Contract.objects.get(code=contract_code)
        ServiceDefinition.objects.create(contract=contract, code="HSG",
                                         name="Housing navigation", service_type=tenancy)
        contract.delivering_cbos.add(shelter)
    return shelter


@pytest.fixture
def meals(tenant: Tenant) -> Referral:
    contract_with_terms(tenant)
    reachable(tenant)
    with scopes_disabled():
        referral = services.create_referral(
            member=tenant.member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code="T-MEALS", service_type="nutrition", anchor_date=date(2026, 11, 30),
            acting=acting_as(tenant.users["hub_coordinator"], tenant.hub),
            assignee=tenant.users["cbo_worker"])
    return referral


def page_of(login_as, user, referral: Referral) -> str:  # type: ignore[no-untyped-def]
    response = login_as(user).get(f"/referrals/{referral.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# --- what each organisation sees --------------------------------------------------------

def test_the_cbo_worker_sees_how_to_reach_the_member_and_why(tenant, meals, login_as):
    html = page_of(login_as, tenant.users["cbo_worker"], meals)
    assert 'href="tel:+17165550142"' in html and "(716) 555-0142" in html
    assert 'href="tel:+17165550199"' in html
    assert "weekday mornings" in html and "Prefers</dt><dd>Phone" in html
    assert 'href="mailto:ada@example.org"' in html
    assert "12 Elm Street" in html and "Buffalo, NY 14201" in html
    assert "Spanish" in html and "Medicare Advantage" in html
    age = age_on(date(1950, 5, 1), date.today())
    assert f"<dt>Age</dt><dd>{age}</dd>" in html and "1950-05-01" not in html
    assert "<dt>Discharged</dt><dd>2026-11-30</dd>" in html
    assert "Nutrition (HDM) under T-MEALS" in html and "Hub referral" in html
    assert "No data-sharing consent recorded" in html
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="member_contact",
                                         member_id=tenant.member.pk,
                                         actor=tenant.users["cbo_worker"]).exists()



def test_the_page_opens_with_the_member_and_keeps_routing_after_an_action(tenant, meals,
                                                                          login_as):
    with scopes_disabled():
        Referral.objects.filter(pk=meals.pk).update(
            routing_reason="Alpha Pantry: delivers T-MEALS, offers nutrition in Erie County")
    html = page_of(login_as, tenant.users["cbo_worker"], meals)
    # The first heading says who the page is about; routing follows the member card.
    assert html.index("<h1>") < html.index('id="reach-heading"') < html.index('id="routing-h"')
    # An htmx action re-renders the panel, routing note included.
    answer = login_as(tenant.users["cbo_worker"]).post(
        f"/referrals/{meals.pk}/note/", {"text": "left a card"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert "offers nutrition in Erie County" in answer.content.decode()

def test_the_hub_without_consent_sees_no_contact_details(tenant, meals, login_as):
    html = page_of(login_as, tenant.users["hub_coordinator"], meals)
    assert "7165550142" not in html and "555-0142" not in html and "ada@example.org" not in html
    assert "12 Elm Street" not in html and "weekday mornings" not in html
    assert 'id="contact-withheld"' in html
    # What routing needs stays.
    assert "Medicare Advantage" in html and "<dt>Discharged</dt><dd>2026-11-30</dd>" in html
    with scopes_disabled():
        assert not AuditEvent.objects.filter(object_type="member_contact",
                                             actor=tenant.users["hub_coordinator"]).exists()


def test_with_consent_the_hub_sees_them_and_the_plan_always_does(tenant, meals, login_as):
    with scopes_disabled():
        services.record_consent(tenant.member, kind="data_sharing", scope="hub and CBOs",
                                given_on=date(2026, 1, 1), expires_on=None,
                                acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    html = page_of(login_as, tenant.users["hub_coordinator"], meals)
    assert 'href="tel:+17165550142"' in html and "Data sharing: given 2026-01-01" in html
    assert "tel:+17165550142" in page_of(login_as, tenant.users["payer_manager"], meals)


def test_a_finished_referral_no_longer_shows_its_old_cbo_the_phone(tenant, meals, login_as):
    with scopes_disabled():
        services.transition(meals, meals.version, "closed", close_reason="moved",
                            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    html = page_of(login_as, tenant.users["cbo_worker"], meals)
    assert "555-0142" not in html and 'id="contact-withheld"' in html


def test_another_network_gets_404(tenant, other_tenant, meals, login_as):
    for role in ("cbo_worker", "hub_coordinator", "payer_manager"):
        client = login_as(other_tenant.users[role])
        assert client.get(f"/referrals/{meals.pk}/").status_code == 404


def test_the_ranked_lists_reasons_in_words(tenant, login_as):
    contract_with_terms(tenant)
    reachable(tenant)
    with scopes_disabled():
        ranked = RankedList.objects.create(plan=tenant.payer, hub=tenant.hub, name="Q4 list",
                                           contract_code="T-MEALS", service_code="HDM",
                                           source_sha256="0" * 64)
        entry = RankedListEntry.objects.create(
            ranked_list=ranked, member=tenant.member, rank=3, selected=True,
            reasons="product medicare_advantage; age 76 in 65..120; county Erie, NY; "
                    "I50.9 2026-10-02; risk 1.8>=1.5; discharge 2026-11-30 (2 nights)",
            measures={"ed_visits_12m": 4, "allowed_12m": "18250.00"})
        referral = services.create_referral(
            member=tenant.member, organisation=tenant.cbo, hub=tenant.hub, service_code="HDM",
            contract_code="T-MEALS", source="ranked_list", ranked_entry=entry,
            acting=acting_as(tenant.users["hub_coordinator"], tenant.hub))
    html = page_of(login_as, tenant.users["cbo_worker"], referral)
    for words in ("Selected by the plan (rank 3)", "Product: Medicare Advantage",
                  "Age 76 (between 65 and 120)", "Lives in Erie, NY",
                  "Heart failure, unspecified (I50.9) recorded 2026-10-02",
                  "Risk score 1.8 (at least 1.5)",
                  "Discharged from hospital on 2026-11-30 after 2 nights",
                  "Emergency department visits, last 12 months</dt><dd>4",
                  "Plan&#x27;s ranked list"):
        assert words in html, words
    assert "risk 1.8&gt;=1.5" not in html
    # The hub without consent: neither phones nor the plan's reasons.
    assert "Risk score 1.8" not in page_of(login_as, tenant.users["hub_coordinator"], referral)


def test_reasons_in_words_keep_what_they_do_not_know():
    assert reason_in_words("risk 0.9<=1") == "Risk score 0.9 (at most 1)"
    assert reason_in_words("zip 14201") == "Lives in zip code 14201"
    assert reason_in_words("not in hospice") == "Not in hospice"
    assert reason_in_words("something new") == "Something new"


def test_open_needs_follow_the_sharing_rule(tenant, meals, login_as):
    walk_to(meals, tenant, "contacted")
    login_as(tenant.users["cbo_worker"]).post(f"/referrals/{meals.pk}/screening/",
                                              {"lang": "en", **THREE_ANSWERS})
    assert "Food insecurity (Z59.41)" in page_of(login_as, tenant.users["cbo_worker"], meals)
    assert "Food insecurity" not in page_of(login_as, tenant.users["hub_coordinator"], meals)


# --- screenings that count what they saw ------------------------------------------------

def test_an_incomplete_screening_is_stored_and_shown_as_incomplete(tenant, meals, login_as):
    walk_to(meals, tenant, "contacted")
    client = login_as(tenant.users["cbo_worker"])
    client.post(f"/referrals/{meals.pk}/screening/", {"lang": "en", **THREE_ANSWERS})
    with scopes_disabled():
        row = Screening.objects.get(referral=meals)
        assert row.complete is False
        assert row.unanswered_domains == ["housing", "utilities", "safety"]
        assert len(row.unanswered_items) == 7 and row.positive_domains == ["food"]
        assert row.safety_score is None
    html = page_of(login_as, tenant.users["cbo_worker"], meals)
    assert ("Incomplete: 7 of 10 questions unanswered (housing, utilities, interpersonal "
            "safety)") in html
    assert "No positive domain" not in html and "no positive domain" not in html
    assert f'name="continuing" value="{row.pk}"' in html
    # The answers so far are kept in the form to finish it.
    assert 'name="item-88122-7" value="LA28397-0" checked' in html

    client.post(f"/referrals/{meals.pk}/screening/",
                {"lang": "en", "continuing": str(row.pk), **THE_REST})
    with scopes_disabled():
        assert Screening.objects.filter(referral=meals).count() == 1
        row.refresh_from_db()
        assert row.complete and row.unanswered_domains == [] and row.safety_score == 4
        assert row.positive_domains == ["housing", "food"]
        assert sorted(Need.objects.filter(screening=row).values_list("domain", flat=True)) == [
            "food", "housing"]
    html = page_of(login_as, tenant.users["cbo_worker"], meals)
    assert "Incomplete" not in html and "Positive: <strong>housing, food</strong>" in html


def test_a_complete_screening_cannot_be_continued(tenant, meals):
    walk_to(meals, tenant, "contacted")
    acting = acting_as(tenant.users["cbo_worker"], tenant.cbo)
    answers = {k[len("item-"):]: v for k, v in {**THREE_ANSWERS, **THE_REST}.items()}
    with scopes_disabled():
        done = services.record_screening(meals, answers, language="en", acting=acting)
        assert done.complete
        with pytest.raises(services.ReferralError, match="already complete"):
            services.record_screening(meals, {"93030-5": "LA33-6"}, language="en",
                                      acting=acting, continuing=done)


def test_the_migration_marks_old_partial_screenings_incomplete(tenant, meals):
    with scopes_disabled():
        row = Screening.objects.create(referral=meals, member=tenant.member,
                                       organisation=tenant.cbo, answers={"88122-7": "LA28397-0"},
                                       positive_domains=["food"], at=meals.created_at)
        assert row.complete  # as saved before the column existed
        migration = import_module("carehub.referrals.migrations.0007_screening_completeness")
        migration.count_unanswered(apps, None)
        row.refresh_from_db()
    assert not row.complete and len(row.unanswered_items) == 9
    assert row.unanswered_domains == ["housing", "food", "transportation", "utilities",
                                      "safety"]


# --- referring on -----------------------------------------------------------------------

def screened_positive_for_housing(t: Tenant, referral: Referral, login_as) -> None:  # type: ignore[no-untyped-def]
    walk_to(referral, t, "contacted")
    login_as(t.users["cbo_worker"]).post(f"/referrals/{referral.pk}/screening/",
                                         {"lang": "en", **THREE_ANSWERS, **THE_REST})


def test_a_positive_domain_is_referred_on_in_one_step(tenant, meals, login_as):
    shelter = a_shelter(tenant)
    screened_positive_for_housing(tenant, meals, login_as)
    client = login_as(tenant.users["cbo_worker"])
    html = client.get(f"/referrals/{meals.pk}/").content.decode()
    assert "Refer housing to" in html and "Alpha Shelter — Tenancy sustaining services" in html
    # Food is this referral's own service: already worked on here.
    assert "Alpha Pantry works with the member on this." in html
    response = client.post(f"/referrals/{meals.pk}/refer-on/",
                           {"domain": "housing", "organisation": shelter.pk},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    with scopes_disabled():
        made = Referral.objects.exclude(pk=meals.pk).get(member=tenant.member)
        assert (made.organisation, made.hub, made.service_code, made.contract_code,
                made.service_type, made.source) == (
            shelter, tenant.hub, "HSG", "T-MEALS", "tenancy-support", "refer_on")
        note = ReferralEvent.objects.get(referral=meals, kind="referred_on").note
        assert note == f"housing to Alpha Shelter (referral {made.pk})"
    assert "Alpha Shelter works with the member on this." in response.content.decode()
    assert "Referred on" in page_of(login_as, tenant.users["cbo_worker"], meals)


def test_refer_on_refuses_what_the_screening_or_directory_do_not_support(tenant, meals,
                                                                          login_as):
    shelter = a_shelter(tenant)
    screened_positive_for_housing(tenant, meals, login_as)
    client = login_as(tenant.users["cbo_worker"])
    url = f"/referrals/{meals.pk}/refer-on/"
    cases = [
        ({"domain": "transportation", "organisation": shelter.pk},
         "Transportation is not a positive domain"),
        ({"domain": "housing", "organisation": tenant.cbo.pk},
         "Choose one of the CBOs offering tenancy support for housing."),
        ({"domain": "food", "organisation": tenant.cbo.pk},
         "Alpha Pantry already works with the member on food."),
    ]
    for body, message in cases:
        response = client.post(url, body, HTTP_HX_REQUEST="true")
        assert response.status_code == 400 and message in response.content.decode(), body
    with scopes_disabled():
        assert Referral.objects.filter(member=tenant.member).count() == 1
    # Not the organisation working the referral: the hub cannot refer on from the page.
    assert login_as(tenant.users["hub_coordinator"]).post(
        url, {"domain": "housing", "organisation": shelter.pk}).status_code == 404


def test_refer_on_says_when_no_contract_service_or_cbo_fits(tenant, meals, login_as):
    screened_positive_for_housing(tenant, meals, login_as)
    html = page_of(login_as, tenant.users["cbo_worker"], meals)
    assert "No contract of Alpha Hub with this plan has a tenancy support service." in html


# --- labels -----------------------------------------------------------------------------

def test_every_stored_code_has_words():
    for role in Role.values:
        assert labels.label(role, "role") != role
    for vocabulary, codes in (("state", labels.STATES), ("close_reason", labels.CLOSE_REASONS),
                              ("barrier", labels.BARRIERS), ("source", labels.SOURCES),
                              ("channel", labels.CONTACT_METHODS)):
        for code in codes:
            assert "_" not in labels.label(code, vocabulary)
    assert labels.label("in_service", "state") == "In service"
    assert labels.label("unreachable", "close_reason") == "Could not be reached"
    assert labels.label("somebody_new", "role") == "Somebody new"


def test_pages_show_roles_states_and_close_reasons_in_words(tenant, contract, login_as):
    referral = refer(tenant)
    with scopes_disabled():
        services.raise_escalation(referral, barrier="housing_availability", description="x",
                                  acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    html = page_of(login_as, tenant.users["cbo_worker"], referral)
    assert "(CBO supervisor)" in html and "cbo_supervisor" not in html
    with scopes_disabled():
        referral = Referral.objects.get(pk=referral.pk)
        services.transition(referral, referral.version, "closed", close_reason="moved",
                            open_escalations="keep",
                            acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    member = login_as(tenant.users["cbo_worker"]).get(
        f"/referrals/member/{tenant.member.pk}/").content.decode()
    assert "(Moved away)" in member and "Assigned → Closed" in member
    plan = login_as(tenant.users["payer_manager"]).get("/referrals/plan/").content.decode()
    assert "Closed 1" in plan and "Housing availability" in plan
    assert "housing_availability" not in plan
