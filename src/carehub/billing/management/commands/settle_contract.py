"""`carehub settle_contract --contract CODE --period YYYY-MM [--plan SLUG]
[--format json|table]`

Issues one month of a contract from the database: the activity `carehub activity` would
write, settled by the contract's terms in force as `carehub settle` would, stored as a
statement (or, for a month issued before, an adjustment of the differences). It runs the
settlement job (`billing.settle`, the same as the settle page) in this process: a
progress bar on a terminal, nothing but the statement when piped. When nothing differs
from what was issued, it says so on stderr and prints nothing. Exit 0 on success, 2 with
one line per problem on stderr.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from carehub.billing.models import Statement
from carehub.billing.tasks_statements import SETTLE_KIND, settle_body, settle_task
from carehub.contracts.models import Contract
from carehub.core.settlement import load_statement
from carehub.jobs.models import JobStatus
from carehub.jobs.services import run_inline
from carehub.referrals.activity import PeriodError, contract_for_activity, period_bounds
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Issue one month of a contract from the database (a statement, as a job)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contract", required=True, help="contract code, e.g. DEMO-MEALS")
        parser.add_argument("--period", required=True, help="month, YYYY-MM")
        parser.add_argument("--plan", help="the paying plan's organisation slug")
        parser.add_argument("--format", choices=("json", "table"), default="json")

    def handle(self, *args: Any, **opts: Any) -> None:
        plan = None
        if opts.get("plan"):
            with scopes_disabled():
                plan = Organisation.objects.filter(slug=opts["plan"], kind="payer").first()
            if plan is None:
                self._fail(f"no health plan with slug {opts['plan']!r}")
        try:
            period_bounds(opts["period"])
            contract: Contract = contract_for_activity(opts["contract"], plan)
        except PeriodError as exc:
            self._fail(str(exc).splitlines()[0])
            return
        period = opts["period"]
        job = run_inline(settle_body, settle_task, kind=SETTLE_KIND,
                         title=f"Settle {contract.code} {period}",
                         acting=Acting.system(contract.payer),
                         params={"contract": contract.pk, "period": period})
        if job.status != JobStatus.SUCCEEDED:
            if not job.errors:
                self._fail(job.message)
            for error in job.errors:
                print(f"carehub settle_contract: {error['where']}: {error['message']}",
                      file=sys.stderr)
            raise SystemExit(2)
        if not job.result.get("issued"):
            print(f"carehub settle_contract: {job.message}", file=sys.stderr)
            return
        with scopes_disabled():
            statement = Statement.objects.get(pk=job.result["statement"])
        data = {k: v for k, v in statement.document.items() if k != "member_lines"}
        if opts["format"] == "table":
            self.stdout.write(load_statement(data).to_table())
        else:
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))

    def _fail(self, message: str) -> None:
        print(f"carehub settle_contract: {message}", file=sys.stderr)
        raise SystemExit(2)
