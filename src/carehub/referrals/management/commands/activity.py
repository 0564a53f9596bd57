"""`carehub activity --contract CODE --period YYYY-MM [--plan SLUG] [--out FILE]`: the
contract's activity JSON for one month, from the database (the input of `carehub settle`).
Only the referrals under the contract (by key) of its payer count; with `--plan`, the
contract must be that plan's."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from carehub.core.activity import ActivityError, load_activity
from carehub.referrals.activity import PeriodError, build_activity
from carehub.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Write one month's activity JSON for a contract (the input of carehub settle)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contract", required=True, help="contract code, e.g. DEMO-MEALS")
        parser.add_argument("--period", required=True, help="month, YYYY-MM")
        parser.add_argument("--plan", help="the paying plan's organisation slug")
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args: Any, **opts: Any) -> None:
        from django_scopes import scopes_disabled

        code = opts["contract"]
        plan = None
        if opts.get("plan"):
            with scopes_disabled():
                plan = Organisation.objects.filter(slug=opts["plan"], kind="payer").first()
            if plan is None:
                self._fail(f"no health plan with slug {opts['plan']!r}")
        try:
            data = build_activity(code, opts["period"], plan=plan)
            load_activity(data)  # the engine's own check: never write what it would refuse
        except (PeriodError, ActivityError) as exc:
            self._fail(str(exc).splitlines()[0])
        text = json.dumps(data, indent=2) + "\n"
        if not opts.get("out"):
            self.stdout.write(text, ending="")
            return
        target = Path(opts["out"])
        if not target.parent.is_dir():
            self._fail(f"{target.parent} does not exist")
        if target.is_dir():
            self._fail(f"{target}: is a folder; give a file name")
        tmp = ""
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                       suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except OSError as exc:
            self._fail(f"{target}: cannot write: {exc.strerror or exc}")
        finally:
            if tmp and os.path.exists(tmp):
                os.unlink(tmp)
        self.stderr.write(f"wrote {target}: {len(data['services'])} service lines, "
                          f"{len(data['attribution'])} members attributed")

    def _fail(self, message: str) -> None:
        print(f"carehub activity: {message}", file=sys.stderr)
        raise SystemExit(2)

