"""Submitting a contract's month: the ready lines not yet billed become bills inside
submissions, in the billing mode of the terms in force on each line's service date.

- claims: per CBO one or more 837P files (the CBO is the billing provider) of at most
  CAREHUB_837_CLAIMS_PER_FILE claims, one claim per member of at most 50 lines; one
  Submission per file. All files are written first, then checked with pyx12 in parallel
  processes; if any file is refused, nothing is stored or sent: the month fails naming
  the CBO, the file and the segment.
- invoice: one aggregate invoice per CBO for the month, all in one invoice run.

The slow part (writing and checking files) runs outside any transaction so that a job's
progress shows; storing is one transaction that first locks the lines and makes sure
they are still the ready lines the files were written from. Everything is audited; a
second submit of the same month finds nothing ready and says so. The console runs this
as the job `billing.submit_month` (tasks_claims.py); tests and the CLI call it directly.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.audit import services as audit
from carehub.billing import x12_out
from carehub.billing.models import Bill, BillLine, LineStatus, Submission
from carehub.billing.services.lines import TermsByDate, insert_rows
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

    def as_dict(self) -> dict[str, Any]:
        return {"submissions": [s.pk for s in self.submissions], "bills": self.bills,
                "lines": self.lines, "total": str(self.total)}


class _Quiet:
    """Progress for a call without a job: says nothing."""

    def stage(self, name: str, total: int | None = None, *, done: int = 0) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        pass


class ReadyLine(NamedTuple):
    """What submitting reads of a ready line: a plain tuple (a month is 100,000 lines;
    model instances would cost seconds to build)."""

    pk: int
    cbo_id: int
    member_id: int
    service_date: date
    service_code: str
    hcpcs: str
    modifiers: str
    units: int
    amount: Decimal
    place_of_service: str
    diagnosis_codes: str


@dataclass
class ClaimFile:
    """One 837P to be: a CBO's claims (member, lines), its place among that CBO's files."""

    cbo_id: int
    number: int
    of: int
    claims: list[tuple[int, list[ReadyLine]]]
    control_number: int = 0
    text: str = ""
    check_code: str = ""


def _check(contract: Contract, acting: Acting) -> None:
    org = acting.organisation
    if org is None or org.pk != contract.provider_id or not acting.has_role(Role.HUB_ADMIN,
                                                                            "system"):
        raise SubmissionError([("contract", "only the hub's administrator submits a month")])


def _next_control_number() -> int:
    top = Submission.objects.aggregate(top=Max("control_number"))["top"] or 0
    return int(top) + 1


def claims_per_file() -> int:
    return max(1, int(getattr(settings, "CAREHUB_837_CLAIMS_PER_FILE", 5000)))


# A CBO's claims are cut into one file a checking process when each part keeps at least
# this many claims: five CBOs' single files on two processes would leave one core idle
# for the last file (a 4,000-claim file takes pyx12 about ten seconds).
MIN_CLAIMS_TO_SHARE = 1000


def claim_files(lines: list[ReadyLine], per_file: int, processes: int = 1) -> list[ClaimFile]:
    """The CBOs' claims (a member's lines, at most 50 a claim) cut into files of at most
    `per_file` claims, CBO by CBO; `lines` come ordered by CBO, member and date. A CBO
    needing several files gets files of even size, and a big CBO at least one file a
    checking process, so that the parallel checks end together."""
    by_cbo: dict[int, dict[int, list[ReadyLine]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        by_cbo[line.cbo_id][line.member_id].append(line)
    files: list[ClaimFile] = []
    for cbo_id, by_member in by_cbo.items():
        claims = [(member_pk, mine[at:at + MAX_LINES_PER_CLAIM])
                  for member_pk, mine in by_member.items()
                  for at in range(0, len(mine), MAX_LINES_PER_CLAIM)]
        count = -(-len(claims) // per_file)
        if len(claims) >= MIN_CLAIMS_TO_SHARE * processes:
            count = -(-count // processes) * processes
        size = -(-len(claims) // count)
        files.extend(ClaimFile(cbo_id=cbo_id, number=n, of=count,
                               claims=claims[(n - 1) * size:n * size])
                     for n in range(1, count + 1) if claims[(n - 1) * size:n * size])
    return files


def submit_month(contract: Contract, period: str, acting: Acting,
                 progress: Any = None) -> SubmitResult:
    """Bill every ready line of the contract's month not yet billed (see module docstring).
    `progress` is a job's Progress (stages: reading, writing, checking, storing)."""
    _check(contract, acting)
    try:
        parse_month(period)
    except ValueError as exc:
        raise SubmissionError([("period", str(exc))]) from None
    step = progress or _Quiet()
    result = SubmitResult()
    step.stage("Reading ready lines")
    with scopes_disabled():
        ready = [ReadyLine._make(row) for row in BillLine.objects.filter(
            contract=contract, period=period, status=LineStatus.READY, bill__isnull=True)
            .order_by("cbo_id", "member_id", "service_date", "pk")
            .values_list(*ReadyLine._fields)]
        if not ready:
            return result
        terms = TermsByDate.of(contract)
        by_mode: dict[str, list[ReadyLine]] = defaultdict(list)
        slugs = dict(Organisation.objects.filter(pk__in={line.cbo_id for line in ready})
                     .values_list("pk", "slug"))
        for line in ready:
            by_mode[terms.mode_on(line.service_date, slugs[line.cbo_id])].append(line)
        now = timezone.now()
        control = _next_control_number()
        claims = by_mode.get("claims", [])
        files = claim_files(claims, claims_per_file(),
                            x12_out.check_processes(len({line.cbo_id for line in claims}) * 2))
        for offset, claim_file in enumerate(files):
            claim_file.control_number = control + offset
        orgs = {org.pk: org for org in Organisation.objects.filter(
            pk__in={contract.provider_id, contract.payer_id, *(f.cbo_id for f in files)})}
        members = {m.pk: m for m in Member.objects.filter(
            pk__in={line.member_id for line in by_mode.get("claims", [])})}
        _write_files(contract, files, orgs, members, now, step)
        _check_files(files, orgs, step)
        step.stage("Storing", total=len(ready))
        try:
            with transaction.atomic():
                _lock(contract, period, ready)
                for claim_file in files:
                    result.submissions.append(
                        _store_claims(contract, period, claim_file, acting, now))
                if "invoice" in by_mode:
                    result.submissions.append(_submit_invoices(
                        contract, period, by_mode["invoice"], acting, now,
                        control + len(files)))
                for submission in result.submissions:
                    result.bills += submission.bills
                    result.lines += submission.lines
                    result.total += submission.total
                audit.record("submit_month", acting=acting, object_type="contract",
                             object_id=str(contract.pk), detail={"period": period,
                                                                  **result.as_dict()})
        except IntegrityError:
            # Another submission took the same control numbers meanwhile.
            raise SubmissionError([("period", "another submission of this contract was "
                                              "stored meanwhile; submit again")]) from None
    step.advance(len(ready))
    return result


def _write_files(contract: Contract, files: list[ClaimFile], orgs: dict[int, Organisation],
                 members: dict[int, Member], now: Any, step: Any) -> None:
    hub, payer = orgs[contract.provider_id], orgs[contract.payer_id]
    for done, claim_file in enumerate(files):
        step.stage(f"Writing files ({done + 1} of {len(files)})", total=len(files), done=done)
        products = {members[member_pk].product for member_pk, _ in claim_file.claims}
        filing = x12_out.FILING.get(products.pop(), "MC") if len(products) == 1 else "MC"
        claims: list[x12_out.ClaimOut] = [
            x12_out.ClaimOut(claim_id=f"{claim_file.control_number}-{sequence}",
                             member=_member_out(members[member_pk]),
                             lines=tuple(_line_out(line) for line in mine))
            for sequence, (member_pk, mine) in enumerate(claim_file.claims, start=1)]
        try:
            claim_file.text = x12_out.write_file(
                hub=hub, payer=payer, cbo=orgs[claim_file.cbo_id], claims=claims,
                control_number=claim_file.control_number, created=now,
                filing_indicator=filing, usage=settings.CAREHUB_X12_USAGE)
        except x12_out.ClaimFileRefused as exc:
            raise _refused(orgs[claim_file.cbo_id], claim_file, exc.errors) from None


def _check_files(files: list[ClaimFile], orgs: dict[int, Organisation], step: Any) -> None:
    if not files:
        return
    step.stage(f"Checking files with pyx12 ({x12_out.check_processes(len(files))} "
               "processes)", total=len(files))
    results = x12_out.check_files([claim_file.text for claim_file in files])
    step.advance(len(files))
    errors: list[tuple[str, str]] = []
    for claim_file, check in zip(files, results, strict=True):
        if check.accepted:
            claim_file.check_code = "accepted"
        else:
            errors.extend(_refused(orgs[claim_file.cbo_id], claim_file,
                                   x12_out.problems_of(check)).errors)
    if errors:
        # Nothing was stored yet: the whole month stays as it was.
        raise SubmissionError(errors)


def _refused(cbo: Organisation, claim_file: ClaimFile,
             problems: list[tuple[str, str]]) -> SubmissionError:
    name = (f"837P for {cbo.name}, file {claim_file.number} of {claim_file.of} "
            f"(control number {claim_file.control_number})")
    return SubmissionError([(f"{name}: {where}" if where else name, message)
                            for where, message in problems])


def _lock(contract: Contract, period: str, ready: list[ReadyLine]) -> None:
    """Lock the month's ready lines; they must be the very lines the files were written
    from (a line corrected or submitted meanwhile makes the files stale)."""
    now_ready = set(BillLine.objects.select_for_update().filter(
        contract=contract, period=period, status=LineStatus.READY, bill__isnull=True)
        .values_list("pk", flat=True))
    if now_ready != {line.pk for line in ready}:
        raise SubmissionError([("period", "lines of this month changed while the files "
                                          "were written; nothing was stored: submit again")])


def _new_submission(contract: Contract, period: str, mode: str, acting: Acting,
                    now: Any, control_number: int) -> Submission:
    return Submission(contract=contract, payer_id=contract.payer_id, hub_id=contract.provider_id,
                      period=period, mode=mode, control_number=control_number,
                      submitted_at=now,
                      submitted_by=acting.user if getattr(acting.user, "pk", None) else None)


def _bill(submission: Submission, kind: str, number: str, cbo_id: int, member_id: int | None,
          lines: list[ReadyLine], now: Any) -> Bill:
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    submission.bills += 1
    submission.lines += len(lines)
    submission.total += amount
    return Bill(
        submission=submission, kind=kind, number=number, contract_id=submission.contract_id,
        payer_id=submission.payer_id, hub_id=submission.hub_id, cbo_id=cbo_id,
        member_id=member_id, period=submission.period,
        services=" ".join(sorted({line.service_code for line in lines})),
        first_service=min(line.service_date for line in lines),
        last_service=max(line.service_date for line in lines),
        line_count=len(lines), amount=amount, submitted_at=now)


def _save_bills(bills: list[tuple[Bill, list[ReadyLine]]]) -> None:
    """Insert the bills and point their lines at them, a few statements per thousands of
    lines (one UPDATE a line would be 100,000 round trips in a big month)."""
    insert_rows([bill for bill, _ in bills], Bill)
    ids = dict(Bill.objects.filter(submission_id__in={bill.submission_id for bill, _ in bills})
               .values_list("number", "pk"))
    for bill, _ in bills:
        bill.pk = ids[bill.number]
    pairs = [(line.pk, bill.pk) for bill, lines in bills for line in lines]
    table = connection.ops.quote_name(BillLine._meta.db_table)
    # PostgreSQL names a VALUES list's columns in the alias; SQLite calls them column1, 2.
    alias = "v(column1, column2)" if connection.vendor == "postgresql" else "v"
    with connection.cursor() as cursor:
        for at in range(0, len(pairs), 5000):
            values = ", ".join(f"({int(line)}, {int(bill)})"
                               for line, bill in pairs[at:at + 5000])
            cursor.execute(
                f"UPDATE {table} SET bill_id = v.column2, status = %s "  # nosec B608
                f"FROM (VALUES {values}) AS {alias} WHERE {table}.id = v.column1",
                [LineStatus.SUBMITTED])


def _store_claims(contract: Contract, period: str, claim_file: ClaimFile, acting: Acting,
                  now: Any) -> Submission:
    submission = _new_submission(contract, period, "claims", acting, now,
                                 claim_file.control_number)
    submission.document = claim_file.text
    submission.sha256 = hashlib.sha256(claim_file.text.encode()).hexdigest()
    submission.check_result = claim_file.check_code
    submission.save()
    bills = [(_bill(submission, "claim", f"{submission.control_number}-{sequence}",
                    claim_file.cbo_id, member_pk, mine, now), mine)
             for sequence, (member_pk, mine) in enumerate(claim_file.claims, start=1)]
    _save_bills(bills)
    submission.save(update_fields=["bills", "lines", "total"])
    audit.record("submit", acting=acting, object_type="submission", object_id=str(submission.pk),
                 detail={"mode": "claims", "cbo": claim_file.cbo_id,
                         "file": f"{claim_file.number} of {claim_file.of}",
                         "bills": submission.bills, "lines": submission.lines,
                         "total": str(submission.total), "sha256": submission.sha256})
    return submission


def _submit_invoices(contract: Contract, period: str, lines: list[ReadyLine], acting: Acting,
                     now: Any, control_number: int) -> Submission:
    submission = _new_submission(contract, period, "invoice", acting, now, control_number)
    submission.save()
    by_cbo: dict[int, list[ReadyLine]] = defaultdict(list)
    for line in lines:
        by_cbo[line.cbo_id].append(line)
    _save_bills([(_bill(submission, "invoice",
                        invoice_number(submission.control_number, sequence),
                        cbo_id, None, mine, now), mine)
                 for sequence, (cbo_id, mine) in enumerate(sorted(by_cbo.items()), start=1)])
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


def _line_out(line: ReadyLine) -> x12_out.LineOut:
    return x12_out.LineOut(line_id=str(line.pk), service_date=line.service_date,
                           hcpcs=line.hcpcs, modifiers=tuple(line.modifiers.split()),
                           units=line.units, amount=line.amount,
                           place_of_service=line.place_of_service,
                           diagnosis_codes=tuple(line.diagnosis_codes.split()))


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
