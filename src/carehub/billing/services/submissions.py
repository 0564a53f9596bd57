"""Submitting a contract's month: the ready lines not yet billed become bills inside
submissions, in the billing mode of the terms in force on each line's service date.

- claims: per CBO one 837P file (the CBO is the billing provider), one claim per member
  of at most 50 lines; the file is checked with pyx12 and a refused file is never stored
  or sent: the whole submission fails naming the segment.
- invoice: one aggregate invoice per CBO for the month, all in one invoice run.

Everything happens in one transaction and is audited; a second submit of the same month
finds nothing ready and says so.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.billing import x12_out
from carehub.billing.models import Bill, BillLine, LineStatus, Submission
from carehub.billing.services.lines import TermsByDate
from carehub.contracts.models import Contract
from carehub.core.billing.claims import MAX_LINES_PER_CLAIM
from carehub.core.periods import parse_month
from carehub.core.validation import InputError
from carehub.members.models import Member
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, Role


class SubmissionError(InputError):
    """The month could not be submitted; nothing was stored."""


@dataclass
class SubmitResult:
    submissions: list[Submission] = field(default_factory=list)
    bills: int = 0
    lines: int = 0
    total: Decimal = Decimal("0.00")

    @property
    def message(self) -> str:
        if not self.submissions:
            return "Nothing is ready to bill for this month: no line was submitted."
        return (f"Submitted {self.lines} lines on {self.bills} bills "
                f"({len(self.submissions)} submissions), {self.total} in all.")


def _check(contract: Contract, acting: Acting) -> None:
    org = acting.organisation
    if org is None or org.pk != contract.provider_id or not acting.has_role(Role.HUB_ADMIN,
                                                                            "system"):
        raise SubmissionError([("contract", "only the hub's administrator submits a month")])


def _next_control_number() -> int:
    top = Submission.objects.aggregate(top=Max("control_number"))["top"] or 0
    return int(top) + 1


def submit_month(contract: Contract, period: str, acting: Acting) -> SubmitResult:
    """Bill every ready line of the contract's month not yet billed (see module docstring)."""
    _check(contract, acting)
    try:
        parse_month(period)
    except ValueError as exc:
        raise SubmissionError([("period", str(exc))]) from None
    result = SubmitResult()
    with transaction.atomic(), scopes_disabled():
        ready = list(BillLine.objects.select_for_update().filter(
            contract=contract, period=period, status=LineStatus.READY, bill__isnull=True)
            .order_by("cbo_id", "member_id", "service_date", "pk"))
        if not ready:
            return result
        terms = TermsByDate.of(contract)
        by_mode: dict[str, list[BillLine]] = defaultdict(list)
        slugs = dict(Organisation.objects.filter(pk__in={line.cbo_id for line in ready})
                     .values_list("pk", "slug"))
        for line in ready:
            by_mode[terms.mode_on(line.service_date, slugs[line.cbo_id])].append(line)
        now = timezone.now()
        for mode in sorted(by_mode):
            if mode == "claims":
                by_cbo: dict[int, list[BillLine]] = defaultdict(list)
                for line in by_mode[mode]:
                    by_cbo[line.cbo_id].append(line)
                for cbo_id, lines in by_cbo.items():
                    result.submissions.append(
                        _submit_claims(contract, period, cbo_id, lines, acting, now))
            else:
                result.submissions.append(
                    _submit_invoices(contract, period, by_mode[mode], acting, now))
        for submission in result.submissions:
            result.bills += submission.bills
            result.lines += submission.lines
            result.total += submission.total
        audit.record("submit_month", acting=acting, object_type="contract",
                     object_id=str(contract.pk),
                     detail={"period": period, "submissions": [s.pk for s in result.submissions],
                             "bills": result.bills, "lines": result.lines,
                             "total": str(result.total)})
    return result


def _new_submission(contract: Contract, period: str, mode: str, acting: Acting,
                    now: Any) -> Submission:
    return Submission(contract=contract, payer_id=contract.payer_id, hub_id=contract.provider_id,
                      period=period, mode=mode, control_number=_next_control_number(),
                      submitted_at=now,
                      submitted_by=acting.user if getattr(acting.user, "pk", None) else None)


def _bill(submission: Submission, kind: str, number: str, cbo_id: int, member_id: int | None,
          lines: list[BillLine], now: Any) -> Bill:
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    bill = Bill.objects.create(
        submission=submission, kind=kind, number=number, contract_id=submission.contract_id,
        payer_id=submission.payer_id, hub_id=submission.hub_id, cbo_id=cbo_id,
        member_id=member_id, period=submission.period,
        services=" ".join(sorted({line.service_code for line in lines})),
        first_service=min(line.service_date for line in lines),
        last_service=max(line.service_date for line in lines),
        line_count=len(lines), amount=amount, submitted_at=now)
    BillLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        bill=bill, status=LineStatus.SUBMITTED)
    submission.bills += 1
    submission.lines += len(lines)
    submission.total += amount
    return bill


def _submit_claims(contract: Contract, period: str, cbo_id: int, lines: list[BillLine],
                   acting: Acting, now: Any) -> Submission:
    submission = _new_submission(contract, period, "claims", acting, now)
    submission.save()
    by_member: dict[int, list[BillLine]] = defaultdict(list)
    for line in lines:
        by_member[line.member_id].append(line)
    members = {m.pk: m for m in Member.objects.filter(pk__in=list(by_member))}
    claims: list[x12_out.ClaimOut] = []
    sequence = 0
    for member_pk, mine in by_member.items():
        member = members[member_pk]
        for at in range(0, len(mine), MAX_LINES_PER_CLAIM):
            chunk = mine[at:at + MAX_LINES_PER_CLAIM]
            sequence += 1
            number = f"{submission.control_number}-{sequence}"
            _bill(submission, "claim", number, cbo_id, member_pk, chunk, now)
            claims.append(x12_out.ClaimOut(
                claim_id=number, member=_member_out(member),
                lines=tuple(_line_out(line) for line in chunk)))
    cbo = Organisation.objects.get(pk=cbo_id)
    hub = Organisation.objects.get(pk=contract.provider_id)
    payer = Organisation.objects.get(pk=contract.payer_id)
    products = {m.product for m in members.values()}
    filing = x12_out.FILING.get(products.pop(), "MC") if len(products) == 1 else "MC"
    try:
        text, check = x12_out.write_checked(
            hub=hub, payer=payer, cbo=cbo, claims=claims,
            control_number=submission.control_number, created=now,
            filing_indicator=filing)
    except x12_out.ClaimFileRefused as exc:
        # Raising rolls back the whole month: nothing is stored, nothing leaves.
        raise SubmissionError([(f"837P for {cbo.name}: {where}" if where else
                                f"837P for {cbo.name}", message)
                               for where, message in exc.errors]) from None
    submission.document = text
    submission.sha256 = hashlib.sha256(text.encode()).hexdigest()
    submission.check_result = "accepted" if check.accepted else check.code
    submission.save()
    audit.record("submit", acting=acting, object_type="submission", object_id=str(submission.pk),
                 detail={"mode": "claims", "cbo": cbo_id, "bills": submission.bills,
                         "lines": submission.lines, "total": str(submission.total),
                         "sha256": submission.sha256})
    return submission


def _submit_invoices(contract: Contract, period: str, lines: list[BillLine], acting: Acting,
                     now: Any) -> Submission:
    submission = _new_submission(contract, period, "invoice", acting, now)
    submission.save()
    by_cbo: dict[int, list[BillLine]] = defaultdict(list)
    for line in lines:
        by_cbo[line.cbo_id].append(line)
    for sequence, (cbo_id, mine) in enumerate(sorted(by_cbo.items()), start=1):
        _bill(submission, "invoice", invoice_number(submission.control_number, sequence),
              cbo_id, None, mine, now)
    submission.save()
    audit.record("submit", acting=acting, object_type="submission", object_id=str(submission.pk),
                 detail={"mode": "invoice", "bills": submission.bills,
                         "lines": submission.lines, "total": str(submission.total)})
    return submission


def invoice_number(control_number: int, sequence: int) -> str:
    return f"INV-{control_number:06d}-{sequence:03d}"


def _member_out(member: Member) -> x12_out.MemberOut:
    return x12_out.MemberOut(member_id=member.member_id, last_name=member.last_name,
                             first_name=member.first_name, birth_date=member.birth_date,
                             sex=member.sex or "U", address=member.address, city=member.city,
                             state=member.state, zip=member.zip)


def _line_out(line: BillLine) -> x12_out.LineOut:
    return x12_out.LineOut(line_id=str(line.pk), service_date=line.service_date,
                           hcpcs=line.hcpcs, modifiers=tuple(line.modifiers.split()),
                           units=line.units, amount=line.amount,
                           place_of_service=line.place_of_service,
                           diagnosis_codes=tuple(line.diagnosis_codes.split()))


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
