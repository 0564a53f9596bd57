"""`carehub settle_contract --contract CODE --period YYYY-MM [--plan SLUG]
[--format json|table]`

Settles one month of a contract from the database: the activity `carehub activity` would
write, settled by the contract's terms in force as `carehub settle` would. It runs the
settlement job (`referrals.settle`, the same as the settlement page) in this process, so
the statement is also kept as the job's result; a progress bar on a terminal, nothing but
the statement when piped. Exit 0 on success, 2 with one line per problem on stderr.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.core.settlement import load_statement
from carehub.jobs.models import JobStatus
from carehub.jobs.services import run_inline
from carehub.referrals import statements
from carehub.referrals.activity import PeriodError, contract_for_activity, period_bounds
from carehub.referrals.tasks import SETTLE_KIND, settle_body, settle_task
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Settle one month of a contract from the database (the statement, as a job)."

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
        data = statements.read_statement(job)
        assert data is not None
        if opts["format"] == "table":
            self.stdout.write(load_statement(data).to_table())
        else:
            import json

            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))

    def _fail(self, message: str) -> None:
        print(f"carehub settle_contract: {message}", file=sys.stderr)
        raise SystemExit(2)
