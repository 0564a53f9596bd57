"""The `carehub` command.

Commands that need no database (settlement, studio, analytics, the generator) run as
plain functions so they start fast and work without a configured site. Everything else
is a Django management command behind the same entry point.
"""

from __future__ import annotations

import importlib
import os
import sys

# name -> module with `main(argv: list[str]) -> int`
PURE_COMMANDS: dict[str, str] = {
    "settle": "carehub.commands.settle",
    "studio": "carehub.commands.studio",
    "eligibility": "carehub.commands.eligibility",
    "cost": "carehub.commands.cost",
    "screen": "carehub.commands.screen",
    "measure": "carehub.commands.measure",
    "generate": "carehub.commands.generate",
}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in PURE_COMMANDS:
        module = importlib.import_module(PURE_COMMANDS[args[0]])
        try:
            return int(module.main(args[1:]) or 0)
        except RecursionError:
            # Each reader names the file it could not follow; this is the last line of
            # defence so that no input ever ends in a thousand-line traceback.
            print(f"carehub {args[0]}: input nested too deeply to read", file=sys.stderr)
            return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carehub.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    if not args:
        args = ["help"]
    try:
        execute_from_command_line(["carehub", *args])
    except ImproperlyConfigured as exc:
        # A configuration mistake gets one line, not a traceback.
        print(f"carehub: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
