"""Every word of free text about a member follows the sharing rule on every surface.

Each free-text field gets a unique marker and an author organisation. Without an active
data-sharing consent a viewer sees a marker only when its own organisation wrote it; with
consent every party sees all of them; a revoked or expired consent hides them again.
Other organisations still see that the event happened and its state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django_scopes import scopes_disabled

from carehub.referrals import services
from carehub.referrals.models import Consent, PathwayStep, Referral
from tests.integration.conftest import Tenant
from tests.integration.referrals.conftest import acting_as, refer, walk_to

pytestmark = pytest.mark.django_db

# field -> (marker, author: the tenant attribute of the organisation that wrote it)
FIELDS: dict[str, tuple[str, str]] = {
    "transition note": ("member disclosed eviction notice", "cbo"),
    "decline reason": ("declined because of partner violence", "cbo"),
    "routing note": ("rerouted: member fears the pantry staff", "hub"),
    "escalation description": ("landlord refuses repairs, mould in bedroom", "cbo"),
    "escalation resolution": ("plan approved emergency relocation", "payer"),
    "service note": ("delivered meals, fridge empty again", "cbo"),
    "visit note": ("home visit: insulin not refrigerated", "cbo"),
    "attempt note": ("spoke to daughter about debts", "cbo"),
    "case note": ("lives alone, key under the mat", "cbo"),
    "fund receipt": ("RX-PAWNSHOP-771", "cbo"),
    "pathway step": ("find shelter away from abuser", "cbo"),
}
VIEWERS = {"payer": "payer_manager", "hub": "hub_coordinator", "cbo": "cbo_worker"}


@dataclass
class Recorded:
    meals: Referral  # worked to completion by the CBO
    housing: Referral  # held by the hub, rerouted to the CBO, declined


def _fresh(referral: Referral) -> Referral:
    return Referral.objects.select_related("member", "organisation").get(pk=referral.pk)


@pytest.fixture
def recorded(tenant: Tenant, contract: str) -> Recorded:
    t = tenant
    worker, cbo = t.users["cbo_worker"], t.cbo
    kw = {"acting": acting_as(worker, cbo)}
    meals = walk_to(refer(t), t, "in_service")
    with scopes_disabled():
        services.log_service(meals, service_code="HDM", on=date.today(), units=1,
                             setting="home", note=FIELDS["service note"][0], **kw)
        services.record_visit(meals, on=date.today(), kind="home_visit",
                              note=FIELDS["visit note"][0], **kw)
        meals = _fresh(meals)
        services.record_attempt(meals, meals.version, channel="phone", outcome="reached",
                                note=FIELDS["attempt note"][0], **kw)
        services.add_note(meals, text=FIELDS["case note"][0], **kw)
        services.spend_funds(meals, category="utilities", amount="20.00", on=date.today(),
                             receipt=FIELDS["fund receipt"][0], **kw)
        services.start_pathway(meals, pathway="housing", steps=[FIELDS["pathway step"][0]],
                               **kw)
        escalation = services.raise_escalation(meals, barrier="housing_availability",
                                               description=FIELDS["escalation description"][0],
                                               **kw)
        services.resolve_escalation(escalation, resolution=FIELDS["escalation resolution"][0],
                                    acting=acting_as(t.users["payer_manager"], t.payer))
        meals = _fresh(meals)
        services.transition(meals, meals.version, "completed",
                            note=FIELDS["transition note"][0], **kw)

        housing = services.create_referral(member=t.member, organisation=t.hub, hub=t.hub,
                                           service_code="NUTR", contract_code="T-MEALS",
                                           acting=acting_as(t.users["hub_coordinator"], t.hub))
        housing = services.reroute(_fresh(housing), housing.version, cbo,
                                   acting=acting_as(t.users["hub_coordinator"], t.hub),
                                   reason=FIELDS["routing note"][0])
        housing = _fresh(housing)
        services.record_attempt(housing, housing.version, channel="phone", outcome="reached",
                                **kw)
        housing = _fresh(housing)
        services.transition(housing, housing.version, "contacted", **kw)
        housing = _fresh(housing)
        services.transition(housing, housing.version, "declined",
                            decline_reason=FIELDS["decline reason"][0], **kw)
        return Recorded(_fresh(meals), _fresh(housing))


def surfaces(t: Tenant, r: Recorded, viewer: str, login_as) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every page and API answer the viewer reads about the member, by name."""
    client = login_as(t.users[VIEWERS[viewer]])
    pages = {
        "referral page": f"/referrals/{r.meals.pk}/",
        "second referral page": f"/referrals/{r.housing.pk}/",
        "member page": f"/referrals/member/{t.member.pk}/",
        "members app page": f"/members/{t.member.pk}/",
        "API referral": f"/api/referrals/referrals/{r.meals.pk}",
        "API second referral": f"/api/referrals/referrals/{r.housing.pk}",
        "API list": "/api/referrals/referrals",
        "home": "/",
    }
    if viewer == "payer":
        pages["progress CSV"] = "/referrals/plan/progress.csv"
        pages["plan page"] = "/referrals/plan/"
    if viewer == "hub":
        pages["coordinator page"] = "/referrals/hub/"
    out = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        out[name] = response.content.decode()
    return out


# Where a field's text is shown at all once it may be read (the timeline and the API
# detail); lists, the home page, the members app and the CSV never carry free text.
DETAIL = ("referral page", "second referral page", "member page", "API referral",
          "API second referral")


def leaks(pages: dict[str, str], allowed: set[str]) -> list[tuple[str, str]]:
    """(field, surface) pairs where text the viewer may not read appears."""
    return [(field, name) for field, (marker, _) in FIELDS.items() if field not in allowed
            for name, body in pages.items() if marker in body]


def missing(pages: dict[str, str], expected: set[str]) -> list[tuple[str, str]]:
    return [(field, name) for field in sorted(expected) for name in DETAIL
            if FIELDS[field][0] not in pages[name]]


def own(viewer: str) -> set[str]:
    return {field for field, (_, author) in FIELDS.items() if author == viewer}


def give_consent(t: Tenant, **dates) -> Consent:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return services.record_consent(
            t.member, kind="data_sharing", scope="plan, hub and CBOs: everything",
            given_on=dates.get("given_on", date.today() - timedelta(days=1)),
            expires_on=dates.get("expires_on"), acting=acting_as(t.users["cbo_worker"], t.cbo))


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_without_consent_each_organisation_reads_only_its_own_text(tenant, recorded, viewer,
                                                                   login_as):
    pages = surfaces(tenant, recorded, viewer, login_as)
    assert leaks(pages, own(viewer)) == []
    assert missing(pages, own(viewer)) == []
    # The events themselves, their states and dates, are still there.
    member_page = pages["member page"]
    assert "In service → Completed" in member_page and "Contacted → Declined" in member_page
    assert "Escalation (Housing availability), level 1, resolved" in member_page
    assert "Routed" in member_page
    if own(viewer) != set(FIELDS):
        assert "Details not shared." in member_page


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_with_consent_every_party_reads_every_field(tenant, recorded, viewer, login_as):
    give_consent(tenant)
    pages = surfaces(tenant, recorded, viewer, login_as)
    assert missing(pages, set(FIELDS)) == []
    # Lists, home, the members app and the CSV still carry no free text.
    quiet = {k: v for k, v in pages.items() if k not in DETAIL}
    assert leaks(quiet, set()) == []


@pytest.mark.parametrize("viewer", ["payer", "hub", "cbo"])
def test_a_revoked_consent_hides_the_text_again(tenant, recorded, viewer, login_as):
    consent = give_consent(tenant)
    assert missing(surfaces(tenant, recorded, viewer, login_as), set(FIELDS)) == []
    with scopes_disabled():
        services.revoke_consent(consent, acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
    pages = surfaces(tenant, recorded, viewer, login_as)
    assert leaks(pages, own(viewer)) == []
    assert missing(pages, own(viewer)) == []


def test_an_expired_or_future_consent_shares_nothing(tenant, recorded, login_as):
    give_consent(tenant, given_on=date.today() - timedelta(days=30), expires_on=date.today())
    give_consent(tenant, given_on=date.today() + timedelta(days=1))
    pages = surfaces(tenant, recorded, "payer", login_as)
    assert leaks(pages, own("payer")) == []
    assert missing(pages, own("payer")) == []


def test_the_referral_page_escalation_list_follows_the_rule(tenant, recorded, login_as):
    """The escalation card on the referral page (not only the timeline)."""
    url = f"/referrals/{recorded.meals.pk}/"
    description, resolution = (FIELDS["escalation description"][0],
                               FIELDS["escalation resolution"][0])
    hub = login_as(tenant.users["hub_coordinator"]).get(url).content.decode()
    card = hub[hub.index("<h2>Escalations</h2>"):hub.index("<h2>Timeline</h2>")]
    assert "Housing availability" in card and "resolved" in card
    assert description not in card and resolution not in card
    assert "details not shared" in card
    give_consent(tenant)
    hub = login_as(tenant.users["hub_coordinator"]).get(url).content.decode()
    card = hub[hub.index("<h2>Escalations</h2>"):hub.index("<h2>Timeline</h2>")]
    assert description in card and resolution in card


def test_pathway_steps_on_the_referral_page_follow_the_rule(tenant, contract, login_as):
    """A worker of the owning CBO sees the steps it recorded; the steps are never shown to
    the plan or the hub without consent, neither in the card nor in the timeline."""
    referral = walk_to(refer(tenant), tenant, "enrolled")
    with scopes_disabled():
        services.start_pathway(referral, pathway="housing", steps=["call the shelter hotline"],
                               acting=acting_as(tenant.users["cbo_worker"], tenant.cbo))
        assert PathwayStep.objects.count() == 1
    url = f"/referrals/{referral.pk}/"
    assert "call the shelter hotline" in login_as(tenant.users["cbo_worker"]).get(url).content.decode()
    for role in ("hub_coordinator", "payer_manager"):
        assert "call the shelter hotline" not in login_as(tenant.users[role]).get(url).content.decode()
