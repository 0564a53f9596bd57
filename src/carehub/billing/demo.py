"""Demo billing for DEMO-MEALS, three months back from today:

- the hub's own fee schedule (S5170 at the contract's rate, two meals a day), chosen for
  the contract with its eligible products;
- a terms amendment from the first day of two months ago: Westside (the `supervisor` and
  `worker` logins' CBO) moves to member-level claims; the other partners keep invoicing;
- three months ago: statement issued, every partner invoiced, the plan approved, the hub
  paid its CBOs (payouts marked paid);
- two months ago: statement issued, Westside's claims (837P) and the others' invoices
  submitted, approved in bulk by the plan, the 835 for the claims posted, payouts issued
  (not yet paid);
- last month: lines built and checked; a few of Westside's carry a category Z code
  (Z59.4) the CBO must fix before the hub submits the month.

Each step calls the services a person's click calls; a re-seed changes nothing twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django_scopes import scopes_disabled

from carehub.billing.models import (
    Bill,
    BillLine,
    BillStatus,
    CboPayout,
    FeeSchedule,
    LineStatus,
    PayoutStatus,
    Remittance,
    Statement,
    Submission,
)
from carehub.billing.services import fee_schedules, payouts, remittance, review, statements
from carehub.billing.services.lines import build_lines, correct_line
from carehub.billing.services.submissions import submit_month
from carehub.contracts.models import Contract, TermsVersion
from carehub.contracts.services import add_terms_version
from carehub.network.models import Location
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

SCHEDULE_NAME = "Four Rivers meals schedule"
SCHEDULE_CSV = """schedule,service,code,modifiers,unit,rate,effective,ends,per_day,per_period,per_episode,verification,source,notes
{name},Home-delivered meal,S5170,,meal,7.50,{effective},,2,,,contract,"DEMO-MEALS terms, services",two meals a day as the terms allow
"""
FIX_ME = 3  # lines of last month left with a category Z code for the CBO to fix


def _month(day: date, back: int) -> date:
    first = day.replace(day=1)
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _acting(ctx: Any, login: str, org: Organisation) -> Acting:
    user = ctx.users[login]
    return Acting.of(user, user.memberships.get(organisation=org))


def _zip_plus_four(org: Organisation) -> None:
    """The 837P's billing provider needs a nine-digit ZIP: the demo's sites have five."""
    for site in Location.objects.filter(organisation=org).exclude(address_1=""):
        digits = "".join(ch for ch in site.postal_code if ch.isdigit())
        if len(digits) == 5:
            site.postal_code = f"{digits}-{1000 + site.pk.int % 9000:04d}"
            site.save(update_fields=["postal_code"])


def _plan_address(plan: Organisation) -> None:
    """The plan's mailing address and phone: the 835 names the payer with them."""
    if not Location.objects.filter(organisation=plan).exclude(address_1="").exists():
        Location.objects.create(organisation=plan, name=f"{plan.name} claims office",
                                location_type="postal", address_1="100 Lake Shore Drive",
                                city="Buffalo", state_province="NY", postal_code="14202-3701",
                                county="Erie, NY", phone="716-555-0142")


def _schedule(ctx: Any, contract: Contract, starts: date, hub_admin: Acting) -> None:
    schedule = FeeSchedule.objects.filter(owner=ctx.hub, name=SCHEDULE_NAME).first()
    if schedule is None:
        text = SCHEDULE_CSV.format(name=SCHEDULE_NAME, effective=starts.isoformat())
        schedule = fee_schedules.upload_schedule(
            name=SCHEDULE_NAME, text=text, filename="four-rivers-meals.csv", acting=hub_admin,
            description="The meal rate of DEMO-MEALS, as the hub bills it")
    fee_schedules.set_contract_billing(contract, fee_schedule=schedule, timely_filing_days=365,
                                       eligible_products="medicare_advantage dsnp",
                                       acting=hub_admin)


def _amendment(ctx: Any, contract: Contract, claims_cbo: Organisation, effective: date,
               hub_admin: Acting) -> None:
    if TermsVersion.objects.filter(contract=contract, effective=effective).exists():
        return
    first = TermsVersion.objects.filter(contract=contract).order_by("version").first()
    assert first is not None
    text = first.source_text.rstrip("\n").replace(
        "billing: invoice", f"billing: invoice\nbilling_by_provider:\n  {claims_cbo.slug}: claims")
    add_terms_version(contract, text + "\n", "demo-meals-claims.yaml", effective=effective,
                      note=f"{claims_cbo.name} bills member-level claims", acting=hub_admin)


def _fix_me(contract: Contract, period: str, cbo: Organisation, worker: Acting) -> None:
    """A few of the month's lines were given Z59.4, a category, by the CBO's worker: the
    edits ask for a billable leaf, and the CBO's page shows how to fix it."""
    lines = list(BillLine.objects.filter(contract=contract, period=period, cbo=cbo,
                                         status=LineStatus.READY).order_by("pk")[:FIX_ME])
    for line in lines:
        correct_line(line, {"diagnosis_codes": "Z59.4"}, worker)


def seed(ctx: Any) -> None:
    with scopes_disabled():
        contract = Contract.objects.filter(code="DEMO-MEALS").first()
        if contract is None or contract.starts is None:
            return
        claims_cbo = ctx.users["supervisor"].memberships.first().organisation
        hub_admin = _acting(ctx, "hubadmin", ctx.hub)
        manager = _acting(ctx, "planmanager", ctx.payer)
        _plan_address(ctx.payer)
        for org in {*contract.delivering_cbos.all(), ctx.hub, ctx.payer}:
            _zip_plus_four(org)
        _schedule(ctx, contract, contract.starts, hub_admin)
        three, two, last = (_month(ctx.today, n) for n in (3, 2, 1))
        _amendment(ctx, contract, claims_cbo, two, hub_admin)
        for month in (three, two):
            period = month.strftime("%Y-%m")
            if not Statement.objects.filter(contract=contract, period=period).exists():
                statements.issue_statement(contract, period, acting=hub_admin)
            if Submission.objects.filter(contract=contract, period=period).exists():
                continue
            build_lines(contract, period, hub_admin)
            submit_month(contract, period, hub_admin)
            waiting = Bill.objects.filter(contract=contract, period=period,
                                          status=BillStatus.SUBMITTED)
            review.bulk_approve(list(waiting.values_list("pk", flat=True)), acting=manager)
            if Bill.objects.filter(contract=contract, period=period, kind="claim",
                                   status=BillStatus.APPROVED).exists():
                filename, text = remittance.export_835(manager, ctx.hub.pk)
                if not Remittance.objects.filter(hub=ctx.hub, filename=filename).exists():
                    remittance.post_835(text, filename, acting=hub_admin)
            for payout in payouts.issue_payouts(contract, period, acting=hub_admin):
                if month == three and payout.status == PayoutStatus.ISSUED:
                    payouts.mark_paid(payout, paid_on=_month(ctx.today, 2) + timedelta(days=9),
                                      reference=f"ACH-{payout.pk:06d}", acting=hub_admin)
        period = last.strftime("%Y-%m")
        if not BillLine.objects.filter(contract=contract, period=period).exists():
            build_lines(contract, period, hub_admin)
            _fix_me(contract, period, claims_cbo, _acting(ctx, "worker", claims_cbo))
        ctx.log(f"billing: {Statement.objects.filter(contract=contract).count()} statements, "
                f"{Bill.objects.filter(contract=contract).count()} bills, "
                f"{CboPayout.objects.filter(contract=contract).count()} payouts")
