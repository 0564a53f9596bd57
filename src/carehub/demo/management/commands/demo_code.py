from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from carehub.demo.seed import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the demo hub administrator's current two-factor code (demo key only)."

    def handle(self, *args: Any, **options: Any) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if not TOTPDevice.objects.filter(user__username="hubadmin", key=DEMO_TOTP_KEY).exists():
            raise CommandError("the demo has not been seeded here (run `carehub demo --no-serve`)")
        self.stdout.write(str(totp(bytes.fromhex(DEMO_TOTP_KEY))).zfill(6))
