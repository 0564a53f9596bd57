"""The demo: one plan, one hub, nine CBOs, a person for every role and 2,000 members.

Idempotent: running it again updates what is there and adds nothing twice. Later parts
of the product add their own demo data through `carehub.<app>.demo.seed(ctx)`.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.demo.generator import GenerateOptions, generate, generate_chunks
from carehub.demo.network_data import demo_network
from carehub.members.models import EnrolmentSpan, Member, MemberAccess
from carehub.tenancy.models import (
    Membership,
    Network,
    NetworkMember,
    NetworkStatus,
    Organisation,
)

DEMO_PASSWORD = "carehub-demo-2026"  # nosec B105 # the demo's published password, demo data only
DEMO_SEED = 2026
DEMO_MEMBERS = 2000
# A fixed key so the printed secret works in any authenticator app after every re-seed.
DEMO_TOTP_KEY = hashlib.sha1(b"carehub demo hub administrator", usedforsecurity=False).hexdigest()
APP_SEED_ORDER = ("network", "contracts", "referrals", "population", "billing", "reporting",
                  "fhir", "exchange")


@dataclass
class DemoContext:
    payer: Organisation
    hub: Organisation
    cbos: list[Organisation]
    users: dict[str, User]
    members: list[Member]
    network_data: dict[str, Any]
    today: date
    log: Callable[[str], None] = print
    extra: dict[str, Any] = field(default_factory=dict)


# username -> [(organisation key, role)]; "cbo0" is the first CBO, other CBOs by slug.
# Every CBO the demo gives work (the DEMO-MEALS meals partners) has a supervisor and a worker.
DEMO_PEOPLE: dict[str, list[tuple[str, str]]] = {
    "hubadmin": [("hub", "hub_admin")],
    "coordinator": [("hub", "hub_coordinator")],
    "supervisor": [("cbo0", "cbo_supervisor")],
    "worker": [("cbo0", "cbo_worker")],
    "worker2": [("cbo1", "cbo_worker")],
    "supervisor-saltcity": [("salt-city-care-connections", "cbo_supervisor")],
    "worker-saltcity": [("salt-city-care-connections", "cbo_worker")],
    "supervisor-brooklyn": [("brooklyn-bridges-family", "cbo_supervisor")],
    "worker-brooklyn": [("brooklyn-bridges-family", "cbo_worker")],
    "planmanager": [("payer", "payer_manager")],
    "analyst": [("payer", "payer_analyst")],
    # Two memberships, so the organisation switcher has something to switch.
    "auditor": [("hub", "auditor"), ("payer", "auditor")],
}
NAMES = {
    "hubadmin": ("Harriet", "Adeyemi"), "coordinator": ("Carlos", "Ortiz"),
    "supervisor": ("Sandra", "Kowalski"), "worker": ("Wanda", "Jenkins"),
    "worker2": ("Will", "Nguyen"), "planmanager": ("Priya", "Raman"),
    "analyst": ("Andre", "Boateng"), "auditor": ("Aud", "Itor"),
    "supervisor-saltcity": ("Samira", "Haddad"), "worker-saltcity": ("Bishnu", "Gurung"),
    "supervisor-brooklyn": ("Rosa", "Delgado"), "worker-brooklyn": ("Mei", "Chen"),
}


def _org(data: dict[str, Any], kind: str) -> Organisation:
    org, _ = Organisation.objects.update_or_create(
        slug=data["id"],
        defaults={
            "kind": kind, "name": data["name"], "legal_name": f"{data['name']}, Inc.",
            "npi": data.get("npi") or "", "tin": data.get("tin") or "",
            "medicaid_id": data.get("medicaid_provider_id") or "",
        },
    )
    return org


def _people(orgs: dict[str, Organisation]) -> dict[str, User]:
    users: dict[str, User] = {}
    for username, roles in DEMO_PEOPLE.items():
        first, last = NAMES[username]
        # Reserved example.org addresses: escalation notices print to the console in the demo.
        user, created = User.objects.get_or_create(username=username, defaults={
            "first_name": first, "last_name": last, "email": f"{username}@example.org"})
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save()
        for org_key, role in roles:
            Membership.objects.update_or_create(user=user, organisation=orgs[org_key], role=role,
                                                defaults={"is_active": True})
        users[username] = user
    device, _ = TOTPDevice.objects.get_or_create(
        user=users["hubadmin"], name="Demo authenticator", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )
    if device.key != DEMO_TOTP_KEY or not device.confirmed:
        device.key, device.confirmed = DEMO_TOTP_KEY, True
        device.save()
    return users


def _members(payer: Organisation, hub: Organisation, count: int) -> list[Member]:
    options = GenerateOptions(members=count, seed=DEMO_SEED)
    roster_rows: list[dict[str, Any]] = []
    for roster, _claims, _screenings in generate_chunks(options):
        roster_rows.extend(roster.to_pylist())
    by_member: dict[str, list[dict[str, Any]]] = {}
    for row in roster_rows:
        by_member.setdefault(row["member_id"], []).append(row)
    existing = set(Member.objects.filter(plan=payer).values_list("member_id", flat=True))
    new = []
    for member_id, spans in by_member.items():
        if member_id in existing:
            continue
        r = spans[0]
        new.append(Member(
            plan=payer, member_id=member_id, first_name=r["first_name"], last_name=r["last_name"],
            birth_date=r["birth_date"], sex=r["sex"], race=r["race"] or "", ethnicity=r["ethnicity"] or "",
            language=r["language"] or "", address=r["address"] or "", city=r["city"] or "",
            county=r["county"] or "", state=r["state"] or "", zip=r["zip"] or "", product=r["product"],
            phone=r["phone"] or "", phone_alt=r["phone_alt"] or "", email=r["email"] or "",
            pcp_npi=r["pcp_npi"] or "", hospice=bool(r["hospice"]),
            risk_score=Decimal(str(r["risk_score"])) if r["risk_score"] is not None else None,
        ))
    Member.objects.bulk_create(new, batch_size=500)
    members = {m.member_id: m for m in Member.objects.filter(plan=payer)}
    spans_new = []
    for member_id in {m.member_id for m in new}:
        for r in by_member[member_id]:
            spans_new.append(EnrolmentSpan(member=members[member_id], start=r["enroll_start"], end=r["enroll_end"]))
    EnrolmentSpan.objects.bulk_create(spans_new, batch_size=1000, ignore_conflicts=True)
    grants = [MemberAccess(member=m, organisation=payer, reason="plan") for m in members.values()]
    # The plan sends the hub its program population; CBOs see members once referred.
    grants += [MemberAccess(member=m, organisation=hub, reason="program") for m in members.values()]
    MemberAccess.objects.bulk_create(grants, batch_size=1000, ignore_conflicts=True)
    return sorted(members.values(), key=lambda m: m.member_id)


def seed(*, members: int = DEMO_MEMBERS, log: Callable[[str], None] = print, today: date | None = None) -> DemoContext:
    with scopes_disabled(), transaction.atomic():
        data = demo_network(DEMO_SEED)
        payer = _org(data["payer"], "payer")
        hub = _org(data["hub"], "hub")
        cbos = [_org(c, "cbo") for c in data["cbos"]]
        network, _ = Network.objects.update_or_create(
            hub=hub, defaults={"name": f"{hub.name} network",
                               "admin_fee_percent": Decimal(data["hub"]["network"]["admin_fee_percent"])},
        )
        for cbo in cbos:
            # The demo hub onboarded its CBOs: accepted memberships.
            NetworkMember.objects.update_or_create(
                network=network, cbo=cbo,
                defaults={"status": NetworkStatus.ACCEPTED, "onboarded_by_hub": True})
        orgs = {"payer": payer, "hub": hub, **{f"cbo{i}": c for i, c in enumerate(cbos)},
                **{c.slug: c for c in cbos}}
        users = _people(orgs)
        log(f"organisations: {payer.name}, {hub.name} and {len(cbos)} CBOs")
        member_list = _members(payer, hub, members)
        log(f"members: {len(member_list)}")
        ctx = DemoContext(payer=payer, hub=hub, cbos=cbos, users=users, members=member_list,
                          network_data=data, today=today or date.today(), log=log)
        # The plan's delivered extracts: the seeded members' own roster and claims.
        ctx.extra["write_extracts"] = lambda folder: generate(
            GenerateOptions(members=members, seed=DEMO_SEED), folder, overwrite=True)
        for app in APP_SEED_ORDER:
            if f"carehub.{app}" not in settings.INSTALLED_APPS:
                continue
            try:
                module = importlib.import_module(f"carehub.{app}.demo")
            except ModuleNotFoundError:
                continue
            module.seed(ctx)
            log(f"{app}: seeded")
        log(f"notifications: {_notifications(ctx)} given")
    return ctx


def _notifications(ctx: DemoContext) -> int:
    """The bell is not empty: the daily checks run as the worker's schedule would (overdue
    work, renewals, credentials: each told once per threshold, so a re-seed tells nobody
    twice), and, once per database, the escalations waiting at each role and the work
    waiting for the first CBO's people, as their sources tell them."""
    from django.db.models import Count

    from carehub.contracts import notices as contract_notices
    from carehub.notifications.services import remember
    from carehub.referrals import notices as referral_notices
    from carehub.referrals.escalation_queues import responder
    from carehub.referrals.models import OPEN_STATES, Escalation, Referral
    from carehub.tenancy.access import Acting

    given = (referral_notices.notify_overdue()
             + contract_notices.notify_renewals(ctx.today)
             + contract_notices.notify_credentials(ctx.today))
    if not remember("demo:notifications"):
        return given
    waiting: dict[tuple[int, str], int] = {}
    for row in Escalation.objects.filter(resolved_at__isnull=True).select_related("referral"):
        answering = responder(row.referral, row.role)
        if answering is not None:
            waiting[(answering, row.role)] = waiting.get((answering, row.role), 0) + 1
    for (org_id, role), count in sorted(waiting.items()):
        given += bool(referral_notices.escalation_reached(
            org_id, role, acting=Acting.system(ctx.hub), count=count).rows)
    coordinator = Acting.of(ctx.users["coordinator"],
                            ctx.users["coordinator"].memberships.get(organisation=ctx.hub))
    cbo = ctx.cbos[0]
    held = Referral.objects.filter(organisation=cbo, state__in=OPEN_STATES)
    unassigned = held.filter(assignee__isnull=True).count()
    if unassigned:
        given += bool(referral_notices.placed_with(cbo, acting=coordinator,
                                                   count=unassigned).rows)
    mine = dict(held.filter(state="assigned").values_list("assignee").annotate(n=Count("id")))
    for user in (ctx.users["worker"],):
        if mine.get(user.pk):
            given += bool(referral_notices.assigned_to_worker(
                user, acting=Acting.of(ctx.users["supervisor"],
                                       ctx.users["supervisor"].memberships.get(organisation=cbo)),
                count=mine[user.pk]).rows)
    return given


def logins() -> list[tuple[str, str]]:
    """(username, what they are) for the printed list."""
    rows = []
    with scopes_disabled():
        for username in DEMO_PEOPLE:
            roles = Membership.objects.filter(user__username=username).select_related("organisation")
            rows.append((username, "; ".join(f"{m.get_role_display()} at {m.organisation.name}" for m in roles)))
    return rows
