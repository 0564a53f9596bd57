"""`carehub notify_due [CHECK ...]`: run the daily notification checks now and say what
they told. The worker runs the same checks on its schedule; this is the thin entry point
for cron or a person. Each check tells nobody twice, so running it again is safe.

Checks: overdue (each team's overdue referrals), renewals (contracts ending within
90/60/30 days), credentials (staff credentials expiring within 30 days), digest (the
daily digest e-mails). Without names, all four, in that order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from carehub.contracts import notices as contract_notices
from carehub.notifications import services as notification_services
from carehub.referrals import notices as referral_notices

CHECKS: dict[str, tuple[Callable[[], int], str]] = {
    "overdue": (referral_notices.notify_overdue, "overdue-work notice"),
    "renewals": (contract_notices.notify_renewals, "renewal notice"),
    "credentials": (contract_notices.notify_credentials, "credential notice"),
    "digest": (notification_services.send_digests, "digest e-mail"),
}


class Command(BaseCommand):
    help = "Run the daily notification checks now (overdue, renewals, credentials, digest)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("checks", nargs="*", metavar="CHECK",
                            help=f"one or more of {', '.join(CHECKS)} (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        unknown = [c for c in options["checks"] if c not in CHECKS]
        if unknown:
            raise CommandError(f"unknown check {', '.join(unknown)}: choose from "
                               f"{', '.join(CHECKS)}")
        for name in options["checks"] or list(CHECKS):
            check, noun = CHECKS[name]
            with transaction.atomic():  # e-mail goes once the check's notices committed
                count = check()
            self.stdout.write(f"{name}: {count} {noun}{'s' if count != 1 else ''}")
