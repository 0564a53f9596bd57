"""Claims as plain data: what the apps gather from the database and hand to the 837P writer.

Nothing here knows X12; `x12_837` turns a `Batch` into a file. Amounts are `Decimal` with
at most two decimals; identifiers are our own (claim id, line id) so an 835 coming back can
be matched to what was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

# X12 837P 005010X222A1: at most 50 service lines (loop 2400) per claim.
MAX_LINES_PER_CLAIM = 50
# CLM01 (patient control number) is at most 20 characters.
MAX_CLAIM_ID = 20
# HI holds one principal (ABK) and at most 11 other (ABF) diagnosis codes.
MAX_DIAGNOSES = 12


@dataclass(frozen=True)
class Party:
    """An organisation in the exchange: submitter, receiver, billing provider or payer.

    `edi_id` is the id the party is known by in the exchange: the submitter's and the
    receiver's ids (ISA/GS, NM1*41/NM1*40) and the payer id (NM1*PR, qualifier PI).
    A billing provider without an NPI (an atypical provider, such as many community-based
    organisations) is identified by `payer_assigned_id`, sent as REF*G2 in loop 2010BB.
    """

    name: str
    edi_id: str = ""
    npi: str | None = None
    tin: str | None = None
    payer_assigned_id: str | None = None
    address: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    contact_name: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class Subscriber:
    """The member, who is also the patient (SBR02 = 18, self)."""

    member_id: str
    last_name: str
    first_name: str
    birth_date: date
    sex: str  # F, M or U
    address: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class ServiceLine:
    """One billed service; `line_id` is ours and travels as REF*6R so the 835 can name it."""

    line_id: str
    service_date: date
    hcpcs: str
    modifiers: tuple[str, ...]
    units: Decimal | int
    charge: Decimal
    # Blank means the claim's place of service.
    place_of_service: str | None = None
    # 1-based positions in the claim's diagnosis codes, at most four.
    diagnosis_pointers: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class Claim:
    """A claim for one member; `claim_id` (ours, at most 20 characters) becomes CLM01.

    `diagnosis_codes` are ICD-10-CM codes as written (Z59.41); the first is the principal.
    `filing_indicator` is SBR09 (MC Medicaid, MB Medicare Part B, CI commercial, 16 HMO
    Medicare Advantage).
    """

    claim_id: str
    subscriber: Subscriber
    payer: Party
    diagnosis_codes: tuple[str, ...]
    place_of_service: str
    lines: tuple[ServiceLine, ...]
    filing_indicator: str = "MC"


@dataclass(frozen=True)
class Batch:
    """One 837P interchange: every claim of one billing provider to one receiver."""

    submitter: Party
    receiver: Party
    billing_provider: Party
    claims: tuple[Claim, ...]
    interchange_control_number: int
    created: datetime
    usage_indicator: str = "T"  # T test, P production


def claim_parts(claim: Claim) -> tuple[Claim, ...]:
    """The claims actually written for `claim`: itself when it has at most 50 lines, else
    one claim per 50 lines in line order, with ids `<claim_id>-1`, `<claim_id>-2`, ...

    Each part carries every diagnosis code (so the line pointers stay valid) and charges
    the sum of its own lines. The 835 then answers each part under its own id; the line ids
    (REF*6R) still match lines to what was billed.
    """
    if len(claim.lines) <= MAX_LINES_PER_CLAIM:
        return (claim,)
    chunks = [claim.lines[i:i + MAX_LINES_PER_CLAIM]
              for i in range(0, len(claim.lines), MAX_LINES_PER_CLAIM)]
    return tuple(
        Claim(claim_id=f"{claim.claim_id}-{number}", subscriber=claim.subscriber,
              payer=claim.payer, diagnosis_codes=claim.diagnosis_codes,
              place_of_service=claim.place_of_service, lines=chunk,
              filing_indicator=claim.filing_indicator)
        for number, chunk in enumerate(chunks, start=1)
    )


def claim_total(claim: Claim) -> Decimal:
    """CLM02: the sum of the lines' charges."""
    return sum((line.charge for line in claim.lines), Decimal("0.00"))
