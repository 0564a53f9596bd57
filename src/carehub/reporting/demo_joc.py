"""Demo data of the joint operating committee: the DEMO-MEALS committee with the demo's
people on it, last month's meeting held (minutes, a member story told with a recorded
story-sharing consent, two action items: one done, one carried), and next month's
meeting planned. Re-seeding finds the committee and adds nothing twice."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from carehub.contracts.models import Contract
from carehub.members.models import MemberAccess
from carehub.referrals.models import Consent, ConsentKind, Referral
from carehub.reporting.models.joc import Committee, CommitteeRole
from carehub.reporting.services import joc as services
from carehub.tenancy.access import Acting

NAME = "DEMO-MEALS joint operating committee"
STORY = ("A member in her late seventies came home from a hip replacement unable to stand "
         "at the stove. Meals arrived the day after discharge, twice a day for two weeks; "
         "the driver noticed the steps to her door were icy and the hub arranged a ramp "
         "through the plan's flexible fund. She is walking to her church's lunch club again "
         "and says the meals gave her time to heal without worrying about food.")


def _month(today: date, back: int) -> date:
    first = today.replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _acting(ctx: Any, login: str, org: Any) -> Acting:
    user = ctx.users[login]
    return Acting.of(user, user.memberships.get(organisation=org))


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def seed(ctx: Any) -> None:
    with scopes_disabled():
        contract = Contract.objects.filter(code="DEMO-MEALS").first()
        if contract is None or Committee.objects.filter(contract=contract).exists():
            return
        # The meals partner with the most finished work tells the story.
        supervisor = ctx.users["supervisor-saltcity"]
        cbo = supervisor.memberships.first().organisation
    hub_admin = _acting(ctx, "hubadmin", ctx.hub)
    last = _month(ctx.today, 1)
    next_month = (ctx.today.replace(day=1) + timedelta(days=32)).replace(day=1)
    with scope(organisation=ctx.hub.pk):
        committee = services.create_committee(acting=hub_admin, hub=ctx.hub, plan=ctx.payer,
                                              contract=contract, name=NAME)
        people = (
            ("hubadmin", CommitteeRole.ADMINISTRATIVE_LEAD, ctx.hub),
            ("planmanager", CommitteeRole.PROGRAMMATIC_LEAD, ctx.payer),
            ("supervisor-saltcity", CommitteeRole.FRONTLINE_STAFF, cbo),
            ("coordinator", CommitteeRole.HUB_STAFF, ctx.hub),
            ("analyst", CommitteeRole.DATA_ANALYTICS, ctx.payer),
        )
        for login, role, org in people:
            services.add_member(committee, acting=hub_admin, role=role, user=ctx.users[login],
                                organisation=org)
        services.add_member(committee, acting=hub_admin, role=CommitteeRole.MEDICAL_LEADERSHIP,
                            name="Dr. Amara Osei", email="medical.director@example.org")
        held = services.plan_meeting(committee, acting=hub_admin,
                                     starts_at=_at(last.replace(day=14)),
                                     period=_month(ctx.today, 2).strftime("%Y-%m"),
                                     domains=["funnel", "equity", "barriers"])
        member = _story_member(ctx, contract, cbo)
        if member is not None:
            services.add_story(held, acting=hub_admin, member=member,
                               told_by="The meals partner's frontline worker",
                               title="Back at the lunch club", text=STORY, today=ctx.today)
        present = {m.pk for m in committee.members.all()
                   if m.user_id != ctx.users["analyst"].pk and m.user_id is not None}
        services.record_minutes(held, acting=hub_admin, present=present, minutes={
            "data_notes": "Outreach is close to its goal; contact is two points under. "
                          "Spanish-speaking members are reached less often.",
            "engagement_notes": "Partners call within a day of discharge; text reminders "
                                "help members who do not answer unknown numbers.",
            "bottleneck_notes": "Discharge lists arrive after noon on Mondays.",
            "escalation_notes": "Transportation barriers wait too long at level one.",
            "status_notes": "First meeting under this committee.",
            "opportunity_notes": "Drivers notice home-safety issues: a referral path to "
                                 "home modification.",
            "payer_update": "The plan adds a housing-support benefit next quarter.",
            "hub_update": "Two partners are hiring Spanish-speaking staff."})
        done = services.add_action(held, acting=hub_admin,
                                   text="Send discharge lists by 9 am on Mondays",
                                   due_on=ctx.today, owner=ctx.users["planmanager"])
        services.add_action(held, acting=hub_admin,
                            text="Add a Spanish-language text reminder for outreach",
                            due_on=ctx.today + timedelta(days=30), owner=supervisor)
        planned = services.plan_meeting(committee, acting=hub_admin,
                                        starts_at=_at(next_month.replace(day=14)),
                                        period=last.strftime("%Y-%m"),
                                        domains=["funnel", "timeliness", "barriers"])
        services.close_action(done, acting=hub_admin, meeting=planned)
        services.send_pack(held, acting=hub_admin)
    ctx.log(f"joc: {NAME}, a meeting held and one planned")


def _story_member(ctx: Any, contract: Contract, cbo: Any) -> Any:
    """A member served by the meals partner, who agreed to have their story told; the
    consent is recorded by the partner."""
    with scopes_disabled():
        referral = (Referral.objects.filter(contract=contract, organisation=cbo,
                                            state__in=["in_service", "completed", "enrolled"],
                                            member_id__in=MemberAccess.objects.filter(
                                                organisation=ctx.hub).values("member_id"))
                    .select_related("member").order_by("pk").first())
        if referral is None:
            return None
        member = referral.member
        Consent.objects.get_or_create(
            member=member, kind=ConsentKind.STORY_SHARING, organisation=cbo,
            defaults={"scope": "Her story, without her name, at the plan's joint operating "
                               "committee", "given_on": ctx.today - timedelta(days=40),
                      "recorded_by": ctx.users["supervisor-saltcity"]})
    return member
