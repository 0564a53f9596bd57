"""carehub contract: contract tools.

`terms CONTRACT_ID [--as-of DATE]` prints the payment terms in force; `remind [--today
DATE]` creates the renewal discussion task of every contract now within its renewal notice
window (once per contract term; safe to run nightly from cron) and prints what it created.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django_scopes import scopes_disabled


class Command(BaseCommand):
    help = ("Contract tools: `terms CODE [--as-of DATE]` prints the terms in force; "
            "`remind [--today DATE]` creates due renewal tasks (nightly).")

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        terms = sub.add_parser("terms", help="print the terms in force on a date (YAML)")
        terms.add_argument("contract_id", metavar="CODE", help="contract code, e.g. DEMO-MEALS")
        terms.add_argument("--as-of", dest="as_of", default=None, help="YYYY-MM-DD, default today")
        remind = sub.add_parser("remind", help="create renewal tasks now due; print them")
        remind.add_argument("--today", default=None, help="YYYY-MM-DD, default today")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "remind":
            self._remind(options["today"])
            return
        from carehub.contracts.models import Contract
        from carehub.contracts.selectors import terms_version_in_force
        from carehub.contracts.services import canonical_terms

        as_of = timezone.localdate()
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError:
                self._fail(f"--as-of: {options['as_of']!r} is not a date YYYY-MM-DD")
        with scopes_disabled():
            contract = Contract.objects.filter(code=options["contract_id"]).first()
            if contract is None:
                self._fail(f"no contract {options['contract_id']!r}")
            version = terms_version_in_force(contract, as_of)
            if version is None:
                self._fail(f"{contract.code}: no terms in force on {as_of}")
        self.stdout.write(f"# {contract.code} terms v{version.version}, effective "
                          f"{version.effective}, in force on {as_of}")
        self.stdout.write(canonical_terms(version.document), ending="")

    def _remind(self, today_text: str | None) -> None:
        from carehub.contracts.services import prompt_all_renewals

        today = timezone.localdate()
        if today_text:
            try:
                today = date.fromisoformat(today_text)
            except ValueError:
                self._fail(f"--today: {today_text!r} is not a date YYYY-MM-DD")
        with scopes_disabled():
            created = prompt_all_renewals(today)
            for task in created:
                contract = task.contract
                self.stdout.write(f"{contract.code}: renewal task created, due {task.due} "
                                  f"(ends {contract.ends}, {contract.renewal_notice_months} "
                                  f"months' notice)")
        self.stdout.write(f"{len(created)} renewal task{'s' if len(created) != 1 else ''} "
                          f"created on {today}")

    def _fail(self, message: str) -> NoReturn:
        sys.stderr.write(f"carehub contract: {message}\n")
        sys.exit(2)
