from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django_otp.oath import totp

from carehub.demo.seed import DEMO_TOTP_KEY

WHERE = ("run it in the folder where the demo was seeded (`make demo` or `carehub demo`), "
         "or point CAREHUB_VAR or DATABASE_URL at the demo's database")


class Command(BaseCommand):
    help = "Print the demo hub administrator's current two-factor code (demo key only)."

    def handle(self, *args: Any, **options: Any) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        name = str(connection.settings_dict["NAME"])
        # Opening a SQLite file that is not there would create an empty database.
        if connection.vendor == "sqlite" and not (name.startswith(("file:", ":memory:"))
                                                  or Path(name).is_file()):
            raise CommandError(f"there is no carehub database at {name}; {WHERE}")
        try:
            seeded = TOTPDevice.objects.filter(user__username="hubadmin",
                                               key=DEMO_TOTP_KEY).exists()
        except DatabaseError as exc:  # a database without carehub's tables
            raise CommandError(f"the database at {name} is not a carehub database ({exc}); "
                               f"{WHERE}") from None
        if not seeded:
            raise CommandError("the demo has not been seeded here (run `carehub demo --no-serve`)")
        self.stdout.write(str(totp(bytes.fromhex(DEMO_TOTP_KEY))).zfill(6))
