"""`carehub remit FILE --hub SLUG`

Posts an X12 835 remittance for the hub, as its administrator's upload on the remittance
page does: checked whole with pyx12 first (a malformed file is refused, the segment
named, nothing posted), payments and CAS adjustments matched to the hub's bills by claim
number, partial payments and reversals applied, what matches nothing listed. The same
file posted again changes nothing. Prints one line of counts and each unmatched item;
exit 0 when posted (or already posted), 2 with one line per problem on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from carehub.billing.services import remittance
from carehub.core.textinput import TextInputError, read_text
from carehub.core.validation import InputError
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation, OrganisationKind


class Command(BaseCommand):
    help = "Post an 835 remittance file for a hub."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the 835 (X12 005010X221A1)")
        parser.add_argument("--hub", required=True, help="the hub's organisation slug")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        try:
            text = read_text(path)
        except TextInputError as exc:
            self._fail(str(exc))
        with scopes_disabled():
            hub = Organisation.objects.filter(slug=opts["hub"], kind=OrganisationKind.HUB).first()
        if hub is None:
            self._fail(f"no hub with slug {opts['hub']!r}")
        try:
            with scopes_disabled():
                result = remittance.post_835(text, path.name, acting=Acting.system(hub))
        except remittance.AlreadyPosted as exc:
            self.stdout.write(str(exc))
            return
        except InputError as exc:
            for where, message in exc.errors:
                print(f"carehub remit: {path}: {where}: {message}".replace(": : ", ": "),
                      file=sys.stderr)
            raise SystemExit(2) from None
        self.stdout.write(f"{path.name}: {result.matched} matched ({result.partial} partly "
                          f"paid, {result.reversed} reversed, {result.denied} denied), "
                          f"{len(result.unmatched)} unmatched; total "
                          f"{result.remittance.total}")
        for item in result.unmatched:
            self.stdout.write(f"  unmatched: claim {item['claim']} (status {item['status']}, "
                              f"charged {item['charged']}, paid {item['paid']}): {item['why']}")

    def _fail(self, message: str) -> NoReturn:
        print(f"carehub remit: {message}", file=sys.stderr)
        raise SystemExit(2)
