"""`carehub import_members roster FILE --plan SLUG`
`carehub import_members ranked FILE --plan SLUG --contract CODE --service CODE [--hub SLUG]
[--assign]`

Imports a roster (members, enrolment spans) or a ranked eligible list (CSV or Parquet,
columns in docs/data/member-files.md). Idempotent; every row problem is reported with its row and
column, and nothing is saved when any row is wrong.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from carehub.contracts.selectors import contract_in_effect_between
from carehub.members.imports import ImportProblem, parse_ranked_list, parse_roster, read_table
from carehub.members.services import import_roster
from carehub.referrals.services import ReferralError, assign_ranked_list, save_ranked_list
from carehub.tenancy.access import Acting, network_cbos
from carehub.tenancy.models import Organisation
from carehub.tenancy.rls import tenant_connection


class Command(BaseCommand):
    help = "Import a roster or a ranked eligible list (CSV or Parquet)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=("roster", "ranked"))
        parser.add_argument("file")
        parser.add_argument("--plan", required=True, help="the plan's organisation slug")
        parser.add_argument("--contract", default="")
        parser.add_argument("--service", default="")
        parser.add_argument("--service-type", default="")
        parser.add_argument("--hub", help="hub slug whose network receives the referrals")
        parser.add_argument("--assign", action="store_true",
                            help="create referrals for the selected rows")

    def handle(self, *args: Any, **opts: Any) -> None:
        with scopes_disabled():
            plan = Organisation.objects.filter(slug=opts["plan"], kind="payer").first()
            if plan is None:
                self._fail(f"no health plan with slug {opts['plan']!r}")
                return
            hub = None
            if opts.get("hub"):
                hub = Organisation.objects.filter(slug=opts["hub"], kind="hub").first()
                # The plan sends work only to a hub it has a contract in effect with;
                # an unknown hub and one without such a contract get the same answer.
                if hub is None or contract_in_effect_between(plan, hub) is None:
                    self._fail(f"{plan.name} has no contract in effect with a hub "
                               f"{opts['hub']!r}")
            # Imports run as the plan would in a request: under the tenant role with
            # row-level security in force (PostgreSQL), writing only the plan's rows.
            with tenant_connection(plan.pk):
                self._import(plan, hub, opts)

    def _import(self, plan: Organisation, hub: Organisation | None, opts: dict[str, Any]) -> None:
        path = Path(opts["file"])
        try:
            rows = read_table(path)
            if opts["kind"] == "roster":
                done = import_roster(plan, parse_roster(str(path), rows), source=str(path),
                                     acting=Acting.system(plan))
                self.stdout.write(f"{path}: {done.created} created, {done.updated} "
                                  f"updated, {done.unchanged} unchanged")
                return
            if not (opts["contract"] and opts["service"]):
                self._fail("a ranked list needs --contract and --service")
            ranked, made = save_ranked_list(
                plan, parse_ranked_list(str(path), rows), name=path.name,
                contract_code=opts["contract"], service_code=opts["service"],
                service_type=opts["service_type"], hub=hub, source_bytes=path.read_bytes(),
                acting=Acting.system(plan))
        except ImportProblem as exc:
            for line in exc.describe().splitlines():
                print(f"carehub import_members: {line}", file=sys.stderr)
            raise SystemExit(2) from None
        except ReferralError as exc:
            self._fail(str(exc))
        self.stdout.write(f"{path}: ranked list {ranked.pk} "
                          f"{'stored' if made else 'already stored'}")
        if opts["assign"]:
            if hub is None:
                self._fail("--assign needs --hub")
                return
            try:
                result = assign_ranked_list(ranked, list(network_cbos(hub).order_by("name")),
                                            acting=Acting.system(plan))
            except ReferralError as exc:
                self._fail(str(exc))
                return
            self.stdout.write(f"{result.created} referrals created, {result.already_owned} "
                              f"already owned, {result.not_selected} not selected, "
                              f"{result.do_not_contact} do not contact, "
                              f"{len(result.refused)} refused by the contract's rules")
            for refused in result.refused:
                self.stdout.write(f"refused {refused.member_id}: "
                                  + " ".join(p.message for p in refused.problems))

    def _fail(self, message: str) -> None:
        print(f"carehub import_members: {message}", file=sys.stderr)
        raise SystemExit(2)
