"""Stored bills to an 837P file: from the models to the core's claims dataclasses
(core/billing/claims.py), written by `core/billing/x12_837.write_837p` and checked with
pyx12 (`core/billing/x12_check.check_837p`) before anything is kept or sent.

Only what payment needs is read: the member's id, name, birth date, sex and address (the
subscriber loop the 837P requires), and per line the ids, codes, units, dates and amounts.
Notes, screening answers and anything else about the member never reach a claim.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from multiprocessing import get_context

from django.conf import settings
from django_scopes import scopes_disabled

from carehub.core.billing.claims import Batch, Claim, Party, ServiceLine, Subscriber
from carehub.core.billing.x12_837 import write_837p
from carehub.core.billing.x12_check import CheckResult, check_837p
from carehub.core.validation import InputError
from carehub.tenancy.models import Organisation

MAX_POINTERS = 4


@dataclass(frozen=True)
class LineOut:
    """A bill line with only the fields a claim carries."""

    line_id: str
    service_date: date
    hcpcs: str
    modifiers: tuple[str, ...]
    units: int
    amount: Decimal
    place_of_service: str
    diagnosis_codes: tuple[str, ...]


@dataclass(frozen=True)
class MemberOut:
    member_id: str
    last_name: str
    first_name: str
    birth_date: date
    sex: str
    address: str
    city: str
    state: str
    zip: str


@dataclass(frozen=True)
class ClaimOut:
    claim_id: str
    member: MemberOut
    lines: tuple[LineOut, ...]


class ClaimFileRefused(InputError):
    """The 837P could not be written or pyx12 refused it; `.errors` names the field or
    the segment."""


def _address(org: Organisation) -> tuple[str, str, str, str, str]:
    """(street, city, state, zip, phone) of the organisation's first site in the directory."""
    from carehub.network.models import Location

    with scopes_disabled():
        site = (Location.objects.filter(organisation=org).exclude(address_1="")
                .order_by("name").first())
    if site is None:
        return "", "", "", "", ""
    return (site.address_1, site.city, (site.state_province or "")[:2].upper(),
            site.postal_code, site.phone)


def _edi_id(org: Organisation) -> str:
    return (org.tin or org.npi or org.slug.replace("-", "").upper())[:15]


def party(org: Organisation, *, billing: bool = False) -> Party:
    street, city, state, zip_code, phone = _address(org)
    digits = "".join(ch for ch in phone if ch.isdigit())[-10:]
    return Party(
        name=org.legal_name or org.name, edi_id=_edi_id(org), npi=org.npi or None,
        tin=org.tin or None,
        # An atypical provider (no NPI) is known by the id the payer assigned it.
        payer_assigned_id=(org.medicaid_id or None) if billing and not org.npi else None,
        address=street, city=city, state=state, zip=zip_code,
        contact_name=org.name, contact_phone=digits)


def diagnosis_layout(lines: Sequence[LineOut]) -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    """The claim's diagnosis codes (first seen first, at most 12) and each line's pointers."""
    codes: list[str] = []
    pointers: dict[str, tuple[int, ...]] = {}
    for line in lines:
        mine: list[int] = []
        for code in line.diagnosis_codes:
            if code not in codes and len(codes) < 12:
                codes.append(code)
            if code in codes and len(mine) < MAX_POINTERS:
                mine.append(codes.index(code) + 1)
        pointers[line.line_id] = tuple(mine) or (1,)
    return tuple(codes), pointers


def claim_of(claim: ClaimOut, payer: Party, filing_indicator: str) -> Claim:
    codes, pointers = diagnosis_layout(claim.lines)
    places = [line.place_of_service for line in claim.lines]
    place = max(set(places), key=places.count) if places else ""
    m = claim.member
    return Claim(
        claim_id=claim.claim_id,
        subscriber=Subscriber(member_id=m.member_id, last_name=m.last_name,
                              first_name=m.first_name, birth_date=m.birth_date, sex=m.sex,
                              address=m.address, city=m.city, state=m.state, zip=m.zip),
        payer=payer, diagnosis_codes=codes, place_of_service=place,
        lines=tuple(ServiceLine(line_id=line.line_id, service_date=line.service_date,
                                hcpcs=line.hcpcs, modifiers=line.modifiers, units=line.units,
                                charge=line.amount, place_of_service=line.place_of_service,
                                diagnosis_pointers=pointers[line.line_id])
                    for line in claim.lines),
        filing_indicator=filing_indicator)


FILING = {"medicaid": "MC", "medicare_advantage": "16", "dsnp": "16", "commercial": "CI"}


def write_file(*, hub: Organisation, payer: Organisation, cbo: Organisation,
               claims: Sequence[ClaimOut], control_number: int, created: datetime,
               filing_indicator: str = "MC", usage: str = "T") -> str:
    """The 837P for `claims` of one CBO, not yet checked; raise ClaimFileRefused naming
    the field when it cannot be written."""
    receiver = party(payer)
    batch = Batch(submitter=party(hub), receiver=receiver, billing_provider=party(cbo, billing=True),
                  claims=tuple(claim_of(c, receiver, filing_indicator) for c in claims),
                  interchange_control_number=control_number, created=created,
                  usage_indicator=usage)
    try:
        return write_837p(batch)
    except InputError as exc:
        raise ClaimFileRefused(exc.errors, source="837P") from None


def write_checked(*, hub: Organisation, payer: Organisation, cbo: Organisation,
                  claims: Sequence[ClaimOut], control_number: int, created: datetime,
                  filing_indicator: str = "MC",
                  usage: str = "T") -> tuple[str, CheckResult]:
    """The 837P for `claims` of one CBO, accepted by pyx12; raise ClaimFileRefused naming
    the field or segment otherwise."""
    text = write_file(hub=hub, payer=payer, cbo=cbo, claims=claims,
                      control_number=control_number, created=created,
                      filing_indicator=filing_indicator, usage=usage)
    return text, checked(text)


def problems_of(result: CheckResult) -> list[tuple[str, str]]:
    """What a refused file's check found, as (where, message) pairs naming segments."""
    return [(problem.where, problem.message) for problem in result.problems] or [
        ("837P", f"rejected ({result.code})")]


def checked(text: str) -> CheckResult:
    result = check_837p(text)
    if not result.accepted:
        raise ClaimFileRefused(problems_of(result), source="837P")
    return result


def check_processes(files: int) -> int:
    """How many processes check `files` files: one a file, at most one a core and at most
    CAREHUB_837_CHECK_PROCESSES."""
    limit = int(getattr(settings, "CAREHUB_837_CHECK_PROCESSES", 2))
    return max(1, min(files, os.cpu_count() or 1, limit))


def check_files(texts: Sequence[str]) -> list[CheckResult]:
    """pyx12's verdict on each file, in order. pyx12 is pure Python and costs about 90 µs a
    segment, so several files are checked in parallel processes; the child runs only the
    pure `check_837p` (spawned, so nothing of Django or its connections is inherited)."""
    workers = check_processes(len(texts))
    if workers == 1:
        return [check_837p(text) for text in texts]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(check_837p, texts))
