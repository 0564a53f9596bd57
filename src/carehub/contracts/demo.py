"""Demo contracts: the signed post-discharge meals contract (the seeds' hybrid example,
DEMO-MEALS) and a care-management contract still in scoping with half its checklist done."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from carehub.contracts.models import (
    Acceptance,
    Contract,
    ContractContact,
    ContractParty,
    DataSharingTerm,
    EscalationLevel,
    LifecycleTask,
    ServiceDefinition,
    StaffCredential,
    TermsVersion,
)
from carehub.contracts.services import (
    add_terms_version,
    ensure_prelaunch_tasks,
    ensure_renewal_task,
    sync_parties,
)
from carehub.network.models import ServiceType
from carehub.tenancy.access import Acting

TERMS = Path(__file__).resolve().parents[1] / "core" / "examples" / "terms" / "wny-meals-hybrid.yaml"
MEALS_CRITERIA = """population: post-discharge-meals
as_of: {as_of}
require:
  product: [medicare_advantage, dsnp]
  age: {{min: 18}}
  enrolled: true
  discharge: {{within_days: 14, min_nights: 1}}
exclude:
  hospice: true
"""


def _without_leading_comments(text: str) -> str:
    """The example's text without its opening comment, which explains the example to
    developers and is no part of the demo contract's terms."""
    lines = text.splitlines(keepends=True)
    while lines and lines[0].lstrip().startswith("#"):
        lines.pop(0)
    return "".join(lines)


def _contract(code: str, defaults: dict[str, Any], delivering: list[Any]) -> Contract:
    contract, _ = Contract.objects.update_or_create(code=code, defaults=defaults)
    contract.delivering_cbos.set(delivering)
    sync_parties(contract)
    ensure_prelaunch_tasks(contract)
    # The demo's contracts were signed by both sides: accepted, so they are in effect.
    ContractParty.objects.filter(contract=contract).update(
        status=Acceptance.ACCEPTED, decided_at=timezone.now())
    return contract


def _meals(ctx: Any) -> Contract:
    year = ctx.today.year
    deliverers = [c for c, d in zip(ctx.cbos, ctx.network_data["cbos"], strict=True)
                  if any(s["service_type"] == "nutrition" for s in d["services"])]
    contract = _contract("DEMO-MEALS", {
        "name": "Post-discharge home-delivered meals", "payer": ctx.payer, "provider": ctx.hub,
        "hub_may_upload_members": True,
        # In its second year, so the referrals' thirteen months of history fall inside it.
        "stage": "implementation", "signed_on": date(year - 2, 11, 15),
        "starts": date(year - 1, 1, 1), "ends": date(year, 12, 31), "renewal_notice_months": 4,
        "criteria": MEALS_CRITERIA.format(as_of=ctx.today.isoformat()),
        "prioritisation_not_applicable": True, "min_volume": 100, "max_volume": 1200,
        "volume_period": "month", "licences_not_applicable": True,
        "credentialing": "The hub confirms each delivery partner's food-safety certificate.",
        "trainings": "Food safety; privacy and HIPAA basics; member communication.",
        "background_checks": "Drivers entering homes pass a background check.",
        "service_activities": "Two home-delivered meals a day for 14 days after discharge.",
        "workflows": "The plan sends discharges daily; the hub routes each member to a meals "
                     "partner covering their zip code; first delivery within 24 hours of "
                     "discharge; partners record deliveries in carehub; the hub invoices monthly.",
        "escalation_process": "Delivery problems go to the hub coordinator; unresolved after "
                              "24 hours to the hub administrator; then the plan program manager.",
        "evaluation_plan": "Readmissions within 30 days compared with matched members.",
        "evaluation_due": date(year, 10, 1),
        "joc_cadence": "Monthly", "joc_members": "Plan Medicare programs lead, hub director, "
                                                 "two partner directors",
        "case_conferencing_cadence": "Every two weeks",
        "case_conferencing_participants": "Hub coordinators and partner supervisors",
        "it_platforms": "carehub; plan SFTP", "baa_required": True,
        "baa_signed_on": date(year - 2, 12, 1), "revisit_terms_on": date(year, 6, 30),
        "revisit_terms_scope": "Floor amount and meal rate after six months of volume.",
    }, deliverers)
    nutrition = ServiceType.objects.get(slug="nutrition")
    ServiceDefinition.objects.update_or_create(contract=contract, code="HDM", defaults={
        "name": "Home-delivered meal", "service_type": nutrition, "setting": "home",
        "initiation": "The plan identifies members discharged after at least one overnight "
                      "stay; the hub confirms eligibility and the member accepts.",
        "provision": "Two meals a day delivered to the member's home.",
        "conclusion": "After 14 days of meals, or when the member declines further meals.",
        "min_contact_frequency": "daily delivery", "timing_hours": 24,
        "timing_anchor": "discharge", "milestones": "First delivery; day 7 check-in.",
        "max_duration_days": 14, "repeat_rule": "Again after a new qualifying discharge.",
    })
    for level, (org, role, hours) in enumerate([(ctx.hub, "hub_coordinator", 24),
                                                (ctx.hub, "hub_admin", 48),
                                                (ctx.payer, "payer_manager", 72)], start=1):
        EscalationLevel.objects.update_or_create(contract=contract, level=level, defaults={
            "organisation": org, "role": role, "response_hours": hours})
    for aspect, org, title in [("referrals", ctx.hub, "Referral desk lead"),
                               ("data", ctx.payer, "Data exchange analyst"),
                               ("billing", ctx.hub, "Billing manager"),
                               ("evaluation", ctx.payer, "Medicare programs evaluator")]:
        ContractContact.objects.update_or_create(contract=contract, aspect=aspect, defaults={
            "organisation": org, "title": title})
    for direction, what, when, how, standard in [
        ("to_provider", "Discharges of eligible members", "daily", "SFTP CSV", "ADT"),
        ("to_payer", "Meals delivered per member", "monthly", "SFTP CSV", "HCPCS S5170"),
    ]:
        DataSharingTerm.objects.update_or_create(contract=contract, direction=direction, defaults={
            "what": what, "when": when, "how": how, "standard": standard, "platform": "carehub"})
    done = timezone.make_aware(datetime.combine(date(year - 2, 12, 20), time(12)))
    for task in LifecycleTask.objects.filter(contract=contract, stage="pre_launch"):
        task.due = date(year - 2, 12, 20)
        task.done_at = task.done_at or done
        task.save()
    if not TermsVersion.objects.filter(contract=contract).exists():
        source = _without_leading_comments(TERMS.read_text())
        text = (source.replace("WNY-MEALS-2026", "DEMO-MEALS")
                .replace("independent-health", ctx.payer.slug).replace("wnyicc", ctx.hub.slug)
                .replace("2026-01-01", f"{year - 1}-01-01").replace("2026-12-31", f"{year}-12-31"))
        add_terms_version(contract, text, "demo-meals.yaml", note="as signed",
                          acting=Acting.system(ctx.hub, user=ctx.users.get("hubadmin")))
    ensure_renewal_task(contract, ctx.today, acting=Acting.system(ctx.hub))
    return contract


def _scoping(ctx: Any) -> Contract:
    year = ctx.today.year
    deliverers = [c for c, d in zip(ctx.cbos, ctx.network_data["cbos"], strict=True)
                  if any(s["service_type"] == "care-management" for s in d["services"])]
    contract = _contract("DEMO-CM", {
        "name": "Community care management (scoping)", "payer": ctx.payer, "provider": ctx.hub,
        "stage": "scoping", "starts": date(year + 1, 1, 1), "ends": date(year + 1, 12, 31),
        "criteria": "population: complex-care\nas_of: " + ctx.today.isoformat()
                    + "\nrequire:\n  product: [medicaid]\n  risk_score: {min: 1.5}\n",
        "prioritisation": "Highest risk score first, then most ED visits in 12 months.",
        "max_volume": 300, "volume_period": "year",
        "trainings": "Motivational interviewing; trauma-informed care.",
        "it_platforms": "carehub",
        "credentialing": "Care managers' licences verified by the hub before assignment.",
        "workflows": "Plan sends a monthly list; partners outreach within 10 days.",
    }, deliverers)
    EscalationLevel.objects.update_or_create(contract=contract, level=1, defaults={
        "organisation": ctx.hub, "role": "hub_coordinator", "response_hours": 48})
    for aspect, org, title in [("referrals", ctx.hub, "Referral desk lead"),
                               ("data", ctx.payer, "Data exchange analyst")]:
        ContractContact.objects.update_or_create(contract=contract, aspect=aspect, defaults={
            "organisation": org, "title": title})
    ServiceDefinition.objects.update_or_create(contract=contract, code="CM", defaults={
        "name": "Care management episode",
        "service_type": ServiceType.objects.get(slug="care-management"), "setting": "community",
        "provision": "Assessment, care plan, monthly contacts.",
    })
    return contract


def _credentials(ctx: Any) -> None:
    by_slug = {c.slug: c for c in ctx.cbos}
    staff = [(ctx.users.get("worker"), ctx.cbos[0]), (ctx.users.get("supervisor"), ctx.cbos[0])]
    # The other meals partners' staff deliver under DEMO-MEALS too.
    staff += [(ctx.users.get(f"{role}-{short}"), by_slug.get(slug))
              for short, slug in (("saltcity", "salt-city-care-connections"),
                                  ("brooklyn", "brooklyn-bridges-family"))
              for role in ("worker", "supervisor")]
    for i, (user, org) in enumerate(staff):
        if user is None or org is None:
            continue
        StaffCredential.objects.update_or_create(
            staff=user, name="Community Health Worker certificate", defaults={
                "organisation": org, "kind": "licence", "identifier": f"CHW-{1040 + i}",
                "issued": ctx.today - timedelta(days=700),
                # One expires within 30 days, to show the supervisor's warning.
                "expires": ctx.today + timedelta(days=20 if i == 0 else 300)})
        StaffCredential.objects.update_or_create(
            staff=user, name="HIPAA privacy training", defaults={
                "organisation": org, "kind": "training",
                "issued": ctx.today - timedelta(days=200),
                "expires": ctx.today + timedelta(days=165)})


def seed(ctx: Any) -> None:
    meals = _meals(ctx)
    scoping = _scoping(ctx)
    _credentials(ctx)
    ctx.log(f"contracts: {meals.code} ({meals.get_stage_display()}), "
            f"{scoping.code} ({scoping.get_stage_display()})")
