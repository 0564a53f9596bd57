"""835 remittance: the hub posts the payer's file; the payer can write one for its approved
bills.

Posting validates the whole file with pyx12 first (`core.billing.x12_835.parse_835`): a
malformed file is refused whole, naming the segment, and nothing is saved. Each claim
payment (CLP) is matched to one of the hub's bills by its number (CLP01 = Bill.number):
a payment adds to what the bill was paid (partial when below the charge, the CAS
adjustments kept on the lines), a reversal (CLP02 22) subtracts what it reverses, a
denial (4) denies the bill. A line's share comes from its SVC (REF*6R names our line)
when present, else the claim's payment is shared over the lines pro rata to the cent.
Items matching no bill of the hub are listed on the remittance. The same file again
(same sha256 for the hub) changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.billing.models import (
    Bill,
    BillLine,
    BillStatus,
    LineStatus,
    Remittance,
    RemittanceItem,
)
from carehub.core.billing import x12_835
from carehub.core.billing.claims import Party
from carehub.core.billing.x12_837 import digits
from carehub.core.money import CENT, ZERO, cents_to_decimal, to_cents
from carehub.core.validation import InputError
from carehub.network.models import Location, OrganisationProfile
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind
from carehub.tenancy.rls import as_owner

PAID_STATUSES = ("1", "2", "3", "19", "20", "21")
DENIED = "4"
REVERSAL = "22"


class AlreadyPosted(Exception):
    """The same file was posted before by this hub; nothing changed."""

    def __init__(self, remittance: Remittance) -> None:
        self.remittance = remittance
        super().__init__(f"This file was already posted on "
                         f"{timezone.localtime(remittance.posted_at):%Y-%m-%d %H:%M} "
                         f"(trace {remittance.trace_number}); nothing changed.")


@dataclass
class PostResult:
    remittance: Remittance
    matched: int = 0
    partial: int = 0
    reversed: int = 0
    denied: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)


def pro_rata(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` shared over `weights` to the cent by largest remainder: the shares add up
    to `amount` exactly; ties go to the earlier line. All-zero weights share equally."""
    if not weights:
        return []
    total_cents = to_cents(amount)
    sign = -1 if total_cents < 0 else 1
    total_cents = abs(total_cents)
    weight_cents = [max(0, to_cents(w)) for w in weights]
    whole = sum(weight_cents)
    if whole == 0:
        weight_cents, whole = [1] * len(weights), len(weights)
    floors = [total_cents * w // whole for w in weight_cents]
    remainders = [total_cents * w % whole for w in weight_cents]
    left = total_cents - sum(floors)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        floors[index] += 1
    return [cents_to_decimal(sign * c) for c in floors]


def _adjustments(items: Any) -> list[dict[str, str]]:
    return [{"group": a.group, "reason": a.reason, "amount": str(a.amount)} for a in items]


def _line_shares(claim: x12_835.ClaimPayment, lines: list[BillLine]) -> dict[int, tuple[Decimal, list[dict[str, str]]]]:
    """Each line's paid amount and adjustments for one claim payment."""
    by_id = {str(line.pk): line for line in lines}
    named = {svc.line_id: svc for svc in claim.lines if svc.line_id and svc.line_id in by_id}
    if named and len(named) == len(claim.lines):
        return {by_id[key].pk: (svc.paid, _adjustments(svc.adjustments))
                for key, svc in named.items()}
    # No SVC naming our lines: the claim's payment shared pro rata to the charges.
    shares = pro_rata(claim.paid, [line.amount for line in lines])
    claim_cas = _adjustments(claim.all_adjustments())
    return {line.pk: (share, claim_cas if i == 0 else []) for i, (line, share)
            in enumerate(zip(lines, shares, strict=True))}


def post_835(text: str, filename: str, *, acting: Acting) -> PostResult:
    """Post an 835 for the acting hub. Raises InputError (the segment named) for a file
    pyx12 refuses, AlreadyPosted for a file posted before."""
    if acting.organisation is None or acting.organisation.kind != OrganisationKind.HUB:
        raise PermissionError("only a hub posts remittances")
    hub = acting.organisation
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    earlier = Remittance.objects.filter(hub=hub, sha256=digest).first()
    if earlier is not None:
        raise AlreadyPosted(earlier)
    parsed = x12_835.parse_835(text)  # raises RemittanceError (InputError) naming segments
    numbers = {claim.claim_id for claim in parsed.claims}
    paid_on = parsed.payment_date if parsed.payment_date.year > 1 else timezone.localdate()
    paid_at = timezone.make_aware(datetime.combine(paid_on, time(12)))
    try:
        with transaction.atomic():
            bills = {b.number: b for b in Bill.objects.select_for_update()
                     .filter(hub=hub, number__in=numbers)}
            remittance = Remittance.objects.create(
                hub=hub, payer_id=next((b.payer_id for b in bills.values()), None),
                sha256=digest, trace_number=parsed.trace_number[:50],
                filename=filename[:200], total=parsed.payment_total, paid_on=paid_on,
                posted_at=timezone.now(), posted_by=acting.user)
            result = PostResult(remittance)
            for claim in parsed.claims:
                _post_claim(claim, bills.get(claim.claim_id), remittance, result, paid_at,
                            acting)
            remittance.matched = result.matched
            remittance.unmatched = result.unmatched
            remittance.save(update_fields=["matched", "unmatched"])
            audit.record("create", object_type="remittance", object_id=str(remittance.pk),
                         acting=acting,
                         detail={"sha256": digest, "trace": parsed.trace_number,
                                 "total": str(parsed.payment_total), "matched": result.matched,
                                 "unmatched": len(result.unmatched),
                                 "reversed": result.reversed, "partial": result.partial})
    except IntegrityError:
        # The same file posted at the same moment by another request.
        earlier = Remittance.objects.filter(hub=hub, sha256=digest).first()
        if earlier is None:
            raise
        raise AlreadyPosted(earlier) from None
    return result


def _post_claim(claim: x12_835.ClaimPayment, bill: Bill | None, remittance: Remittance,
                result: PostResult, paid_at: datetime, acting: Acting) -> None:
    reversal = claim.status == REVERSAL
    RemittanceItem.objects.create(
        remittance=remittance, bill=bill, claim_number=claim.claim_id[:38],
        status_code=claim.status[:2], charged=claim.charged, paid=claim.paid,
        payer_control_number=claim.payer_control_number[:50],
        adjustments=_adjustments(claim.all_adjustments()), reversal=reversal)
    if bill is None:
        result.unmatched.append({"claim": claim.claim_id, "status": claim.status,
                                 "charged": str(claim.charged), "paid": str(claim.paid),
                                 "why": "no bill of this hub has this number"})
        return
    result.matched += 1
    lines = list(BillLine.objects.select_for_update().filter(bill=bill).order_by("pk"))
    if reversal:
        # A reversal carries negative amounts; take what it reverses off either way.
        claim = _negated(claim) if claim.paid > 0 else claim
    shares = _line_shares(claim, lines)
    now = timezone.now()
    for line in lines:
        paid, cas = shares.get(line.pk, (ZERO, []))
        line.paid_amount = line.paid_amount + paid
        if cas:
            line.adjustments = [*line.adjustments, *cas]
        if claim.status == DENIED:
            line.status = LineStatus.DENIED
        elif line.paid_amount > 0:
            line.status = LineStatus.PAID
        else:
            line.status = LineStatus.APPROVED
        line.updated_at = now
        line.updated_by = acting.user
    BillLine.objects.bulk_update(lines, ["paid_amount", "adjustments", "status", "updated_at",
                                         "updated_by"])
    bill.paid_amount = bill.paid_amount + claim.paid
    if reversal:
        bill.status = BillStatus.REVERSED
        result.reversed += 1
    elif claim.status == DENIED:
        bill.status = BillStatus.DENIED
        bill.reason_code = bill.reason_code or next(
            (a.reason for a in claim.all_adjustments()), "")[:10]
        result.denied += 1
    elif bill.paid_amount < bill.amount:
        bill.status = BillStatus.PARTIAL
        result.partial += 1
    else:
        bill.status = BillStatus.PAID
    bill.paid_at = paid_at
    bill.save(update_fields=["paid_amount", "status", "paid_at", "reason_code"])


def _negated(claim: x12_835.ClaimPayment) -> x12_835.ClaimPayment:
    from dataclasses import replace

    return replace(claim, charged=-claim.charged, paid=-claim.paid,
                   lines=tuple(replace(line, charged=-line.charged, paid=-line.paid)
                               for line in claim.lines))


# -- the payer's side ------------------------------------------------------------------


def _party(org: Organisation, role: str, errors: list[tuple[str, str]]) -> Party:
    """The organisation as an 835 party, its address and phone from its directory entry
    (its first site with a street address); what is missing is named in `errors`."""
    # The hub's directory entry may be hidden from the plan's pages; its address on the
    # file is what a remittance carries anyway (N1/N3/N4), so it is read as the owner.
    with scopes_disabled(), as_owner():
        site = (Location.objects.filter(organisation=org).exclude(address_1="")
                .order_by("name").first())
        phone = next((p for p in OrganisationProfile.objects.filter(organisation=org)
                      .values_list("phone", flat=True) if p), "") or (site.phone if site else "")
    if site is None or not (site.city and site.state_province and site.postal_code):
        errors.append((role, f"{org.name} needs a site with a street address, city, state "
                             "and zip code in the directory"))
    if role == "payer" and len(digits(phone)) != 10:
        errors.append((role, f"{org.name} needs a ten-digit phone number in the directory"))
    return Party(name=org.name, npi=org.npi or None, tin=org.tin or None,
                 address=site.address_1 if site else "", city=site.city if site else "",
                 state=site.state_province if site else "",
                 zip=site.postal_code if site else "", contact_phone=phone)


def approved_hubs(acting: Acting) -> list[dict[str, Any]]:
    """Hubs with bills the acting plan approved and has not paid, with counts."""
    from django.db.models import Count, Sum

    rows = (Bill.objects.filter(payer=acting.organisation, status=BillStatus.APPROVED)
            .order_by().values("hub_id", "hub__name")
            .annotate(bills=Count("pk"), amount=Sum("amount")).order_by("hub__name"))
    return [{"hub_id": r["hub_id"], "name": r["hub__name"], "bills": r["bills"],
             "amount": (r["amount"] or ZERO).quantize(CENT)} for r in rows]


def export_835(acting: Acting, hub_id: int, *, now: datetime | None = None) -> tuple[str, str]:
    """An 835 paying in full the acting plan's approved bills of one hub: (filename, text).
    A payer's own system writes the real one; this one lets a plan without it pay, and
    the demo and tests post it. Audited."""
    moment = now or timezone.now()
    bills = list(Bill.objects.filter(payer=acting.organisation, hub_id=hub_id,
                                     status=BillStatus.APPROVED)
                 .select_related("hub", "member", "cbo").order_by("pk"))
    if not bills:
        raise InputError([("hub", "no approved bills to pay for this hub")])
    lines: dict[int | None, list[BillLine]] = {}
    for line in BillLine.objects.filter(bill__in=bills).order_by("pk"):
        lines.setdefault(line.bill_id, []).append(line)
    claims = []
    for bill in bills:
        own = lines.get(bill.pk, [])
        detail = all(line.hcpcs for line in own)
        claims.append(x12_835.ClaimPayment(
            claim_id=bill.number, status="1", charged=bill.amount, paid=bill.amount,
            patient_responsibility=ZERO, payer_control_number=f"P{bill.pk:09d}",
            member_id=bill.member.member_id if bill.member else bill.number,
            patient_last_name=(bill.member.last_name if bill.member else bill.cbo.name)[:60],
            patient_first_name=bill.member.first_name if bill.member else "",
            lines=tuple(x12_835.LinePayment(
                hcpcs=line.hcpcs, modifiers=tuple(line.modifiers.split()), charged=line.amount,
                paid=line.amount, units=line.units, service_date=line.service_date,
                line_id=str(line.pk)) for line in own) if detail else ()))
    hub = bills[0].hub
    trace = f"{acting.organisation.pk}{moment:%Y%m%d%H%M%S}"
    total = sum((b.amount for b in bills), ZERO)
    errors: list[tuple[str, str]] = []
    payer, payee = _party(acting.organisation, "payer", errors), _party(hub, "payee", errors)
    if errors:
        raise InputError(errors)
    remittance = x12_835.Remittance(
        trace_number=trace, payment_total=total, payment_date=timezone.localdate(moment),
        payer=payer, payee=payee, claims=tuple(claims))
    text = x12_835.write_835(remittance, sender_id=f"PLAN{acting.organisation.pk}",
                             receiver_id=f"HUB{hub.pk}",
                             interchange_control_number=int(moment.timestamp()) % 1_000_000_000,
                             created=moment)
    audit.record("export", object_type="remittance_835", object_id=trace, acting=acting,
                 detail={"hub": hub.pk, "bills": len(bills), "total": str(total)})
    return f"835-{trace}.txt", text
