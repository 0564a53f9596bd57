"""The payer's decisions on bills, and the hub's answers to its questions.

A payer program manager approves a bill, denies it with a reason code, or pends it with
a question for the hub; the hub's answer puts it back in the queue as submitted. Each
decision is a `BillDecision` row (never changed), updates the bill and its lines, and is
audited. A decision applies only to a bill still in the status it was seen in: one that
another person decided meanwhile is skipped, never decided twice. Bulk approval works
the same way in chunks (as a job when the set is large, see `tasks_review`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from carehub.audit import services as audit
from carehub.billing.models import Bill, BillDecision, BillLine, BillStatus, LineStatus
from carehub.core.validation import InputError
from carehub.notifications import services as notifications
from carehub.notifications.kinds import Kind
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Role

# Denial reasons, after the claim adjustment reason codes payers use (CARC-like, short).
DENIAL_REASONS: dict[str, str] = {
    "N1": "Service not covered by the contract",
    "D1": "Duplicate of a bill already received",
    "E1": "Member not eligible on the service date",
    "A1": "No referral or authorisation for the service",
    "T1": "Billed after the timely filing limit",
    "O1": "Other (explain in the note)",
}
NOTE_REQUIRED = ("O1",)
CHUNK = 500

LINE_STATUS = {"approve": LineStatus.APPROVED, "deny": LineStatus.DENIED,
               "pend": LineStatus.PENDED, "answer": LineStatus.SUBMITTED}
BILL_STATUS = {"approve": BillStatus.APPROVED, "deny": BillStatus.DENIED,
               "pend": BillStatus.PENDED, "answer": BillStatus.SUBMITTED}


class StaleBill(Exception):
    """The bill is no longer in the status the decision was made on."""


@dataclass(frozen=True)
class BulkResult:
    decided: int
    skipped: int
    amount: Decimal  # the total of the bills decided


def _check(action: str, reason_code: str, note: str) -> None:
    errors: list[tuple[str, str]] = []
    if action == "deny":
        if reason_code not in DENIAL_REASONS:
            errors.append(("reason_code", f"choose one of {', '.join(DENIAL_REASONS)}"))
        elif reason_code in NOTE_REQUIRED and not note.strip():
            errors.append(("note", f"a note is required with reason {reason_code}"))
    if action in ("pend", "answer") and not note.strip():
        errors.append(("note", "write the question" if action == "pend" else "write the answer"))
    if errors:
        raise InputError(errors)


def _apply(bills: list[Bill], action: str, *, acting: Acting, reason_code: str = "",
           note: str = "") -> None:
    """Write the decision on `bills` (locked, in the expected status)."""
    now = timezone.now()
    ids = [b.pk for b in bills]
    fields: dict[str, Any] = {"status": BILL_STATUS[action]}
    if action == "answer":
        fields["answer"] = note
    else:
        fields.update(decided_at=now, decided_by=acting.user)
        fields["reason_code"] = reason_code if action == "deny" else ""
        if action == "pend":
            fields.update(question=note, answer="")
    Bill.objects.filter(pk__in=ids).update(**fields)
    BillLine.objects.filter(bill_id__in=ids).update(status=LINE_STATUS[action], updated_at=now,
                                                    updated_by=acting.user)
    BillDecision.objects.bulk_create([
        BillDecision(bill_id=pk, action=action, reason_code=reason_code if action == "deny" else "",
                     note=note, at=now, by=acting.user, organisation=acting.organisation)
        for pk in ids])


def decide(bill: Bill, action: str, *, acting: Acting, reason_code: str = "", note: str = "",
           expected: str = BillStatus.SUBMITTED) -> Bill:
    """The payer's decision on one bill (approve, deny or pend). Raises InputError for a
    missing reason or note, StaleBill when the bill is no longer `expected`."""
    if action not in ("approve", "deny", "pend"):
        raise InputError([("action", "approve, deny or pend")])
    if bill.payer_id != acting.organisation.pk or not acting.has_role(Role.PAYER_MANAGER):
        raise PermissionError("only the plan's program managers decide its bills")
    reason_code = reason_code.strip().upper()
    _check(action, reason_code, note)
    with transaction.atomic():
        locked = Bill.objects.select_for_update().filter(pk=bill.pk, status=expected).first()
        if locked is None:
            raise StaleBill(f"Bill {bill.number} was decided meanwhile")
        _apply([locked], action, acting=acting, reason_code=reason_code, note=note)
        audit.record("update", object_type="bill", object_id=str(bill.pk), acting=acting,
                     detail={"decision": action, "number": bill.number, "reason_code": reason_code,
                             "amount": str(bill.amount)})
    if action == "pend":
        notifications.notify(
            Kind.BILL_QUESTION, users=notifications.people_with_role(bill.hub_id, Role.HUB_ADMIN),
            title="{count} bill{s} pended with a question", organisation=acting.organisation,
            body=f"{acting.organisation.name} asks about bill {bill.number}.",
            link=reverse("billing:questions"), acting=acting)
    return Bill.objects.get(pk=bill.pk)


def answer(bill: Bill, text: str, *, acting: Acting) -> Bill:
    """The hub answers the payer's question: the bill goes back to the queue."""
    if bill.hub_id != acting.organisation.pk or not acting.has_role(Role.HUB_ADMIN,
                                                                     Role.HUB_COORDINATOR):
        raise PermissionError("only the hub answers questions on its bills")
    _check("answer", "", text)
    with transaction.atomic():
        locked = Bill.objects.select_for_update().filter(pk=bill.pk,
                                                         status=BillStatus.PENDED).first()
        if locked is None:
            raise StaleBill(f"Bill {bill.number} is not waiting for an answer")
        _apply([locked], "answer", acting=acting, note=text.strip())
        audit.record("update", object_type="bill", object_id=str(bill.pk), acting=acting,
                     detail={"decision": "answer", "number": bill.number})
    return Bill.objects.get(pk=bill.pk)


def bulk_approve(bill_ids: Iterable[int], *, acting: Acting, progress: Any = None) -> BulkResult:
    """Approve the bills `bill_ids` (as confirmed) that are still waiting, in chunks of
    CHUNK, each chunk one transaction; bills decided meanwhile are skipped and counted.
    `progress` (a jobs Progress) is advanced after each chunk when given."""
    if not acting.has_role(Role.PAYER_MANAGER):
        raise PermissionError("only the plan's program managers decide its bills")
    ids = list(bill_ids)
    decided = 0
    sum_amount = Decimal("0.00")
    start = progress.checkpoint.get("next", 0) if progress is not None else 0
    if progress is not None:
        decided = progress.checkpoint.get("decided", 0)
        sum_amount = Decimal(progress.checkpoint.get("amount", "0.00"))
    for at in range(start, len(ids), CHUNK):
        chunk = ids[at:at + CHUNK]
        if progress is not None:
            progress.check_cancelled()
        with transaction.atomic():
            bills = list(Bill.objects.select_for_update()
                         .filter(pk__in=chunk, payer=acting.organisation,
                                 status=BillStatus.SUBMITTED).order_by("pk"))
            if bills:
                _apply(bills, "approve", acting=acting)
                audit.record("update", object_type="bill", object_id="bulk", acting=acting,
                             detail={"decision": "approve", "bills": [b.pk for b in bills],
                                     "numbers": [b.number for b in bills]})
            decided += len(bills)
            sum_amount += sum((b.amount for b in bills), Decimal("0.00"))
            if progress is not None:
                progress.commit(done=min(at + CHUNK, len(ids)),
                                checkpoint={"next": at + CHUNK, "decided": decided,
                                            "amount": str(sum_amount)})
    return BulkResult(decided=decided, skipped=len(ids) - decided, amount=sum_amount)



def bulk_message(result: BulkResult) -> str:
    skipped = (f" {result.skipped:,} skipped: decided by someone else meanwhile."
               if result.skipped else "")
    return f"Approved {result.decided:,} bills, {result.amount:,} in all.{skipped}"
