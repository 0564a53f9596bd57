"""A committee world for the JOC tests: a contract between the tenant's plan and hub
with its CBO delivering, a committee with core and invited members, members with
referrals in different states (one with an open escalation, one overdue, one whose last
contact failed, one being engaged, one in service)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from carehub.members.models import Member, MemberAccess
from carehub.referrals.models import Consent, Escalation, OutreachAttempt, Referral
from carehub.reporting.models.joc import Committee, CommitteeRole, Meeting
from carehub.reporting.services import joc as services
from tests.integration.conftest import Tenant, accepted_contract, acting_as

NOW = timezone.make_aware(datetime(2026, 11, 20, 10, 0))


@dataclass
class World:
    tenant: Tenant
    contract: object
    committee: Committee
    meeting: Meeting
    members: dict[str, Member]


def member(t: Tenant, key: str, *, cbo: bool = True, **fields: object) -> Member:
    with scopes_disabled():
        m = Member.objects.create(plan=t.payer, member_id=f"{t.payer.name[:1]}-{key}",
                                  first_name=fields.pop("first_name", f"Zed{key}"),
                                  last_name=fields.pop("last_name", "Lovelace"),
                                  birth_date=fields.pop("birth_date", date(1948, 3, 9)), sex="F",
                                  product="medicaid", **fields)
        for org in (t.payer, t.hub, *([t.cbo] if cbo else [])):
            MemberAccess.objects.create(member=m, organisation=org, reason="program")
    return m


def referral(t: Tenant, contract: object, m: Member, state: str, *, due: datetime | None = None,
             service: str = "HDM") -> Referral:
    with scopes_disabled():
        return Referral.objects.create(member=m, plan=t.payer, hub=t.hub, organisation=t.cbo,
                                       contract=contract, contract_code=contract.code,
                                       service_code=service, state=state, due_at=due)


def story_consent(t: Tenant, m: Member, **fields: object) -> Consent:
    with scopes_disabled():
        return Consent.objects.create(member=m, organisation=t.cbo, kind="story_sharing",
                                      scope="story at the JOC", given_on=fields.pop(
                                          "given_on", date(2026, 1, 1)), **fields)


def build(t: Tenant) -> World:
    contract = accepted_contract(t.payer, t.hub, "T-JOC", delivering=[t.cbo],
                                 joc_cadence="Monthly, second Tuesday",
                                 outreach_goal=Decimal("80"), contact_goal=Decimal("55"),
                                 support_goal=Decimal("50"))
    hub_admin = acting_as(t.users["hub_admin"])
    with scope(organisation=t.hub.pk):
        committee = services.create_committee(acting=hub_admin, hub=t.hub, plan=t.payer,
                                              contract=contract, name="T-JOC committee")
        services.add_member(committee, acting=hub_admin, role=CommitteeRole.ADMINISTRATIVE_LEAD,
                            user=t.users["hub_admin"], organisation=t.hub)
        services.add_member(committee, acting=hub_admin, role=CommitteeRole.PROGRAMMATIC_LEAD,
                            user=t.users["payer_manager"], organisation=t.payer)
        services.add_member(committee, acting=hub_admin, role=CommitteeRole.FRONTLINE_STAFF,
                            user=t.users["cbo_supervisor"], organisation=t.cbo)
        services.add_member(committee, acting=hub_admin, role=CommitteeRole.MEDICAL_LEADERSHIP,
                            name="Dr. Outside", email="outside@example.org")
        meeting = services.plan_meeting(committee, acting=hub_admin, starts_at=NOW,
                                        period="2026-11", domains=["funnel", "barriers"])
    people = {
        "escalated": member(t, "esc"), "overdue": member(t, "late"),
        "failed": member(t, "fail"), "engaging": member(t, "new"),
        "active": member(t, "act"), "hub_only": member(t, "hubonly", cbo=False),
    }
    esc = referral(t, contract, people["escalated"], "in_service")
    with scopes_disabled():
        Escalation.objects.create(referral=esc, member=people["escalated"], organisation=t.cbo,
                                  contract=contract, barrier="transportation",
                                  description="no ride", role="hub_coordinator",
                                  raised_at=NOW - timedelta(days=5), due_at=NOW)
    referral(t, contract, people["overdue"], "enrolled", due=NOW - timedelta(days=3))
    fail = referral(t, contract, people["failed"], "outreach", due=NOW + timedelta(days=3))
    with scopes_disabled():
        OutreachAttempt.objects.create(referral=fail, member=people["failed"], organisation=t.cbo,
                                       at=NOW - timedelta(days=1), channel="phone",
                                       outcome="wrong_number")
    referral(t, contract, people["engaging"], "assigned", due=NOW + timedelta(days=1))
    referral(t, contract, people["active"], "in_service", due=NOW + timedelta(days=30))
    with scopes_disabled():
        Referral.objects.create(member=people["hub_only"], plan=t.payer, hub=t.hub,
                                organisation=t.hub, contract=contract, contract_code="T-JOC",
                                service_code="HDM", state="in_service",
                                due_at=NOW + timedelta(days=30))
    return World(t, contract, committee, meeting, people)
