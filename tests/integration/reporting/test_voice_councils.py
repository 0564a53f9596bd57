"""Advisory council pages: composition against the rule in words, members joining and
leaving, contact shown only with consent, meetings, exports, and 404 for anyone else."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from carehub.audit.models import AuditEvent
from carehub.reporting.models.voice import AdvisoryCouncil, CouncilMeeting
from tests.integration.conftest import signed_in
from tests.integration.reporting.voice_setup import hub_council

pytestmark = pytest.mark.django_db


def test_council_page_shows_the_share_against_the_rule_in_words(tenant):
    council, _ = hub_council(tenant)
    page = signed_in(tenant.users["hub_coordinator"]).get(
        reverse("reporting:voice_council", args=[council.pk]))
    assert page.status_code == 200
    assert "5 of 9 (56%) consumers: meets the 51% rule." in page.content.decode()
    assert "Invite a tribal representative." in page.content.decode()


def test_a_member_leaving_drops_the_council_below_its_rule(tenant):
    council, members = hub_council(tenant)
    client = signed_in(tenant.users["hub_admin"])
    url = reverse("reporting:voice_council_member_leave", args=[council.pk, members[0].pk])
    assert client.post(url, {f"leave-{members[0].pk}-left_on": "2026-02-01"}).status_code == 302
    page = client.get(reverse("reporting:voice_council", args=[council.pk])).content.decode()
    assert "4 of 8 (50%) consumers: misses the 51% rule." in page
    listing = client.get(reverse("reporting:voice")).content.decode()
    assert "misses the 51% rule" in listing


def test_leaving_before_joining_is_refused_with_the_field_named(tenant):
    council, members = hub_council(tenant, consumers=1, others=0)
    client = signed_in(tenant.users["hub_admin"])
    url = reverse("reporting:voice_council_member_leave", args=[council.pk, members[0].pk])
    answer = client.post(url, {f"leave-{members[0].pk}-left_on": "2025-01-01"}, follow=True)
    assert "left on: cannot be before the date joined" in answer.content.decode()
    members[0].refresh_from_db()
    assert members[0].left_on is None


def test_contact_is_shown_only_with_consent(tenant):
    council, _ = hub_council(tenant, consumers=1, others=1)  # Partner 0 has not consented
    page = signed_in(tenant.users["hub_admin"]).get(
        reverse("reporting:voice_council", args=[council.pk])).content.decode()
    assert "555-0100" in page
    assert "partner0@example.org" not in page
    assert "no consent to be contacted" in page


def test_creating_a_council_and_adding_a_member_through_the_pages(tenant):
    client = signed_in(tenant.users["hub_admin"])
    answer = client.post(reverse("reporting:voice_council_create"), {
        "name": "Erie CAC", "purpose": "Advise the hub", "minimum_share": "51",
        "counts": "either", "other_rules": "", "contract": ""})
    council = AdvisoryCouncil.objects.get(name="Erie CAC")
    assert answer.status_code == 302 and council.owner == tenant.hub
    answer = client.post(reverse("reporting:voice_council_member_add", args=[council.pk]), {
        "name": "Rosa", "joined_on": "2026-03-01", "lived_experience": "on"})
    assert answer.status_code == 302
    assert council.members.get().lived_experience
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="council_member", action="create",
                                         organisation=tenant.hub).exists()


def test_a_council_rule_over_100_is_refused_and_nothing_saved(tenant):
    answer = signed_in(tenant.users["hub_admin"]).post(reverse("reporting:voice_council_create"), {
        "name": "Bad", "minimum_share": "120", "counts": "consumers"})
    assert answer.status_code == 400
    assert "Minimum share" in answer.content.decode()
    assert not AdvisoryCouncil.objects.filter(name="Bad").exists()


def test_meetings_are_recorded_with_attendance(tenant):
    council, members = hub_council(tenant, consumers=2, others=0)
    client = signed_in(tenant.users["hub_admin"])
    answer = client.post(reverse("reporting:voice_meeting_add", args=[council.pk]), {
        "held_on": "2026-11-12", "agenda": "Meal times", "notes": "Evening delivery asked for",
        "attendance": [members[0].pk]})
    assert answer.status_code == 302
    meeting = CouncilMeeting.objects.get(council=council)
    assert list(meeting.attendance.all()) == [members[0]]
    page = client.get(reverse("reporting:voice_council", args=[council.pk])).content.decode()
    assert "Evening delivery asked for" in page


def test_analyst_reads_but_cannot_change(tenant):
    council, _ = hub_council(tenant)
    council.owner = tenant.payer
    council.save()
    client = signed_in(tenant.users["payer_analyst"])
    assert client.get(reverse("reporting:voice_council", args=[council.pk])).status_code == 200
    answer = client.post(reverse("reporting:voice_meeting_add", args=[council.pk]),
                         {"held_on": "2026-11-12"})
    assert answer.status_code == 404


def test_another_organisation_gets_404_everywhere(tenant, other_tenant):
    council, members = hub_council(tenant)
    for role in ("hub_admin", "payer_manager"):
        client = signed_in(other_tenant.users[role])
        for url in (reverse("reporting:voice_council", args=[council.pk]),
                    reverse("reporting:voice_council_members_download", args=[council.pk, "csv"]),
                    reverse("reporting:voice_council_meetings_download", args=[council.pk, "csv"])):
            assert client.get(url).status_code == 404, (role, url)
        assert client.post(reverse("reporting:voice_meeting_add", args=[council.pk]),
                           {"held_on": "2026-11-12"}).status_code == 404
        assert client.post(reverse("reporting:voice_council_member_leave",
                                   args=[council.pk, members[0].pk]),
                           {f"leave-{members[0].pk}-left_on": "2026-11-12"}).status_code == 404
        listing = client.get(reverse("reporting:voice")).content.decode()
        assert council.name not in listing
    # CBO staff have no council pages at all.
    assert signed_in(tenant.users["cbo_supervisor"]).get(reverse("reporting:voice")).status_code == 404


def test_the_plan_on_the_linked_contract_reads_the_hubs_council_but_not_contacts(tenant):
    from tests.integration.conftest import accepted_contract

    council, _ = hub_council(tenant, consumers=1, others=0)
    council.contract = accepted_contract(tenant.payer, tenant.hub, "T-VOICE")
    council.save()
    page = signed_in(tenant.users["payer_manager"]).get(
        reverse("reporting:voice_council", args=[council.pk]))
    assert page.status_code == 200
    assert "555-0100" not in page.content.decode()
    assert "Record a meeting" not in page.content.decode()


def test_exports_carry_the_composition_and_its_definitions(tenant):
    council, _ = hub_council(tenant)
    client = signed_in(tenant.users["hub_admin"])
    csv_text = client.get(reverse("reporting:voice_councils_download", args=["csv"])).content.decode()
    assert "Community advisory council" in csv_text and ",9,5,0,5,56%,meets," in csv_text
    book = load_workbook(io.BytesIO(client.get(
        reverse("reporting:voice_council_members_download", args=[council.pk, "xlsx"])).content))
    rows = list(book[f"council-{council.pk}-members"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Name", "Contact", "Organisation", "Consumer")
    assert ("Partner 0", "no consent to be contacted") == rows[6][:2]
    assert book["Definitions"]["A2"].value == "Current member"
    assert client.get(reverse("reporting:voice_councils_download", args=["pdf"])).status_code == 404


def test_joined_dates_are_inclusive(tenant):
    council, _ = hub_council(tenant, consumers=0, others=0)
    from carehub.reporting.selectors.voice import composition
    from carehub.reporting.services import voice as service
    from tests.integration.conftest import acting_as

    service.add_council_member(council, acting=acting_as(tenant.users["hub_admin"]), name="New",
                               consumer=True, joined_on=date(2026, 12, 6))
    assert composition(council, council.members.all(), on=date(2026, 12, 6)).counted == 1


def test_a_plan_keeps_its_own_council_linked_only_to_its_own_contracts(tenant, other_tenant):
    from tests.integration.conftest import accepted_contract

    mine = accepted_contract(tenant.payer, tenant.hub, "T-OWN")
    theirs = accepted_contract(other_tenant.payer, other_tenant.hub, "T-THEIRS")
    client = signed_in(tenant.users["payer_manager"])
    refused = client.post(reverse("reporting:voice_council_create"), {
        "name": "Plan CAC", "minimum_share": "51", "counts": "consumers", "contract": theirs.pk})
    assert refused.status_code == 400 and not AdvisoryCouncil.objects.exists()
    assert client.post(reverse("reporting:voice_council_create"), {
        "name": "Plan CAC", "minimum_share": "51", "counts": "consumers",
        "contract": mine.pk}).status_code == 302
    council = AdvisoryCouncil.objects.get()
    assert (council.owner, council.contract) == (tenant.payer, mine)
    # The hub, party to the contract, reads it; it cannot change it.
    hub = signed_in(tenant.users["hub_admin"])
    assert hub.get(reverse("reporting:voice_council", args=[council.pk])).status_code == 200
    assert hub.post(reverse("reporting:voice_meeting_add", args=[council.pk]),
                    {"held_on": "2026-11-12"}).status_code == 404
