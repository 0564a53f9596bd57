from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehub.audit.selectors import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools. `carehub audit verify` walks the hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.intact:
            self.stdout.write(f"audit chain intact: {report.events} events")
            return
        raise CommandError(f"audit chain broken at event {report.broken_at}: {report.problem}", returncode=1)
