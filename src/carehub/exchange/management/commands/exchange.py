"""carehub exchange: the file exchange.

`run [--data-set ID] [--org SLUG]` processes what waits in the drop folders (and pulls
from SFTP first), writes the outbound files due, and prints one line per file with its
receipt. Exit 2 when a file was refused or could not be sent.
`send --data-set ID --period YYYY-MM|YYYY-MM-DD` writes (and, for SFTP, puts) an outbound
data set's file for that period.
`due` brings the late and missing checks up to date now (the worker does it daily).
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled


class Command(BaseCommand):
    help = "The file exchange: `run`, `send --data-set ID --period YYYY-MM`, `due`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="process the drop folders and SFTP pick-ups")
        run.add_argument("--data-set", type=int, metavar="ID")
        run.add_argument("--org", metavar="SLUG", help="only this organisation's contracts")
        run.add_argument("--settle", type=float, default=None, metavar="SECONDS",
                         help="leave files changed less than this long ago (default 2)")
        send = sub.add_parser("send", help="write an outbound data set's file for a period")
        send.add_argument("--data-set", type=int, required=True, metavar="ID")
        send.add_argument("--period", required=True, metavar="YYYY-MM")
        sub.add_parser("due", help="check late and missing files now")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "run":
            self._run(options)
        elif action == "send":
            self._send(options)
        else:
            from carehub.exchange.services.deliveries_due import check_due

            done = check_due()
            self.stdout.write(f"{done.periods} periods of {done.data_sets} data sets checked; "
                              f"{done.late} without a file; {done.told} notices given")

    def _run(self, options: dict[str, Any]) -> None:
        from carehub.exchange.services.deliveries_run import data_sets, run_exchange

        if options["data_set"] is not None and not data_sets(data_set_id=options["data_set"]):
            self._fail(f"--data-set: no active data set {options['data_set']}")
        lines = run_exchange(data_set_id=options["data_set"], org_slug=options["org"],
                             settle=options["settle"], show_progress=sys.stderr.isatty())
        for line in lines:
            self.stdout.write(str(line))
        if not lines:
            self.stdout.write("nothing waiting")
        if any(not line.ok for line in lines):
            raise SystemExit(2)

    def _send(self, options: dict[str, Any]) -> None:
        from carehub.exchange.models import DataSet, Direction
        from carehub.exchange.services.deliveries_periods import parse_period
        from carehub.exchange.services.deliveries_run import send_line

        with scopes_disabled():
            data_set = (DataSet.objects.select_related("contract", "contract__provider",
                                                       "counterparty")
                        .filter(pk=options["data_set"]).first())
        if data_set is None:
            self._fail(f"--data-set: no data set {options['data_set']}")
        if data_set.direction != Direction.OUT:
            self._fail(f"--data-set: {data_set.name} is inbound; nothing is sent")
        try:
            period = parse_period(data_set.cadence, options["period"])
        except ValueError as exc:
            self._fail(f"--period: {exc}")
        try:
            line = send_line(data_set, period, delivered_by="carehub exchange send")
        except ValueError as exc:
            self._fail(str(exc))
        self.stdout.write(str(line))
        if not line.ok:
            raise SystemExit(2)

    def _fail(self, message: str) -> NoReturn:
        sys.stderr.write(f"carehub exchange: {message}\n")
        raise SystemExit(2)
