"""`carehub bill --contract CODE --period YYYY-MM --out DIR [--plan SLUG]`

Bills one month of a contract as its hub would from the console, writing into DIR:

- `statement-<period>-<n>.json`: every statement issued for the month (the month is
  settled first: a statement, an adjustment of the differences, or nothing new);
- `edits-<period>.csv`: every line of the month with the edits it fails (reason code,
  field, message, fix), after the lines are built and checked;
- per submission of the month: `837P-<control>.x12` and `lines-<control>.csv` for claims
  (each 837P was accepted by pyx12 before it was kept), `<invoice>.pdf` and `<invoice>.csv`
  for invoices.

Ready lines not yet billed are submitted; running it again submits only what became
ready since and writes the same files again. Carries only what payment needs (no notes,
no screening answers). Exit 0, or 2 with one line per problem on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from carehub.billing import invoices
from carehub.billing.models import Bill, BillLine, Statement, Submission
from carehub.billing.selectors import submissions as reads
from carehub.billing.services import lines, statements, submissions
from carehub.core.spreadsheet import SafeWriter
from carehub.core.validation import InputError
from carehub.referrals.activity import PeriodError, contract_for_activity, period_bounds
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation

EDIT_COLUMNS = ("line", "member_id", "service", "date", "hcpcs", "modifiers", "units",
                "amount", "status", "code", "field", "message", "fix")


class Command(BaseCommand):
    help = "Bill one month of a contract: statement, edits, invoices or 837P files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contract", required=True, help="contract code, e.g. DEMO-MEALS")
        parser.add_argument("--period", required=True, help="month, YYYY-MM")
        parser.add_argument("--out", required=True, help="folder for the files (made if missing)")
        parser.add_argument("--plan", help="the paying plan's organisation slug")

    def handle(self, *args: Any, **opts: Any) -> None:
        period = opts["period"]
        out = Path(opts["out"])
        if out.exists() and not out.is_dir():
            self._fail(f"{out} is not a folder")
        plan = None
        with scopes_disabled():
            if opts.get("plan"):
                plan = Organisation.objects.filter(slug=opts["plan"], kind="payer").first()
                if plan is None:
                    self._fail(f"no health plan with slug {opts['plan']!r}")
            try:
                period_bounds(period)
                contract = contract_for_activity(opts["contract"], plan)
            except PeriodError as exc:
                self._fail(str(exc).splitlines()[0])
            acting = Acting.system(contract.provider)
            try:
                issued = statements.issue_statement(contract, period, acting=acting)
                built = lines.build_lines(contract, period, acting)
                submitted = submissions.submit_month(contract, period, acting)
            except InputError as exc:
                for where, message in exc.errors:
                    print(f"carehub bill: {contract.code} {period}: {where}: {message}"
                          .replace(": : ", ": "), file=sys.stderr)
                raise SystemExit(2) from None
            out.mkdir(parents=True, exist_ok=True)
            written = self._write(out, contract, period, acting)
        self.stdout.write(
            f"{contract.code} {period}: "
            + (f"statement {issued.sequence} ({issued.kind}) issued, total {issued.total}; "
               if issued is not None else "statement unchanged; ")
            + f"lines {built.ready} ready, {built.failing} needing a fix; {submitted.message}")
        for name in written:
            self.stdout.write(f"  {out / name}")

    def _write(self, out: Path, contract: Any, period: str, acting: Acting) -> list[str]:
        written: list[str] = []

        def put(name: str, body: str | bytes) -> None:
            path = out / name
            if isinstance(body, bytes):
                path.write_bytes(body)
            else:
                path.write_text(body, encoding="utf-8")
            written.append(name)

        for statement in Statement.objects.filter(contract=contract, period=period).order_by(
                "sequence"):
            put(f"statement-{period}-{statement.sequence}.json",
                json.dumps(statement.document, indent=2, ensure_ascii=False) + "\n")
        put(f"edits-{period}.csv", _edit_report(contract, period))
        for submission in Submission.objects.filter(contract=contract, period=period).order_by(
                "control_number"):
            bills = Bill.objects.filter(submission=submission).order_by("pk")
            if submission.mode == "claims":
                put(f"837P-{submission.control_number:09d}.x12", submission.document)
                put(f"lines-{submission.control_number:09d}.csv",
                    invoices.lines_csv(reads.doc_lines(bills)))
            else:
                for bill in bills:
                    document = reads.invoice_doc(bill)
                    put(f"{bill.number}.pdf", invoices.invoice_pdf(document))
                    put(f"{bill.number}.csv", invoices.invoice_csv(document))
        return written

    def _fail(self, message: str) -> NoReturn:
        print(f"carehub bill: {message}", file=sys.stderr)
        raise SystemExit(2)


def _edit_report(contract: Any, period: str) -> str:
    import io

    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(EDIT_COLUMNS)
    rows = (BillLine.objects.filter(contract=contract, period=period)
            .select_related("member").order_by("service_date", "pk"))
    for line in rows.iterator(chunk_size=2000):
        base = [line.pk, line.member.member_id, line.service_code, line.service_date.isoformat(),
                line.hcpcs, line.modifiers, line.units, line.amount, line.status]
        for failure in line.failures or [{}]:
            writer.writerow([*base, *(failure.get(k, "") for k in ("code", "field", "message",
                                                                   "fix"))])
    return buffer.getvalue()
