"""X12 835 (005010X221A1) remittance: write one (the payer's side, for the demo and tests)
and read one back into plain data matched to our claims.

`parse_835` validates the whole file with pyx12 first and notes each segment's loop in the
same pass; a file pyx12 does not accept, whose amounts are not money or do not balance
(charged - paid = adjustments per claim and line; payment = claims paid - PLB), is refused
whole with the segment named (`RemittanceError`), so nothing of it is posted.

Each claim answer (CLP) carries our claim id (CLP01), its status (1 processed as primary,
2 as secondary, 4 denied, 22 reversal of an earlier payment, with negative amounts), what
was charged and paid, the payer's control number and the adjustments (CAS group, reason,
amount) at claim and at line level; each line (SVC) carries our line id from REF*6R.
The trace number (TRN02), the payment total (BPR02) and the sha256 of the text let a
re-import of the same file be recognised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from carehub.core.billing.claims import Claim, Party, claim_parts, claim_total
from carehub.core.billing.x12_837 import (
    COMPONENT,
    digits,
    isa_gs,
    segment,
    x12_amount,
    x12_number,
    x12_text,
)
from carehub.core.billing.x12_check import VERSION_835, CheckResult, Problem, check_x12
from carehub.core.money import CENT
from carehub.core.validation import InputError

CLAIM_STATUSES = ("1", "2", "3", "4", "19", "20", "21", "22", "23", "25")
ADJUSTMENT_GROUPS = ("CO", "CR", "OA", "PI", "PR")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Adjustment:
    """A CAS triplet: group (CO contractual, PR patient, OA other, PI payer initiated,
    CR correction), claim adjustment reason code (45, 96, ...) and amount."""

    group: str
    reason: str
    amount: Decimal


@dataclass(frozen=True)
class LinePayment:
    """One SVC: the line as billed and what was paid for it; `line_id` is our REF*6R."""

    hcpcs: str
    modifiers: tuple[str, ...]
    charged: Decimal
    paid: Decimal
    units: Decimal | int
    service_date: date | None
    line_id: str | None
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class ClaimPayment:
    """One CLP: the payer's answer to one of our claims."""

    claim_id: str
    status: str
    charged: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    payer_control_number: str
    member_id: str
    patient_last_name: str
    patient_first_name: str = ""
    filing_indicator: str = "MC"
    adjustments: tuple[Adjustment, ...] = ()
    lines: tuple[LinePayment, ...] = ()

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"

    def all_adjustments(self) -> tuple[Adjustment, ...]:
        """Claim-level adjustments, then every line's, in file order."""
        return self.adjustments + tuple(a for line in self.lines for a in line.adjustments)


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction: the payment (BPR), its trace (TRN), payer, payee and claims.

    `sha256` is the hash of the text it was read from (empty when built to be written)."""

    trace_number: str
    payment_total: Decimal
    payment_date: date
    payer: Party
    payee: Party
    claims: tuple[ClaimPayment, ...]
    sha256: str = ""
    # PLB: what the payer takes back (positive) or adds (negative) outside the claims.
    provider_adjustment_total: Decimal = ZERO
    check: CheckResult | None = field(default=None, compare=False, repr=False)

    def payments_by_claim(self) -> dict[str, tuple[ClaimPayment, ...]]:
        """Every CLP per claim id, in file order (a reversal and its corrected payment
        come under the same id)."""
        found: dict[str, list[ClaimPayment]] = {}
        for claim in self.claims:
            found.setdefault(claim.claim_id, []).append(claim)
        return {claim_id: tuple(items) for claim_id, items in found.items()}


class RemittanceError(InputError):
    """An 835 refused whole; `.problems` holds pyx12's findings with their segments."""

    def __init__(self, errors: list[tuple[str, str]], problems: Iterable[Problem] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(errors, source="835")


# -- writing ---------------------------------------------------------------------------------

def _cas_segments(adjustments: Iterable[Adjustment]) -> list[str]:
    """One CAS per group, at most six reason/amount pairs a segment, groups in first-seen
    order."""
    by_group: dict[str, list[Adjustment]] = {}
    for adjustment in adjustments:
        by_group.setdefault(adjustment.group, []).append(adjustment)
    out = []
    for group, items in by_group.items():
        for start in range(0, len(items), 6):
            triplets: list[str] = []
            for item in items[start:start + 6]:
                triplets.extend((item.reason, x12_amount(item.amount), ""))
            out.append(segment("CAS", group, *triplets))
    return out


def _check_remittance(remittance: Remittance) -> None:
    errors: list[tuple[str, str]] = []
    if not x12_text(remittance.trace_number, 50):
        errors.append(("trace_number", "required"))
    if len(digits(remittance.payer.tin)) != 9:
        errors.append(("payer.tin", "required: the payer's nine-digit tax id (TRN03)"))
    if len(digits(remittance.payer.contact_phone)) != 10:
        errors.append(("payer.contact_phone", "required: the payer's ten-digit phone number "
                                              "(PER*BL)"))
    if not (remittance.payee.npi or digits(remittance.payee.tin)):
        errors.append(("payee", "needs an NPI or a tax id"))
    paid = sum((claim.paid for claim in remittance.claims), ZERO)
    if paid != remittance.payment_total:
        errors.append(("payment_total", f"is {remittance.payment_total} but the claims pay "
                                        f"{paid}"))
    if remittance.payment_total < 0:
        errors.append(("payment_total", "a negative balance needs a PLB segment, which this "
                                        "writer does not produce"))
    for index, claim in enumerate(remittance.claims):
        path = f"claims[{index}]"
        if claim.status not in CLAIM_STATUSES:
            errors.append((f"{path}.status", f"must be one of {', '.join(CLAIM_STATUSES)}"))
        adjusted = sum((a.amount for a in claim.all_adjustments()), ZERO)
        if claim.charged - claim.paid != adjusted:
            errors.append((path, f"charged {claim.charged} - paid {claim.paid} must equal the "
                                 f"adjustments {adjusted}"))
        for line_index, line in enumerate(claim.lines):
            line_adjusted = sum((a.amount for a in line.adjustments), ZERO)
            if line.charged - line.paid != line_adjusted:
                errors.append((f"{path}.lines[{line_index}]",
                               f"charged {line.charged} - paid {line.paid} must equal the "
                               f"adjustments {line_adjusted}"))
        for adj_index, adjustment in enumerate(claim.all_adjustments()):
            if adjustment.group not in ADJUSTMENT_GROUPS:
                errors.append((f"{path}.adjustments[{adj_index}].group",
                               f"must be one of {', '.join(ADJUSTMENT_GROUPS)}"))
    if errors:
        raise InputError(errors, source="835")


def write_835(remittance: Remittance, *, sender_id: str, receiver_id: str,
              interchange_control_number: int, created: datetime,
              usage_indicator: str = "T") -> str:
    """`remittance` as an 835 interchange (one transaction set), one segment a line.

    The payment is a check (BPR04 CHK) when the total is above zero, a notice without
    payment (BPR01 H, NON) when it is zero. Raises InputError when the amounts do not
    balance (charged - paid = adjustments, per claim and per line; total = sum paid)."""
    _check_remittance(remittance)
    day = created.strftime("%Y%m%d")
    time = created.strftime("%H%M")
    sender, receiver = x12_text(sender_id, 15), x12_text(receiver_id, 15)
    number = interchange_control_number
    out = isa_gs(functional_id="HP", version=VERSION_835, sender=sender, receiver=receiver,
                 control_number=number, created_date=day, created_time=time,
                 usage=usage_indicator)
    payer, payee = remittance.payer, remittance.payee
    total = remittance.payment_total
    paying = total > 0
    body = [
        segment("ST", "835", "0001"),
        segment("BPR", "I" if paying else "H", x12_amount(total), "C",
                "CHK" if paying else "NON", *([""] * 11),
                remittance.payment_date.strftime("%Y%m%d")),
        segment("TRN", "1", x12_text(remittance.trace_number, 50), "1" + digits(payer.tin)),
        segment("N1", "PR", x12_text(payer.name, 60)),
        segment("N3", x12_text(payer.address, 55)),
        segment("N4", x12_text(payer.city, 30), payer.state, digits(payer.zip)),
        segment("PER", "BL", x12_text(payer.contact_name or payer.name, 60), "TE",
                digits(payer.contact_phone)),
        segment("N1", "PE", x12_text(payee.name, 60),
                *(("XX", payee.npi) if payee.npi else ("FI", digits(payee.tin)))),
    ]
    if remittance.claims:
        body.append(segment("LX", "1"))
    for claim in remittance.claims:
        body.append(segment(
            "CLP", claim.claim_id, claim.status, x12_amount(claim.charged),
            x12_amount(claim.paid),
            x12_amount(claim.patient_responsibility) if claim.patient_responsibility else "",
            x12_text(claim.filing_indicator, 2), x12_text(claim.payer_control_number, 50)))
        body.extend(_cas_segments(claim.adjustments))
        body.append(segment("NM1", "QC", "1", x12_text(claim.patient_last_name, 60),
                            x12_text(claim.patient_first_name, 35), "", "", "", "MI",
                            x12_text(claim.member_id, 80)))
        for line in claim.lines:
            body.append(segment("SVC", COMPONENT.join(("HC", line.hcpcs, *line.modifiers)),
                                x12_amount(line.charged), x12_amount(line.paid), "",
                                x12_number(Decimal(line.units))))
            if line.service_date is not None:
                body.append(segment("DTM", "472", line.service_date.strftime("%Y%m%d")))
            body.extend(_cas_segments(line.adjustments))
            if line.line_id:
                body.append(segment("REF", "6R", x12_text(line.line_id, 50)))
    body.append(segment("SE", str(len(body) + 1), "0001"))
    out.extend(body)
    out.append(segment("GE", "1", str(number)))
    out.append(segment("IEA", "1", f"{number:09d}"))
    return "\n".join(out) + "\n"


# -- a payer's answer, for the demo and tests -------------------------------------------------

def remit_claims(claims: Iterable[Claim], *, payer: Party, payee: Party, trace_number: str,
                 payment_date: date, paid: Mapping[str, Decimal] | None = None,
                 adjustment: tuple[str, str] = ("CO", "45")) -> Remittance:
    """What a payer would send back for `claims`, as they went out (after the 50-line
    split, see `claims.claim_parts`): each line paid in full, or `paid[line_id]` with the
    rest adjusted under `adjustment` (CO-45: charge exceeds the fee schedule). A claim paid
    nothing is denied (status 4). Payer control numbers are `<trace_number>-<n>`."""
    paid = paid or {}
    answers = []
    sent = [part for claim in claims for part in claim_parts(claim)]
    for number, claim in enumerate(sent, start=1):
        lines = []
        for line in claim.lines:
            amount = paid.get(line.line_id, line.charge)
            rest = line.charge - amount
            lines.append(LinePayment(
                hcpcs=line.hcpcs, modifiers=line.modifiers, charged=line.charge, paid=amount,
                units=line.units, service_date=line.service_date, line_id=line.line_id,
                adjustments=(Adjustment(adjustment[0], adjustment[1], rest),) if rest else ()))
        total_paid = sum((line.paid for line in lines), ZERO)
        answers.append(ClaimPayment(
            claim_id=claim.claim_id, status="1" if total_paid else "4",
            charged=claim_total(claim), paid=total_paid, patient_responsibility=ZERO,
            payer_control_number=f"{trace_number}-{number}",
            member_id=claim.subscriber.member_id,
            patient_last_name=claim.subscriber.last_name,
            patient_first_name=claim.subscriber.first_name,
            filing_indicator=claim.filing_indicator, lines=tuple(lines)))
    return Remittance(trace_number=trace_number,
                      payment_total=sum((a.paid for a in answers), ZERO),
                      payment_date=payment_date, payer=payer, payee=payee,
                      claims=tuple(answers))


def reversal_of(payment: ClaimPayment, payer_control_number: str) -> ClaimPayment:
    """The reversal (CLP02 22) of an earlier payment: the same claim and lines with every
    amount negated, under a new payer control number."""
    def negate(adjustments: tuple[Adjustment, ...]) -> tuple[Adjustment, ...]:
        return tuple(Adjustment(a.group, a.reason, -a.amount) for a in adjustments)

    return replace(
        payment, status="22", charged=-payment.charged, paid=-payment.paid,
        patient_responsibility=-payment.patient_responsibility,
        payer_control_number=payer_control_number, adjustments=negate(payment.adjustments),
        lines=tuple(replace(line, charged=-line.charged, paid=-line.paid,
                            adjustments=negate(line.adjustments))
                    for line in payment.lines))


# -- reading ---------------------------------------------------------------------------------

class _Collected:
    """The segment id, loop id and line of every segment, as pyx12 walks them."""

    def __init__(self) -> None:
        self.walked: list[tuple[str, str, int]] = []

    def __call__(self, seg: Any, src: Any, node: Any, valid: bool) -> None:
        parent = node.get_parent() if node is not None else None
        self.walked.append((seg.get_seg_id(), getattr(parent, "id", "") or "",
                            src.get_cur_line()))


class _Seg:
    """A segment's elements split the way pyx12 splits them; `get_value("SVC01-2")` reads
    like pyx12's (reading pyx12's own segment objects costs several times more)."""

    __slots__ = ("seg_id", "elements", "component")

    def __init__(self, raw: str, element: str, component: str) -> None:
        self.elements = raw.split(element)
        self.seg_id = self.elements[0]
        self.component = component

    def get_seg_id(self) -> str:
        return self.seg_id

    def get_value(self, ref: str) -> str | None:
        position, _, part = ref[len(self.seg_id):].partition("-")
        index = int(position)
        if index >= len(self.elements):
            return None
        value = self.elements[index]
        if not part:
            return value
        components = value.split(self.component)
        return components[int(part) - 1] if int(part) <= len(components) else None


def _segments(text: str) -> list[_Seg]:
    """The text's segments as pyx12's reader cuts them (ISA gives the delimiters)."""
    element, component, terminator = text[3], text[104], text[105]
    found = []
    for raw in text.split(terminator):
        raw = raw.lstrip("\n\r").lstrip()
        if not raw:
            break
        found.append(_Seg(raw, element, component))
    return found


class _Reader:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def amount(self, seg: Any, ref: str, line: int, *, required: bool = True) -> Decimal:
        text = seg.get_value(ref) or ""
        if not text:
            if required:
                self.errors.append((f"{seg.get_seg_id()} at segment {line}",
                                    f"{ref} is missing"))
            return ZERO
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value != value.quantize(CENT):
            self.errors.append((f"{seg.get_seg_id()} at segment {line} ({ref})",
                                f"{text!r} is not an amount in cents"))
            return ZERO
        return value.quantize(CENT)

    def number(self, seg: Any, ref: str, line: int) -> Decimal:
        """A quantity; absent means one unit (the guide's default for SVC05)."""
        text = seg.get_value(ref) or "1"
        try:
            return Decimal(text)
        except InvalidOperation:
            self.errors.append((f"{seg.get_seg_id()} at segment {line} ({ref})",
                                f"{text!r} is not a number"))
            return Decimal(1)

    def day(self, seg: Any, ref: str, line: int) -> date | None:
        text = seg.get_value(ref) or ""
        try:
            return datetime.strptime(text, "%Y%m%d").date()
        except ValueError:
            self.errors.append((f"{seg.get_seg_id()} at segment {line} ({ref})",
                                f"{text!r} is not a date"))
            return None


def _adjustments(seg: Any, reader: _Reader, line: int) -> list[Adjustment]:
    group = seg.get_value("CAS01") or ""
    found = []
    for first in range(2, 20, 3):
        reason = seg.get_value(f"CAS{first:02d}")
        if reason:
            found.append(Adjustment(group, reason,
                                    reader.amount(seg, f"CAS{first + 1:02d}", line)))
    return found


def _finish_line(line: dict[str, Any]) -> LinePayment:
    return LinePayment(hcpcs=line["hcpcs"], modifiers=line["modifiers"],
                       charged=line["charged"], paid=line["paid"], units=line["units"],
                       service_date=line["service_date"], line_id=line["line_id"],
                       adjustments=tuple(line["adjustments"]))


def _finish_claim(claim: dict[str, Any]) -> ClaimPayment:
    return ClaimPayment(
        claim_id=claim["claim_id"], status=claim["status"], charged=claim["charged"],
        paid=claim["paid"], patient_responsibility=claim["patient_responsibility"],
        payer_control_number=claim["payer_control_number"], member_id=claim["member_id"],
        patient_last_name=claim["last"], patient_first_name=claim["first"],
        filing_indicator=claim["filing_indicator"], adjustments=tuple(claim["adjustments"]),
        lines=tuple(_finish_line(line) for line in claim["lines"]))


def _balance(reader: _Reader, header: dict[str, Any], claims: list[dict[str, Any]]) -> None:
    """The guide's balancing rules, so nothing that does not add up is posted: per line
    and per claim, charged - paid = adjustments; the payment = the claims paid - PLB."""
    for claim in claims:
        adjusted = sum((a.amount for a in claim["adjustments"]), ZERO)
        for line in claim["lines"]:
            line_adjusted = sum((a.amount for a in line["adjustments"]), ZERO)
            adjusted += line_adjusted
            if line["charged"] - line["paid"] != line_adjusted:
                reader.errors.append((f"SVC at segment {line['at']}",
                                      f"charged {line['charged']} - paid {line['paid']} does "
                                      f"not equal the line's adjustments {line_adjusted}"))
        if claim["charged"] - claim["paid"] != adjusted:
            reader.errors.append((f"CLP at segment {claim['at']}",
                                  f"charged {claim['charged']} - paid {claim['paid']} does not "
                                  f"equal the claim's and its lines' adjustments {adjusted}"))
    paid = sum((claim["paid"] for claim in claims), ZERO) - header.get("plb", ZERO)
    if "total" in header and header["total"] != paid:
        reader.errors.append(("BPR", f"the payment {header['total']} does not equal the claims "
                                     f"paid less provider adjustments (PLB), {paid}"))


def parse_835(text: str) -> Remittance:
    """Validate and read an 835 with one transaction set. Raises RemittanceError (an
    InputError) naming the segments when pyx12 does not accept the file, an amount is not
    money or the amounts do not balance; nothing is returned for a file refused."""
    collected = _Collected()
    result = check_x12(text, VERSION_835, callback=collected)
    if not result.accepted:
        raise RemittanceError([(problem.where, problem.message) for problem in result.problems],
                              result.problems)
    reader = _Reader()
    header: dict[str, Any] = {"payer": {}, "payee": {}, "transactions": 0}
    claims: list[dict[str, Any]] = []
    claim: dict[str, Any] | None = None
    line: dict[str, Any] | None = None
    party = "payer"
    segments = _segments(text)
    if [seg.seg_id for seg in segments] != [seg_id for seg_id, _, _ in collected.walked]:
        # Never expected: pyx12 validated the same text.
        raise RemittanceError([("", "the file's segments could not be read back")])
    for (seg_id, loop, number), seg in zip(collected.walked, segments, strict=True):
        if seg_id == "ST":
            header["transactions"] += 1
        elif seg_id == "BPR":
            header["total"] = reader.amount(seg, "BPR02", number)
            header["date"] = reader.day(seg, "BPR16", number)
        elif seg_id == "TRN":
            header["trace"] = seg.get_value("TRN02") or ""
            header["payer_tin"] = (seg.get_value("TRN03") or "")[1:]
        elif seg_id == "N1":
            party = "payer" if seg.get_value("N101") == "PR" else "payee"
            header[party].update(name=seg.get_value("N102") or "",
                                 id_kind=seg.get_value("N103") or "",
                                 id=seg.get_value("N104") or "")
        elif seg_id == "N3" and loop in ("1000A", "1000B"):
            header[party]["address"] = seg.get_value("N301") or ""
        elif seg_id == "N4" and loop in ("1000A", "1000B"):
            header[party].update(city=seg.get_value("N401") or "",
                                 state=seg.get_value("N402") or "",
                                 zip=seg.get_value("N403") or "")
        elif seg_id == "PER" and loop == "1000A" and seg.get_value("PER01") == "BL":
            header["payer"]["contact_name"] = seg.get_value("PER02") or ""
            for kind, value in (("PER03", "PER04"), ("PER05", "PER06"), ("PER07", "PER08")):
                if seg.get_value(kind) == "TE":
                    header["payer"]["contact_phone"] = seg.get_value(value) or ""
                    break
        elif seg_id == "CLP":
            line = None
            claim = {
                "claim_id": seg.get_value("CLP01") or "", "status": seg.get_value("CLP02") or "",
                "charged": reader.amount(seg, "CLP03", number),
                "paid": reader.amount(seg, "CLP04", number),
                "patient_responsibility": reader.amount(seg, "CLP05", number, required=False),
                "filing_indicator": seg.get_value("CLP06") or "",
                "payer_control_number": seg.get_value("CLP07") or "",
                "member_id": "", "last": "", "first": "", "adjustments": [], "lines": [],
                "at": number,
            }
            claims.append(claim)
        elif seg_id == "PLB":
            for first in range(3, 15, 2):
                if seg.get_value(f"PLB{first:02d}-1"):
                    header["plb"] = header.get("plb", ZERO) + reader.amount(
                        seg, f"PLB{first + 1:02d}", number)
        elif claim is not None and seg_id == "CAS":
            target = line if (loop == "2110" and line is not None) else claim
            target["adjustments"].extend(_adjustments(seg, reader, number))
        elif claim is not None and seg_id == "NM1" and seg.get_value("NM101") == "QC":
            claim.update(last=seg.get_value("NM103") or "", first=seg.get_value("NM104") or "",
                         member_id=seg.get_value("NM109") or "")
        elif claim is not None and seg_id == "SVC":
            modifiers = tuple(m for m in (seg.get_value(f"SVC01-{i}") for i in range(3, 7))
                              if m)
            units = reader.number(seg, "SVC05", number)
            line = {
                "hcpcs": seg.get_value("SVC01-2") or "", "modifiers": modifiers,
                "charged": reader.amount(seg, "SVC02", number),
                "paid": reader.amount(seg, "SVC03", number),
                "units": units, "service_date": None, "line_id": None,
                "adjustments": [], "at": number,
            }
            claim["lines"].append(line)
        elif line is not None and loop == "2110" and seg_id == "DTM" and seg.get_value(
                "DTM01") in ("472", "150"):
            line["service_date"] = reader.day(seg, "DTM02", number)
        elif line is not None and loop == "2110" and seg_id == "REF" and seg.get_value(
                "REF01") == "6R":
            line["line_id"] = seg.get_value("REF02") or ""
    if not reader.errors:  # an amount that is not money would unbalance everything
        _balance(reader, header, claims)
    if header["transactions"] != 1:
        reader.errors.append(("ST", f"expected one transaction set, found "
                                    f"{header['transactions']}"))
    if reader.errors:
        raise RemittanceError(reader.errors)

    payer, payee = header["payer"], header["payee"]
    return Remittance(
        trace_number=header.get("trace", ""),
        payment_total=header.get("total", ZERO),
        payment_date=header.get("date") or date.min,
        payer=Party(name=payer.get("name", ""), tin=header.get("payer_tin") or None,
                    address=payer.get("address", ""), city=payer.get("city", ""),
                    state=payer.get("state", ""), zip=payer.get("zip", ""),
                    contact_name=payer.get("contact_name", ""),
                    contact_phone=payer.get("contact_phone", "")),
        payee=Party(name=payee.get("name", ""),
                    npi=payee.get("id") if payee.get("id_kind") == "XX" else None,
                    tin=payee.get("id") if payee.get("id_kind") == "FI" else None,
                    address=payee.get("address", ""), city=payee.get("city", ""),
                    state=payee.get("state", ""), zip=payee.get("zip", "")),
        claims=tuple(_finish_claim(item) for item in claims),
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        provider_adjustment_total=header.get("plb", ZERO),
        check=result,
    )
