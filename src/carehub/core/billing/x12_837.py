"""Write a `Batch` of claims as one X12 837P (005010X222A1) interchange, ISA to IEA.

One functional group holds the batch; a new transaction set (ST..SE) starts every 5,000
claims, the size the implementation guide recommends. Each claim gets its own subscriber
HL. A claim of more than 50 lines is written as several claims (see `claims.claim_parts`).

Segments end with "~" and a newline, so a segment's number in the file is its line number.
Amounts are written the X12 way, without trailing zeros ("100", "7.9", "123.45"). Free
text is reduced to plain ASCII with the delimiters (* ~ : ^) taken out.

Data that cannot be written (a 21-character claim id, a fifth modifier, a provider with
neither NPI nor payer-assigned id...) is refused with every problem and where it is, before
anything is written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal

from carehub.core.billing.claims import (
    MAX_CLAIM_ID,
    MAX_DIAGNOSES,
    MAX_LINES_PER_CLAIM,
    Batch,
    Claim,
    Party,
    ServiceLine,
    Subscriber,
    claim_parts,
    claim_total,
)
from carehub.core.money import CENT
from carehub.core.validation import InputError

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
SEGMENT = "~"
DELIMITERS = ELEMENT + COMPONENT + REPETITION + SEGMENT

VERSION_837P = "005010X222A1"
# The implementation guide recommends at most 5,000 claims per transaction set.
CLAIMS_PER_TRANSACTION = 5000

_NPI = re.compile(r"^\d{10}$")
_TIN = re.compile(r"^\d{9}$")
_HCPCS = re.compile(r"^[A-Z0-9]{5}$")
_MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
_POS = re.compile(r"^\d{2}$")
_ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?$")
_STATE = re.compile(r"^[A-Z]{2}$")
_ZIP = re.compile(r"^\d{5}(\d{4})?$")


# -- formatting shared with the 835 writer ---------------------------------------------------

def x12_text(value: object, limit: int = 60) -> str:
    """Free text as X12 can carry it: ASCII, no delimiters, single spaces, at most `limit`
    characters (accents are dropped: "Peña" becomes "Pena")."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    text = "".join(" " if (ch in DELIMITERS or not ch.isprintable()) else ch for ch in text)
    return " ".join(text.split())[:limit].strip()


def x12_amount(amount: Decimal | int) -> str:
    """A money amount as an X12 decimal: cents, then no trailing zeros ("7.9", "100")."""
    return x12_number(Decimal(amount).quantize(CENT))


def x12_number(value: Decimal | int) -> str:
    """A decimal number without exponent or trailing zeros: "1.5", "2", "-3.25"."""
    text = f"{Decimal(value):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "-0"):
        return "0"
    return text


def digits(value: str | None) -> str:
    return "".join(ch for ch in (value or "") if ch.isdigit())


def segment(*elements: str) -> str:
    """One segment: elements joined, trailing empty elements dropped, the terminator added."""
    items = list(elements)
    while items and items[-1] == "":
        items.pop()
    return ELEMENT.join(items) + SEGMENT


def isa_gs(*, functional_id: str, version: str, sender: str, receiver: str,
           control_number: int, created_date: str, created_time: str,
           usage: str) -> list[str]:
    """ISA and GS; the group control number is the interchange's."""
    return [
        segment("ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ",
                receiver.ljust(15), created_date[2:], created_time, REPETITION, "00501",
                f"{control_number:09d}", "0", usage, COMPONENT),
        segment("GS", functional_id, sender, receiver, created_date, created_time,
                str(control_number), "X", version),
    ]


# -- checks before writing -------------------------------------------------------------------

def _check_party(errors: list[tuple[str, str]], party: Party, path: str, *,
                 needs_edi_id: bool) -> None:
    if not x12_text(party.name):
        errors.append((f"{path}.name", "required"))
    if needs_edi_id and not (2 <= len(x12_text(party.edi_id, 80)) <= 15):
        errors.append((f"{path}.edi_id", "required: the exchange id, 2 to 15 characters"))


def _check_address(errors: list[tuple[str, str]], path: str, address: str, city: str,
                   state: str, zip_code: str, *, nine_digit_zip: bool = False) -> None:
    if not x12_text(address, 55):
        errors.append((f"{path}.address", "required"))
    if not x12_text(city, 30):
        errors.append((f"{path}.city", "required"))
    if not _STATE.match(state or ""):
        errors.append((f"{path}.state", f"must be a two-letter state code such as CA, got "
                                        f"{state!r}"))
    zip_digits = digits(zip_code)
    if nine_digit_zip and len(zip_digits) != 9:
        errors.append((f"{path}.zip", f"must be the nine-digit ZIP+4 (5010 rule for the "
                                      f"billing provider), got {zip_code!r}"))
    elif not _ZIP.match(zip_digits):
        errors.append((f"{path}.zip", f"must be a five- or nine-digit ZIP code, got "
                                      f"{zip_code!r}"))


def _check_line(errors: list[tuple[str, str]], line: ServiceLine, path: str,
                diagnoses: int) -> None:
    if not line.line_id or len(line.line_id) > 50 or x12_text(line.line_id, 50) != line.line_id:
        errors.append((f"{path}.line_id", "required: 1 to 50 characters, no * ~ : ^"))
    if not _HCPCS.match(line.hcpcs or ""):
        errors.append((f"{path}.hcpcs", f"must be a five-character HCPCS code such as "
                                        f"H0043, got {line.hcpcs!r}"))
    if len(line.modifiers) > 4:
        errors.append((f"{path}.modifiers", f"at most 4 modifiers, got {len(line.modifiers)}"))
    for index, modifier in enumerate(line.modifiers):
        if not _MODIFIER.match(modifier or ""):
            errors.append((f"{path}.modifiers[{index}]",
                           f"must be a two-character modifier such as U6, got {modifier!r}"))
    units = Decimal(line.units)
    if units <= 0:
        errors.append((f"{path}.units", f"must be more than 0, got {line.units}"))
    if line.charge < 0 or line.charge != line.charge.quantize(CENT):
        errors.append((f"{path}.charge", f"must be a non-negative amount in cents, got "
                                         f"{line.charge}"))
    if line.place_of_service is not None and not _POS.match(line.place_of_service):
        errors.append((f"{path}.place_of_service",
                       f"must be a two-digit place of service code, got "
                       f"{line.place_of_service!r}"))
    if not 1 <= len(line.diagnosis_pointers) <= 4:
        errors.append((f"{path}.diagnosis_pointers", "one to four pointers"))
    for pointer in line.diagnosis_pointers:
        if not 1 <= pointer <= diagnoses:
            errors.append((f"{path}.diagnosis_pointers",
                           f"pointer {pointer} names no diagnosis (the claim has {diagnoses})"))


def _check_subscriber(errors: list[tuple[str, str]], who: Subscriber, path: str) -> None:
    if not x12_text(who.member_id, 80):
        errors.append((f"{path}.member_id", "required"))
    if not x12_text(who.last_name):
        errors.append((f"{path}.last_name", "required"))
    if who.sex not in ("F", "M", "U"):
        errors.append((f"{path}.sex", f"must be F, M or U, got {who.sex!r}"))
    _check_address(errors, path, who.address, who.city, who.state, who.zip)


def _check_claim(errors: list[tuple[str, str]], claim: Claim, path: str) -> None:
    parts = -(-len(claim.lines) // MAX_LINES_PER_CLAIM)
    room = MAX_CLAIM_ID - (len(str(parts)) + 1 if parts > 1 else 0)
    if not claim.claim_id or x12_text(claim.claim_id, 80) != claim.claim_id:
        errors.append((f"{path}.claim_id", "required, without * ~ : ^ or spaces at the ends"))
    elif len(claim.claim_id) > room:
        why = (f" (the claim has {len(claim.lines)} lines and is split into {parts} claims "
               f"named {claim.claim_id}-1 ...)" if parts > 1 else "")
        errors.append((f"{path}.claim_id", f"at most {room} characters{why}, "
                                           f"got {len(claim.claim_id)}"))
    _check_subscriber(errors, claim.subscriber, f"{path}.subscriber")
    _check_party(errors, claim.payer, f"{path}.payer", needs_edi_id=True)
    if not 1 <= len(claim.diagnosis_codes) <= MAX_DIAGNOSES:
        errors.append((f"{path}.diagnosis_codes",
                       f"one to {MAX_DIAGNOSES} codes, got {len(claim.diagnosis_codes)}"))
    for index, code in enumerate(claim.diagnosis_codes):
        if not _ICD10.match(code or ""):
            errors.append((f"{path}.diagnosis_codes[{index}]",
                           f"must be an ICD-10-CM code such as Z59.41, got {code!r}"))
    if not _POS.match(claim.place_of_service or ""):
        errors.append((f"{path}.place_of_service",
                       f"must be a two-digit place of service code, got "
                       f"{claim.place_of_service!r}"))
    if not x12_text(claim.filing_indicator, 2):
        errors.append((f"{path}.filing_indicator", "required (MC, MB, CI, 16 ...)"))
    if not claim.lines:
        errors.append((f"{path}.lines", "a claim needs at least one line"))
    for index, line in enumerate(claim.lines):
        _check_line(errors, line, f"{path}.lines[{index}]", len(claim.diagnosis_codes))


def check_batch(batch: Batch) -> None:
    """Raise InputError listing everything that keeps `batch` from being written."""
    errors: list[tuple[str, str]] = []
    _check_party(errors, batch.submitter, "submitter", needs_edi_id=True)
    if len(digits(batch.submitter.contact_phone)) != 10:
        errors.append(("submitter.contact_phone", "required: a ten-digit phone number"))
    _check_party(errors, batch.receiver, "receiver", needs_edi_id=True)
    provider = batch.billing_provider
    _check_party(errors, provider, "billing_provider", needs_edi_id=False)
    if provider.npi is not None and not _NPI.match(provider.npi):
        errors.append(("billing_provider.npi", f"must be ten digits, got {provider.npi!r}"))
    if provider.npi is None and not x12_text(provider.payer_assigned_id or "", 50):
        errors.append(("billing_provider", "needs an NPI or, for an atypical provider, the "
                                           "payer-assigned id (REF*G2)"))
    if not _TIN.match(digits(provider.tin)):
        errors.append(("billing_provider.tin", f"required: the nine-digit tax id, got "
                                               f"{provider.tin!r}"))
    _check_address(errors, "billing_provider", provider.address, provider.city, provider.state,
                   provider.zip, nine_digit_zip=True)
    if not 1 <= batch.interchange_control_number <= 999_999_999:
        errors.append(("interchange_control_number", "must be from 1 to 999999999"))
    if batch.usage_indicator not in ("T", "P"):
        errors.append(("usage_indicator", f"must be T (test) or P (production), got "
                                          f"{batch.usage_indicator!r}"))
    if not batch.claims:
        errors.append(("claims", "a batch needs at least one claim"))
    for index, claim in enumerate(batch.claims):
        _check_claim(errors, claim, f"claims[{index}]")
    if errors:
        raise InputError(errors, source="837P")


# -- writing ---------------------------------------------------------------------------------

def _claim_segments(claim: Claim, hl_number: int, payer_assigned_id: str | None) -> Iterator[str]:
    who = claim.subscriber
    yield segment("HL", str(hl_number), "1", "22", "0")
    yield segment("SBR", "P", "18", "", "", "", "", "", "", x12_text(claim.filing_indicator, 2))
    yield segment("NM1", "IL", "1", x12_text(who.last_name, 60), x12_text(who.first_name, 35),
                  "", "", "", "MI", x12_text(who.member_id, 80))
    yield segment("N3", x12_text(who.address, 55))
    yield segment("N4", x12_text(who.city, 30), who.state, digits(who.zip))
    yield segment("DMG", "D8", who.birth_date.strftime("%Y%m%d"), who.sex)
    yield segment("NM1", "PR", "2", x12_text(claim.payer.name, 60), "", "", "", "", "PI",
                  x12_text(claim.payer.edi_id, 80))
    if payer_assigned_id:
        yield segment("REF", "G2", x12_text(payer_assigned_id, 50))
    yield segment("CLM", claim.claim_id, x12_amount(claim_total(claim)), "", "",
                  COMPONENT.join((claim.place_of_service, "B", "1")), "Y", "A", "Y", "Y")
    codes = [code.replace(".", "") for code in claim.diagnosis_codes]
    yield segment("HI", f"ABK{COMPONENT}{codes[0]}",
                  *(f"ABF{COMPONENT}{code}" for code in codes[1:]))
    for number, line in enumerate(claim.lines, start=1):
        procedure = COMPONENT.join(("HC", line.hcpcs, *line.modifiers))
        # SV105 only when the line's place differs from the claim's (the guide's rule).
        place = line.place_of_service if line.place_of_service not in (
            None, claim.place_of_service) else ""
        yield segment("LX", str(number))
        yield segment("SV1", procedure, x12_amount(line.charge), "UN",
                      x12_number(Decimal(line.units)), place or "", "",
                      COMPONENT.join(str(p) for p in line.diagnosis_pointers))
        yield segment("DTP", "472", "D8", line.service_date.strftime("%Y%m%d"))
        yield segment("REF", "6R", line.line_id)


def write_837p(batch: Batch) -> str:
    """The batch as an 837P interchange (text, one segment a line). Raises InputError
    (source "837P") listing every field that cannot be written."""
    check_batch(batch)
    submitter, receiver, provider = batch.submitter, batch.receiver, batch.billing_provider
    sender_id = x12_text(submitter.edi_id, 15)
    receiver_id = x12_text(receiver.edi_id, 15)
    day = batch.created.strftime("%Y%m%d")
    time = batch.created.strftime("%H%M")
    number = batch.interchange_control_number
    out = isa_gs(functional_id="HC", version=VERSION_837P, sender=sender_id,
                 receiver=receiver_id, control_number=number, created_date=day,
                 created_time=time, usage=batch.usage_indicator)

    parts = [part for claim in batch.claims for part in claim_parts(claim)]
    provider_id: tuple[str, ...] = ("XX", provider.npi) if provider.npi else ()
    transactions = 0
    for start in range(0, len(parts), CLAIMS_PER_TRANSACTION):
        transactions += 1
        control = f"{transactions:04d}"
        body = [
            segment("ST", "837", control, VERSION_837P),
            segment("BHT", "0019", "00", f"{number:09d}{control}", day, time, "CH"),
            segment("NM1", "41", "2", x12_text(submitter.name, 60), "", "", "", "", "46",
                    sender_id),
            segment("PER", "IC", x12_text(submitter.contact_name or submitter.name, 60),
                    "TE", digits(submitter.contact_phone)),
            segment("NM1", "40", "2", x12_text(receiver.name, 60), "", "", "", "", "46",
                    receiver_id),
            segment("HL", "1", "", "20", "1"),
            segment("NM1", "85", "2", x12_text(provider.name, 60), "", "", "", "",
                    *provider_id),
            segment("N3", x12_text(provider.address, 55)),
            segment("N4", x12_text(provider.city, 30), provider.state, digits(provider.zip)),
            segment("REF", "EI", digits(provider.tin)),
        ]
        for hl_number, claim in enumerate(parts[start:start + CLAIMS_PER_TRANSACTION],
                                          start=2):
            body.extend(_claim_segments(claim, hl_number, provider.payer_assigned_id))
        body.append(segment("SE", str(len(body) + 1), control))
        out.extend(body)
    out.append(segment("GE", str(transactions), str(number)))
    out.append(segment("IEA", "1", f"{number:09d}"))
    return "\n".join(out) + "\n"
