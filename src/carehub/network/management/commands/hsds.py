"""carehub hsds export DIR | carehub hsds import PATH: the directory as Open Referral HSDS 3.0."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, NoReturn

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
        from carehub.network.hsds_import import HsdsImportError
        from carehub.network.services import import_hsds
        from carehub.tenancy.access import Acting

        if options["action"] == "export":
            self._export(Path(options["dir"]))
            return
        path = Path(options["path"])
        if not path.exists():
            _fail("import", f"{path}: no such file or folder")
        try:
            result = import_hsds(path, acting=Acting.system())
        except HsdsImportError as exc:
            _fail("import", str(exc))
        self.stdout.write(f"imported {result.summary()} from {path}")

    def _export(self, folder: Path) -> None:
        from carehub.network.export import export_directory

        for existing in (folder, *folder.parents):
            if existing.exists():
                if not existing.is_dir():
                    _fail("export", f"{existing}: is a file, not a folder")
                break
        # The first folder this export creates: removed again if the export fails, so a
        # failed export leaves nothing behind.
        created = folder
        while not created.parent.exists():
            created = created.parent
        existed = folder.exists()
        try:
            counts = export_directory(folder)
        except OSError as exc:
            if not existed:
                shutil.rmtree(created, ignore_errors=True)
            where = exc.filename or folder
            _fail("export", f"{where}: cannot write: {exc.strerror or exc}")
        self.stdout.write(f"wrote {counts['services']} services and "
                          f"{counts['organizations']} organizations to {folder}")


def _fail(action: str, message: str) -> NoReturn:
    sys.stderr.write(f"carehub hsds {action}: {message}\n")
    sys.exit(2)
