"""The hub pays its CBOs: for a contract month, per CBO, what the payer approved or paid
for the CBO's lines less the hub's administrative fee (its network's admin_fee_percent).

A line counts at what was paid for it once the payer's 835 has posted (partly paid,
paid or reversed bills), else at its amount when the bill is approved. The fee is
allocated over the lines to the cent by `core.billing.passthrough`. A payout is stored
(`CboPayout`) with its lines and arithmetic; when amounts change after a payout (a
later 835, a reversal), the next payout (sequence + 1) carries the difference only.
The hub marks a payout paid with a date and its reference; the CBO is told each time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from carehub.audit import services as audit
from carehub.billing.models import BillLine, BillStatus, CboPayout, PayoutStatus
from carehub.contracts.models import Contract
from carehub.core.billing.passthrough import PaidLine, cbo_payout
from carehub.core.money import ZERO
from carehub.core.validation import InputError
from carehub.notifications import services as notifications
from carehub.notifications.kinds import Kind
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Network, Organisation, Role

APPROVED_ONLY: tuple[str, ...] = (BillStatus.APPROVED,)
PAID_STATES: tuple[str, ...] = (BillStatus.PARTIAL, BillStatus.PAID, BillStatus.REVERSED)


def fee_percent(hub: Organisation, cbo: Organisation) -> Decimal:
    """The administrative fee of the hub's network the CBO belongs to (else the hub's
    first network; 0 without one)."""
    network = (Network.objects.filter(hub=hub, memberships__cbo=cbo).order_by("pk").first()
               or Network.objects.filter(hub=hub).order_by("pk").first())
    return network.admin_fee_percent if network is not None else Decimal("0.00")


def _gross(line: BillLine, bill_status: str) -> Decimal:
    """What a line counts for: paid once an 835 posted, else its amount when approved."""
    return line.paid_amount if bill_status in PAID_STATES else line.amount


def _earlier(cbo_id: int, contract: Contract, period: str) -> dict[str, dict[str, Decimal]]:
    """Per line: the gross and fee already paid out in earlier payouts."""
    found: dict[str, dict[str, Decimal]] = {}
    for document in (CboPayout.objects.filter(cbo_id=cbo_id, contract=contract, period=period)
                     .order_by("sequence").values_list("document", flat=True)):
        for line in document.get("lines", []):
            seen = found.setdefault(line["line_id"], {"gross": ZERO, "fee": ZERO})
            seen["gross"] += Decimal(line["gross"])
            seen["fee"] += Decimal(line["fee"])
    return found


def issue_payouts(contract: Contract, period: str, *, acting: Acting) -> list[CboPayout]:
    """Issue the month's payouts of `contract` to each CBO with something new to pay:
    the first, or the difference since the last. Returns the payouts issued (none when
    nothing changed)."""
    if contract.provider_id != acting.organisation.pk or not acting.has_role(Role.HUB_ADMIN):
        raise PermissionError("only the hub's administrators pay its CBOs")
    if len(period) != 7 or period[4] != "-":
        raise InputError([("period", "write the month as YYYY-MM")])
    lines = (BillLine.objects.filter(contract=contract, period=period, bill__isnull=False,
                                     bill__status__in=(*APPROVED_ONLY, *PAID_STATES))
             .select_related("bill").order_by("cbo_id", "service_date", "pk"))
    by_cbo: dict[int, list[BillLine]] = {}
    for line in lines:
        by_cbo.setdefault(line.cbo_id, []).append(line)
    # CBOs paid before whose lines are all gone (e.g. a reversal to zero after denial)
    # still get their difference.
    for cbo_id in (CboPayout.objects.filter(contract=contract, period=period)
                   .values_list("cbo_id", flat=True).distinct()):
        by_cbo.setdefault(cbo_id, [])
    issued = []
    with transaction.atomic():
        for cbo_id, cbo_lines in sorted(by_cbo.items()):
            payout = _issue_one(contract, period, cbo_id, cbo_lines, acting=acting)
            if payout is not None:
                issued.append(payout)
    for payout in issued:
        _tell_cbo(payout, acting, f"Remittance advice {payout.period} #{payout.sequence}: "
                                  f"{payout.net} from {acting.organisation.name}")
    return issued


def _issue_one(contract: Contract, period: str, cbo_id: int, lines: list[BillLine], *,
               acting: Acting) -> CboPayout | None:
    cbo = Organisation.objects.get(pk=cbo_id)
    percent = fee_percent(acting.organisation, cbo)
    earlier = _earlier(cbo_id, contract, period)
    paid_lines: list[PaidLine] = []
    about: dict[str, dict[str, Any]] = {}
    current: dict[str, Decimal] = {}
    for line in lines:
        key = str(line.pk)
        bill = line.bill
        assert bill is not None  # lines are read with their bill (bill__isnull=False)
        current[key] = _gross(line, bill.status)
        about[key] = {"bill": bill.number, "service_date": line.service_date.isoformat(),
                      "service_code": line.service_code, "hcpcs": line.hcpcs,
                      "units": line.units, "amount": str(line.amount),
                      "basis": "paid" if bill.status in PAID_STATES else "approved"}
    for key in sorted(set(current) | set(earlier), key=int):
        before = earlier.get(key, {"gross": ZERO, "fee": ZERO})
        difference = current.get(key, ZERO) - before["gross"]
        if difference == 0:
            continue
        # A line taken back whole gives back exactly the fee charged on it.
        reverses = before["fee"] if (difference < 0 and current.get(key, ZERO) == 0
                                     and 0 <= before["fee"] <= -difference) else None
        paid_lines.append(PaidLine(line_id=key, cbo=str(cbo_id), paid=difference,
                                   reverses_fee=reverses))
        about.setdefault(key, {"basis": "withdrawn"})
        about[key]["previously"] = str(before["gross"])
    if not paid_lines:
        return None
    result = cbo_payout(str(cbo_id), paid_lines, percent)
    sequence = (CboPayout.objects.filter(cbo_id=cbo_id, contract=contract, period=period)
                .aggregate(n=Max("sequence"))["n"] or 0) + 1
    document = {
        "contract": contract.code, "period": period, "cbo": cbo.name,
        "hub": acting.organisation.name, "sequence": sequence, "fee_percent": str(percent),
        "lines": [{"line_id": p.line_id, **about.get(p.line_id, {}), "gross": str(p.gross),
                   "fee": str(p.fee), "net": str(p.net)} for p in result.lines],
        "gross": str(result.gross), "fee": str(result.fee), "net": str(result.net),
        "arithmetic": (f"{result.gross} approved or paid less the hub's fee of {percent}% "
                       f"({result.fee}, shared over the lines to the cent) = {result.net}"
                       + (" (the difference since the earlier advice)" if sequence > 1 else "")),
    }
    payout = CboPayout.objects.create(
        hub=acting.organisation, cbo=cbo, contract=contract, period=period, sequence=sequence,
        fee_percent=percent, gross=result.gross, fee=result.fee, net=result.net,
        document=document, issued_at=timezone.now())
    audit.record("create", object_type="cbo_payout", object_id=str(payout.pk), acting=acting,
                 detail={"cbo": cbo_id, "contract": contract.pk, "period": period,
                         "sequence": sequence, "gross": str(result.gross),
                         "fee": str(result.fee), "net": str(result.net)})
    return payout


def mark_paid(payout: CboPayout, *, paid_on: date, reference: str, acting: Acting) -> CboPayout:
    """The hub records that it paid the CBO: the date and its payment reference."""
    if payout.hub_id != acting.organisation.pk or not acting.has_role(Role.HUB_ADMIN):
        raise PermissionError("only the hub's administrators record payments")
    reference = reference.strip()
    errors = []
    if not reference:
        errors.append(("payment_reference", "required: the check number or transfer reference"))
    if paid_on > timezone.localdate():
        errors.append(("paid_on", "a payment date cannot be in the future"))
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        updated = (CboPayout.objects.filter(pk=payout.pk, status=PayoutStatus.ISSUED)
                   .update(status=PayoutStatus.PAID, paid_on=paid_on,
                           payment_reference=reference[:60]))
        if not updated:
            raise InputError([("status", "this payout is already marked paid")])
        audit.record("update", object_type="cbo_payout", object_id=str(payout.pk),
                     acting=acting, detail={"status": "paid", "paid_on": paid_on.isoformat(),
                                            "reference": reference[:60]})
    payout.refresh_from_db()
    _tell_cbo(payout, acting, f"{acting.organisation.name} paid {payout.net} "
                              f"({payout.period} #{payout.sequence}, ref. {payout.payment_reference})",
              paid=True)
    return payout


def _tell_cbo(payout: CboPayout, acting: Acting, body: str, *, paid: bool = False) -> None:
    # An advice issued opens the list (several a month merge); a payment opens its advice.
    notifications.notify(
        Kind.PAYOUT, users=notifications.people_with_role(payout.cbo_id, Role.CBO_SUPERVISOR),
        title=("Your hub paid a remittance advice" if paid
               else "Remittance advice from your hub ({count})"), body=body,
        organisation=acting.organisation, acting=acting,
        link=reverse("billing:payout", args=[payout.pk]) if paid else reverse("billing:payouts"))

