from __future__ import annotations

import base64
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from carehub.audit.services import seal as seal_audit_events
from carehub.demo import seed as demo


class Command(BaseCommand):
    help = "Migrate, seed the demo network and serve it at http://127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="seed and exit")
        parser.add_argument("--members", type=int, default=demo.DEMO_MEMBERS)
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["members"] <= 0:
            self.stderr.write("--members must be a positive whole number")
            raise SystemExit(2)
        call_command("migrate", verbosity=0, interactive=False)
        demo.seed(members=options["members"], log=lambda s: self.stdout.write(f"  {s}"))
        # Chain the seed's audit events now, so `carehub audit verify` passes straight away.
        sealed = seal_audit_events()
        self.stdout.write(f"  audit chain sealed to position {sealed.position}")
        secret = base64.b32encode(bytes.fromhex(demo.DEMO_TOTP_KEY)).decode()
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})")
        for username, what in demo.logins():
            self.stdout.write(f"  {username:<12} {what}")
        self.stdout.write(
            f"\nhubadmin signs in with a second factor: add the key {secret} to an authenticator app,\n"
            "or run `carehub demo_code` for the current six-digit code.\n"
        )
        if not options["no_serve"]:
            self.stdout.write(f"Serving the demo at http://{options['addr']}/ (Ctrl-C stops it)")
            call_command("runserver", options["addr"], use_reloader=False, insecure_serving=True)
