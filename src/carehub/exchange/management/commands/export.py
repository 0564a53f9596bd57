"""`carehub export --org SLUG --format csv|parquet --out PATH [--dictionary]`

Writes the organisation's export bundle (the same job and files as /exchange/export/:
every table it holds, FHIR NDJSON, README.md and manifest.json) to PATH, a .zip, run in
this process with a progress bar on a terminal. Prints the manifest's summary (one line
per file: rows and SHA-256). `--dictionary` prints the data dictionary (Markdown) and
exits. Exit 0 on success, 2 with one line on stderr otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from carehub.exchange.export_bundle import FORMATS, data_dictionary
from carehub.exchange.services.export import EXPORT_KIND
from carehub.exchange.tasks_export import export_body, export_task
from carehub.jobs.models import JobStatus
from carehub.jobs.services import run_inline
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation


class Command(BaseCommand):
    help = "Export all of an organisation's own records as a zip bundle (CSV or Parquet, FHIR NDJSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="the organisation's slug")
        parser.add_argument("--format", choices=FORMATS, default="csv",
                            help="the tables' format (default csv)")
        parser.add_argument("--out", help="where to write the bundle, a .zip")
        parser.add_argument("--dictionary", action="store_true",
                            help="print the data dictionary (Markdown) and exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["dictionary"]:
            self.stdout.write(data_dictionary())
            return
        if not opts.get("org") or not opts.get("out"):
            self._fail("--org and --out are required")
        with scopes_disabled():
            org = Organisation.objects.filter(slug=opts["org"]).first()
        if org is None:
            self._fail(f"no organisation with slug {opts['org']!r}")
            return
        out = Path(opts["out"]).resolve()
        if out.suffix != ".zip":
            self._fail(f"{opts['out']}: the bundle is a zip; name it .zip")
        if out.is_dir():
            self._fail(f"{opts['out']} is a folder; give a file name ending .zip")
        job = run_inline(export_body, export_task, kind=EXPORT_KIND,
                         title=f"Export of {org.name} ({opts['format'].upper()})",
                         acting=Acting.system(org),
                         params={"format": opts["format"], "out": str(out)},
                         show_progress=sys.stderr.isatty())
        if job.status != JobStatus.SUCCEEDED:
            self._fail(job.message)
        for name, rows in job.result["files"].items():
            self.stdout.write(f"{name}\t{rows}")
        self.stdout.write(f"{out}\t{job.result['bytes']} bytes\tsha256 {job.result['sha256']}")

    def _fail(self, message: str) -> None:
        print(f"carehub export: {message}", file=sys.stderr)
        raise SystemExit(2)
