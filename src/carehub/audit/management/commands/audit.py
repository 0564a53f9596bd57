from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehub.audit.chain import CheckpointError
from carehub.audit.selectors import verify_chain
from carehub.audit.services import CheckpointWriteError, seal

# Findings printed one per line; beyond this many, only the count.
MAX_LINES = 50


class Command(BaseCommand):
    help = ("Audit trail tools. `carehub audit seal` chains new events and appends a checkpoint; "
            "`carehub audit verify` checks the chain with the key and against the checkpoints.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["seal", "verify"])
        parser.add_argument("--checkpoints", type=Path, default=None,
                            help="checkpoint file or log to verify against (default: CAREHUB_AUDIT_CHECKPOINTS)")
        parser.add_argument("--max-unsealed-minutes", type=int, default=15,
                            help="verify: report events left unsealed longer than this (default 15)")
        parser.add_argument("--full", action="store_true",
                            help="seal: look at every event, not only those since the last runs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seal":
            try:
                result = seal(full=options["full"])
            except CheckpointWriteError as exc:
                # The seals are committed; keep the line in the command's output at least.
                self.stdout.write(exc.checkpoint.format())
                raise CommandError(str(exc), returncode=1) from exc
            if result.checkpoint is None:
                self.stdout.write(f"nothing to seal: the chain ends at position {result.position}")
            else:
                self.stdout.write(f"sealed {result.sealed} events; {result.checkpoint.format()}")
            return
        if options["max_unsealed_minutes"] < 0:
            raise CommandError("--max-unsealed-minutes must be 0 or more", returncode=2)
        if options["checkpoints"] is not None and not options["checkpoints"].is_file():
            raise CommandError(f"{options['checkpoints']}: no such checkpoint file", returncode=2)
        try:
            report = verify_chain(options["checkpoints"],
                                  max_unsealed_age=timedelta(minutes=options["max_unsealed_minutes"]))
        except CheckpointError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        summary = (f"{report.sealed} sealed events, {report.unsealed} awaiting the sealer, "
                   f"{report.checkpoints} checkpoints")
        if report.intact:
            self.stdout.write(f"audit chain intact: {summary}")
            return
        for line in report.findings[:MAX_LINES]:
            self.stderr.write(f"audit chain: {line}")
        if len(report.findings) > MAX_LINES:
            self.stderr.write(f"audit chain: ... and {len(report.findings) - MAX_LINES} more findings")
        raise CommandError(f"audit chain broken: {len(report.findings)} findings ({summary})", returncode=1)
