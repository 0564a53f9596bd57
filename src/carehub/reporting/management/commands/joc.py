"""carehub joc: joint operating committee tools.

`pack --contract CODE --period YYYY-MM --out FILE.pdf` writes the meeting pack of the
contract's committee for that month: the committee copy (no member ids or names), as the
contract's hub reads it. Without a meeting recorded for the month, the pack still has
its cover, agenda, scorecard and barrier tally (no minutes, story or actions).
"""

from __future__ import annotations

import re
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django_scopes import scope, scopes_disabled

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class Command(BaseCommand):
    help = "Joint operating committee tools: `pack --contract CODE --period YYYY-MM --out FILE.pdf`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        pack = sub.add_parser("pack", help="write a meeting pack as PDF")
        pack.add_argument("--contract", required=True, metavar="CODE")
        pack.add_argument("--period", required=True, metavar="YYYY-MM")
        pack.add_argument("--out", required=True, metavar="FILE.pdf")

    def handle(self, *args: Any, **options: Any) -> None:
        from carehub.contracts.models import Contract
        from carehub.reporting import joc_pack, joc_pack_pdf
        from carehub.reporting.joc_pack_job import write_atomically
        from carehub.reporting.models.joc import Committee, Meeting
        from carehub.tenancy.access import Acting

        period = options["period"]
        if not PERIOD.match(period):
            self._fail(f"--period: {period!r} is not a month YYYY-MM")
        out = Path(options["out"])
        if not out.parent.exists():
            self._fail(f"--out: the folder {str(out.parent)!r} does not exist")
        started = time.perf_counter()
        with scopes_disabled():
            contract = (Contract.objects.select_related("payer", "provider")
                        .filter(code=options["contract"]).first())
            if contract is None:
                self._fail(f"--contract: no contract {options['contract']!r}")
            hub = contract.provider
        acting = Acting.system(hub, role="hub_admin")
        with scope(organisation=hub.pk):
            meeting = (Meeting.objects.filter(committee__contract=contract, period=period)
                       .select_related("committee", "committee__contract", "committee__hub",
                                       "committee__plan").order_by("-starts_at").first())
            if meeting is None:
                committee = (Committee.objects.filter(contract=contract).first()
                             or Committee(contract=contract, hub=hub, plan=contract.payer,
                                          name=f"{contract.code} joint operating committee",
                                          cadence=contract.joc_cadence))
                year, month = (int(x) for x in period.split("-"))
                meeting = Meeting(committee=committee, period=period,
                                  starts_at=timezone.make_aware(datetime(year, month, 28, 10)),
                                  domains=["funnel", "equity", "barriers"])
                self.stderr.write(f"no meeting of {contract.code} for {period}: the pack has "
                                  "no minutes, story or actions")
            pack = joc_pack.build(acting, meeting, for_committee=True)
            built = time.perf_counter()
            body = joc_pack_pdf.render(pack)
        write_atomically(out, body)
        done = time.perf_counter()
        self.stdout.write(f"{out}: {len(body):,} bytes; data {built - started:.1f} s, "
                          f"PDF {done - built:.1f} s, total {done - started:.1f} s")

    def _fail(self, message: str) -> NoReturn:
        sys.stderr.write(f"carehub joc: {message}\n")
        sys.exit(2)
