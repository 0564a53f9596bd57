"""Demo data of the readiness area: an assessment of every network CBO (the CBO that moved
to claims, the `supervisor` login's, ready in billing and data; the next one partly ready),
a TA plan, and one capacity fund of two milestones, the first reached and settled on an
issued statement. The library's shipped items need no seeding."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django_scopes import scopes_disabled

from carehub.billing.services.statements import issue_statement
from carehub.contracts.services import decide_contract
from carehub.core.periods import add_months
from carehub.reporting import readiness_questions as questions
from carehub.reporting.models.readiness import ReadinessAssessment
from carehub.reporting.services import readiness as service
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Membership, Organisation, Role

# Answers by question key; unlisted questions answer 2 (in place).
CLAIMS_READY = {"cash_flow": 1, "audited_statements": 1, "board_oversight": 1}
PARTLY = {"billed_plan_before": 0, "has_npi": 1, "tracks_units": 1, "platform_trained": 1,
          "records_on_time": 1, "secure_devices": 0, "privacy_officer": 1, "baa_reviewed": 0,
          "audited_statements": 0, "cash_flow": 1, "board_oversight": 1}
STARTING = {key: 1 for key in questions.QUESTION_DOMAIN} | {"billed_plan_before": 0, "has_npi": 0}


def _acting(org: Organisation, role: str) -> Acting:
    membership = (Membership.objects.filter(organisation=org, role=role, is_active=True)
                  .select_related("user").order_by("pk").first())
    if membership is None:
        return Acting.system(org)
    return Acting.of(membership.user, membership)


def _answers(overrides: dict[str, int]) -> dict[str, tuple[int, str]]:
    return {key: (overrides.get(key, 2), "") for key in questions.QUESTION_DOMAIN}


def seed(ctx: Any) -> None:
    with scopes_disabled():
        if ReadinessAssessment.objects.filter(hub=ctx.hub).exists():
            return
        hub = _acting(ctx.hub, Role.HUB_ADMIN)
        network = list(network_cbos(ctx.hub).order_by("pk"))
        if not network:
            return
        claims_cbo = ctx.users["supervisor"].memberships.first().organisation
        others = [c for c in network if c.pk != claims_cbo.pk]
        assessed_on = ctx.today - timedelta(days=75)
        if claims_cbo in network:
            service.record_assessment(claims_cbo, assessed_on, _answers(CLAIMS_READY),
                                      "Billed Medicaid waiver claims before; ready for 837P.",
                                      acting=hub)
        for number, cbo in enumerate(others):
            overrides = PARTLY if number == 0 else STARTING
            service.record_assessment(cbo, assessed_on + timedelta(days=number + 1),
                                      _answers(overrides), acting=hub)
        partly = others[0] if others else claims_cbo
        _plan(ctx, partly, hub)
        _fund(ctx, partly, hub)


def _plan(ctx: Any, cbo: Organisation, hub: Acting) -> None:
    coordinator = ctx.users.get("coordinator")
    for title, domain, days in (("Name a HIPAA privacy officer", "privacy", 14),
                                ("Review the BAA template with counsel", "privacy", 30),
                                ("Train staff on the referral platform", "data", 21),
                                ("Board sign-off process for contracts", "governance", 60)):
        service.add_task(cbo, title, domain=domain, owner=coordinator,
                         due=ctx.today + timedelta(days=days), acting=hub)


def _fund(ctx: Any, cbo: Organisation, hub: Acting) -> None:
    start = add_months(ctx.today.replace(day=1), -3)
    reached = add_months(ctx.today.replace(day=1), -2) + timedelta(days=9)
    fund = service.create_fund(cbo, "Readiness for member-level claims", [
        service.MilestonePlan("Billing workflow live", Decimal("5000.00"), reached, "billing"),
        service.MilestonePlan("Devices managed and encrypted", Decimal("2500.00"),
                              ctx.today + timedelta(days=45), "data"),
    ], starts=start, ends=add_months(start, 12) - timedelta(days=1), acting=hub)
    decide_contract(fund.contract, True, acting=_acting(cbo, Role.CBO_SUPERVISOR))
    first = fund.milestones.get(title="Billing workflow live")
    service.set_task_status(first, "done", done_on=reached, acting=hub)
    issue_statement(fund.contract, reached.strftime("%Y-%m"), acting=hub)
