"""Demo community voice: the hub's advisory council (9 current members, 5 consumers and 6
with lived experience, so 56% against the 51% rule; one former member not counted), two
meetings, six feedback items across the dispositions (some answered, one sent by a CBO
supervisor), three touch points, one asked again recently on the same topic."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.reporting.models.voice import AdvisoryCouncil
from carehub.reporting.services import voice as service
from carehub.tenancy.access import Acting

COUNCIL = "Western New York Community Advisory Council"
# name, consumer, lived experience, other roles, consents to be contacted
MEMBERS = [
    ("Dolores Ramirez", True, True, "meal recipient", True),
    ("James Whitehorse", True, True, "Seneca Nation member", True),
    ("Keisha Brown", True, True, "caregiver", True),
    ("Tomasz Nowak", True, False, "", True),
    ("Amina Yusuf", True, True, "peer recovery specialist", True),
    ("Pastor Ray Collins", False, True, "faith leader", True),
    ("Linda Park", False, False, "Buffalo food bank", True),
    ("Dr. Sam Okafor", False, False, "primary care", False),
    ("Maria Santos", False, True, "community health worker", True),
]


def _acting(ctx: Any, login: str, org: Any) -> Acting:
    user = ctx.users[login]
    return Acting.of(user, user.memberships.get(organisation=org))


def seed(ctx: Any) -> None:
    with scopes_disabled():
        if AdvisoryCouncil.objects.filter(owner=ctx.hub, name=COUNCIL).exists():
            return
        hub = _acting(ctx, "hubadmin", ctx.hub)
        today: date = ctx.today
        contract = Contract.objects.filter(code="DEMO-MEALS").first()
        council = service.create_council(
            acting=hub, name=COUNCIL, contract=contract, counts="consumers",
            purpose="Advises the hub and the plan on the meals programme: who it reaches, "
                    "how it is delivered and what members say about it.",
            other_rules="At least 51% consumers. Invite a tribal representative.")
        start = today - timedelta(days=300)
        people = [service.add_council_member(
            council, acting=hub, name=name, consumer=consumer, lived_experience=lived,
            other_roles=roles, consent_to_contact=consent, joined_on=start,
            contact=f"{name.split()[-1].lower()}@example.org")
            for name, consumer, lived, roles, consent in MEMBERS]
        service.add_council_member(council, acting=hub, name="Robert Hale", consumer=True,
                                   lived_experience=True, joined_on=start,
                                   left_on=today - timedelta(days=90), consent_to_contact=False)
        first = service.record_meeting(
            council, acting=hub, held_on=today - timedelta(days=63),
            agenda="Meal delivery times; the new screening questions.",
            notes="Several members said meals arrive after dark in winter.",
            attendance=people[:7])
        service.record_meeting(
            council, acting=hub, held_on=today - timedelta(days=21),
            agenda="What changed since the last meeting; housing navigation.",
            notes="The hub reported the delivery window change.", attendance=people[1:9])

        meals = service.record_touch_point(
            acting=hub, topic="Meal delivery times", channel="council_meeting",
            questions="What time of day should meals arrive? Is a two-hour window enough?",
            held_on=today - timedelta(days=63), asked_by="Harriet Adeyemi (hub)",
            council_members=people[:5])
        service.record_touch_point(
            acting=hub, topic="Housing navigation", channel="listening_session",
            questions="What gets in the way of finding housing help?",
            held_on=today - timedelta(days=200), asked_by="Hub team", cbo=ctx.cbos[0])
        # Asked again recently after the warning: the log shows it was confirmed.
        service.record_touch_point(
            acting=hub, topic="Meal delivery windows", channel="survey",
            questions="Would an evening delivery window work for you?",
            held_on=today - timedelta(days=14), asked_by="Carlos Ortiz (hub)",
            council_members=people[2:6], group_label="DEMO-MEALS enrolled members",
            confirm=True)

        _feedback(ctx, hub, people, first, meals, today)
        ctx.log(f"voice: council of {len(MEMBERS)} current members, 2 meetings, "
                "6 feedback items, 3 touch points")


def _feedback(ctx: Any, hub: Acting, people: list, meeting: Any, meals: Any, today: date) -> None:
    def ago(days: int) -> date:
        return today - timedelta(days=days)

    delivered = service.submit_feedback(
        acting=hub, owner=ctx.hub, source="council", council_member=people[0], meeting=meeting,
        touch_point=meals, topic="Meal delivery times", received_on=ago(63),
        text="In winter meals arrive after dark; older members do not open the door then.")
    service.set_disposition(delivered, acting=hub, disposition="incorporated",
                            where="DEMO-MEALS delivery workflow: deliveries end by 4 pm "
                                  "from November to February (workflow v3).")
    service.answer_feedback(delivered, acting=hub, answered_on=ago(21), channel="meeting",
                            answer="Deliveries now end by 4 pm in winter; thank you for raising it.")

    cultural = service.submit_feedback(
        acting=hub, owner=ctx.hub, source="council", council_member=people[1],
        topic="Culturally appropriate meals", received_on=ago(60),
        text="Offer traditional foods for Seneca Nation members.")
    service.set_disposition(cultural, acting=hub, disposition="not_incorporated",
                            why="The current vendor cannot source them this contract year; "
                                "raised for the renewal's scope of work.")
    service.answer_feedback(cultural, acting=hub, answered_on=ago(40), channel="phone",
                            answer="Not this year: the vendor cannot source them. It is on "
                                   "the renewal agenda and we will report back.")

    supervisor = ctx.users.get("supervisor")
    if supervisor is not None:
        cbo = supervisor.memberships.first().organisation
        sent = service.submit_feedback(
            acting=Acting.of(supervisor, supervisor.memberships.get(organisation=cbo)),
            owner=ctx.hub, source="cbo", cbo=cbo, topic="Referrals outside our area",
            received_on=ago(30), text="We receive referrals for ZIP codes we do not serve.")
        service.set_disposition(sent, acting=hub, disposition="incorporated",
                                where="Routing rules: service area checked before offering work.")
        service.answer_feedback(sent, acting=hub, answered_on=ago(10), channel="platform",
                                answer="Routing now checks your service area first.")

    member = ctx.members[0] if ctx.members else None
    review = service.submit_feedback(
        acting=hub, owner=ctx.hub, source="member", member=member,
        topic="Screening questions", received_on=ago(12),
        text="The screening asks the same questions the clinic already asked.")
    service.set_disposition(review, acting=hub, disposition="in_review")

    service.submit_feedback(
        acting=hub, owner=ctx.hub, source="other", who="Town hall attendee",
        topic="Transport to the food pantry", received_on=ago(5),
        text="No bus on Sundays to the pantry on Main Street.")
    service.submit_feedback(
        acting=hub, owner=ctx.hub, source="council", council_member=people[8],
        topic="Housing navigation", received_on=ago(21),
        text="People wait weeks for a housing navigator call-back.")
