"""`carehub reset_second_factor USERNAME`: platform staff remove a lost device."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carehub.accounts import services
from carehub.accounts.models import User
from carehub.tenancy.access import Acting


class Command(BaseCommand):
    help = ("Remove every second-factor device of USERNAME (lost or stolen); they set up a "
            "new one at their next sign-in. Audited.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", default="", help="why, for the audit trail (e.g. a ticket number)")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        user = User.objects.filter(username__iexact=username).first() if username else None
        if user is None:
            raise CommandError(f"reset_second_factor: no user named {username!r}", returncode=2)
        try:
            operator = getpass.getuser()
        except (KeyError, OSError):
            operator = ""
        reason = " ".join(filter(None, [options["reason"].strip(), f"operator={operator}" if operator else ""]))
        removed = services.reset_second_factor(user, acting=Acting.system(), via="command",
                                               reason=reason)
        if removed:
            self.stdout.write(f"Removed {removed} device(s) of {user.username}; they set up a new one at their next sign-in.")
        else:
            self.stdout.write(f"{user.username} had no second-factor device; nothing removed.")
