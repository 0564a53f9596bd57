"""`carehub import_members roster FILE --plan SLUG`
`carehub import_members ranked FILE --plan SLUG --contract CODE --service CODE [--hub SLUG]
[--assign]`

Imports a roster (members, enrolment spans) or a ranked eligible list (CSV or Parquet,
columns in docs/data/member-files.md), and with --assign refers its selected rows to the
hub's network. It runs the same job as the upload page (members.roster_import,
referrals.ranked_import) in this process: a progress bar on a terminal, nothing but the
result when piped. Idempotent; every row problem is reported with its row and column, and
nothing is saved when any row is wrong (exit 2). Killed mid-way, the job is taken over
by a worker and finishes from its last chunk.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from carehub.contracts.selectors import contract_in_effect_between
from carehub.jobs.models import Job, JobStatus
from carehub.jobs.services import run_inline
from carehub.members import jobfiles
from carehub.members.tasks import KIND as ROSTER_KIND
from carehub.members.tasks import roster_import_body, roster_import_task
from carehub.referrals.tasks import RANKED_KIND, ranked_import_body, ranked_import_task
from carehub.tenancy.access import Acting
from carehub.tenancy.models import Organisation


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
        parser.add_argument("--chunk", type=int, default=0,
                            help="rows saved per transaction (default 2,000)")

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
        path = Path(opts["file"])
        if not path.is_file():
            self._fail(f"{path}: file not found")
        # The job reads the file where it is; its checksum makes sure a resumed job
        # reads the same file.
        params: dict[str, Any] = {"plan": plan.pk, "file": str(path),
                                  "path": str(path.resolve()),
                                  "sha256": jobfiles.sha256_of(path)}
        if opts["chunk"]:
            params["chunk"] = opts["chunk"]
        # Run as the plan would in a request: under the tenant role with row-level
        # security in force (PostgreSQL), writing only the plan's rows.
        acting = Acting.system(plan)
        if opts["kind"] == "roster":
            job = run_inline(roster_import_body, roster_import_task, kind=ROSTER_KIND,
                             title=f"Roster import: {path.name}", acting=acting, params=params)
            self._stop_unless_done(job, str(path))
            r = job.result
            self.stdout.write(f"{path}: {r['created']} created, {r['updated']} updated, "
                              f"{r['unchanged']} unchanged")
            return
        if not (opts["contract"] and opts["service"]):
            self._fail("a ranked list needs --contract and --service")
        if opts["assign"] and hub is None:
            self._fail("--assign needs --hub")
        params.update(contract_code=opts["contract"], service_code=opts["service"],
                      service_type=opts["service_type"], hub=hub.pk if hub else None,
                      assign=opts["assign"])
        job = run_inline(ranked_import_body, ranked_import_task, kind=RANKED_KIND,
                         title=f"Ranked list import: {path.name}", acting=acting, params=params)
        self._stop_unless_done(job, str(path))
        r = job.result
        self.stdout.write(f"{path}: ranked list {r['ranked_list']} "
                          f"{'stored' if r['ranked_list_new'] else 'already stored'}")
        if opts["assign"]:
            self.stdout.write(f"{r['assigned']} referrals created, {r['already_owned']} "
                              f"already owned, {r['not_selected']} not selected, "
                              f"{r['do_not_contact']} do not contact, "
                              f"{r['refused_count']} refused by the contract's rules")
            for refused in r["refused"]:
                self.stdout.write(f"refused {refused['member']}: {refused['reasons']}")

    def _stop_unless_done(self, job: Job, name: str) -> None:
        if job.status == JobStatus.SUCCEEDED:
            return
        if not job.errors:
            self._fail(job.message)
        for error in job.errors:
            where = error["where"]
            # "file row 3, column x" is written "file: row 3, column x" on the terminal.
            if where.startswith(f"{name} row "):
                where = f"{name}: {where[len(name) + 1:]}"
            print(f"carehub import_members: {where}: {error['message']}", file=sys.stderr)
        raise SystemExit(2)

    def _fail(self, message: str) -> None:
        print(f"carehub import_members: {message}", file=sys.stderr)
        raise SystemExit(2)
