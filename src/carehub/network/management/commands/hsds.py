"""carehub hsds export DIR | carehub hsds import PATH: the directory as Open Referral HSDS 3.0."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Export or import the network directory as Open Referral HSDS 3.0."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write DIR/services, DIR/organizations, DIR/csv")
        export.add_argument("dir")
        importer = sub.add_parser("import", help="load a JSON file, an export folder or CSV folder")
        importer.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        from carehub.network.export import export_directory
        from carehub.network.hsds_import import HsdsImportError, import_path

        if options["action"] == "export":
            counts = export_directory(Path(options["dir"]))
            self.stdout.write(f"wrote {counts['services']} services and "
                              f"{counts['organizations']} organizations to {options['dir']}")
            return
        path = Path(options["path"])
        if not path.exists():
            sys.stderr.write(f"carehub hsds import: {path}: no such file or folder\n")
            sys.exit(2)
        try:
            result = import_path(path)
        except HsdsImportError as exc:
            sys.stderr.write(f"carehub hsds import: {exc}\n")
            sys.exit(2)
        self.stdout.write(f"imported {result.summary()} from {path}")
