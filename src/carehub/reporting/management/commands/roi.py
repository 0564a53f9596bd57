"""`carehub roi --contract CODE --roster R --claims C --out DIR [--engine duckdb|spark]
[--baseline-months 6 --follow-up-months 6 --bootstrap 1000 --seed N --paid AMOUNT]`

Estimates a contract's ROI: the program members and their enrolment dates come from the
database, the utilisation and cost from the roster and claims extracts. It runs the ROI
job (`reporting.roi`, the same as the ROI page) in this process and records the run, so
the page shows it; writes `roi.json` (the whole result) and `roi.csv` (one row per
measure with its interval) into DIR. Exit 0 on success, 2 with one line on stderr
(unknown contract, a bad file with its row and column, bad options).
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django_scopes import scopes_disabled

from carehub.analytics.engines import ENGINES
from carehub.analytics.roi import RoiError, RoiOptions
from carehub.analytics.roi_tables import result_rows
from carehub.contracts.models import Contract
from carehub.jobs.models import JobStatus
from carehub.jobs.services import run_inline
from carehub.reporting.exports import csv_bytes
from carehub.reporting.models import RoiRun
from carehub.reporting.services import roi as services
from carehub.reporting.tasks_roi import roi_body, roi_task
from carehub.tenancy.access import Acting


class Command(BaseCommand):
    help = "Estimate a contract's ROI from the plan's roster and claims extracts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contract", required=True, help="contract code, e.g. DEMO-MEALS")
        parser.add_argument("--roster", required=True, type=Path)
        parser.add_argument("--claims", required=True, type=Path)
        parser.add_argument("--out", required=True, type=Path, help="folder for roi.json and roi.csv")
        parser.add_argument("--engine", choices=ENGINES, default="duckdb")
        parser.add_argument("--baseline-months", type=int, default=6)
        parser.add_argument("--follow-up-months", type=int, default=6)
        parser.add_argument("--bootstrap", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=RoiOptions.seed)
        parser.add_argument("--paid", help="paid to the hub and CBOs, when no statements exist")

    def handle(self, *args: Any, **opts: Any) -> None:
        with scopes_disabled():
            contract = (Contract.objects.select_related("payer", "provider")
                        .filter(code=opts["contract"]).first())
        if contract is None:
            self._fail(f"no contract with code {opts['contract']!r}")
            return
        out: Path = opts["out"]
        if out.exists() and not out.is_dir():
            self._fail(f"--out {out}: not a folder")
        if not out.parent.is_dir():
            self._fail(f"--out {out}: its folder {out.parent} does not exist")
        for name in ("roster", "claims"):
            if not opts[name].exists():
                self._fail(f"--{name} {opts[name]}: no such file")
        paid = None
        if opts.get("paid"):
            try:
                paid = Decimal(opts["paid"])
            except InvalidOperation:
                self._fail(f"--paid {opts['paid']!r} is not an amount")
        options = RoiOptions(baseline_months=opts["baseline_months"],
                             follow_up_months=opts["follow_up_months"],
                             bootstrap=opts["bootstrap"], seed=opts["seed"], paid=paid)
        acting = Acting.system(contract.payer)
        try:
            with transaction.atomic():
                run = services.create_run(contract, roster=opts["roster"].resolve(),
                                          claims=opts["claims"].resolve(), options=options,
                                          acting=acting, engine=opts["engine"])
        except RoiError as exc:
            self._fail(str(exc))
            return
        job = run_inline(roi_body, roi_task, kind=services.KIND,
                         title=f"ROI: {contract.code}", acting=acting, params={"run": run.pk},
                         show_progress=sys.stderr.isatty())
        if job.status != JobStatus.SUCCEEDED:
            detail = job.errors[0]["message"] if job.errors else job.message
            self._fail(detail)
        run = RoiRun.objects.get(pk=run.pk)
        out.mkdir(exist_ok=True)
        header, rows = result_rows(run.results)
        (out / "roi.json").write_text(json.dumps(run.results, indent=2, ensure_ascii=False) + "\n")
        (out / "roi.csv").write_bytes(csv_bytes(header, rows))
        did = run.results["did"]["allowed_pmpm"]
        self.stdout.write(f"{contract.code}: allowed PMPM difference in differences "
                          f"{did['estimate']} (95% interval {did['low']} to {did['high']}); "
                          f"wrote {out / 'roi.json'} and {out / 'roi.csv'}")

    def _fail(self, message: str) -> None:
        print(f"carehub roi: {message}", file=sys.stderr)
        raise SystemExit(2)
