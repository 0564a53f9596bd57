"""`carehub scorecard --contract CODE --period YYYY-MM|YYYY-Qn|YYYY|FROM..TO
[--by cbo|race|ethnicity|language|county|age_band|product] [--format json|table|csv]
[--shared] [--refresh]`

Prints a contract's scorecard from the database: for each measure its counts, rate,
goal and status (the definitions are `carehub.core.scorecard.measures`, the same words
as the pages and the pack). `--by` prints one card per CBO or sub-population value;
`--shared` hides counts under 11 as a shared report must; `--refresh` brings the
contract's precomputed facts up to date first (a contract never refreshed is refreshed
anyway). A bare year is the contract year starting that year when the contract has a
start date. Exit 0; 2 with one line on stderr for an unknown contract, a bad period or a
bad option.
"""

from __future__ import annotations

import csv
import json
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.core.scorecard.card import Card, Figure
from carehub.core.scorecard.periods import PERIOD_HELP, PeriodError, parse_period
from carehub.core.spreadsheet import safe_row
from carehub.reporting.selectors import scorecard as selectors
from carehub.reporting.services.scorecard import refresh_contract
from carehub.tenancy.access import Acting

FORMATS = ("json", "table", "csv")
COLUMNS = ["measure", "name", "numerator", "denominator", "rate", "value", "goal", "status"]


def _figure(f: Figure) -> dict[str, Any]:
    return {"measure": f.measure.key, "name": f.measure.name,
            "numerator": f.numerator_text if f.suppressed else f.numerator,
            "denominator": f.denominator_text if f.suppressed else f.denominator,
            "rate": f.rate_text, "value": f.value_text, "goal": f.goal_text,
            "status": f.status}


def _card(card: Card) -> dict[str, Any]:
    return {"figures": [_figure(f) for f in card.figures]}


class Command(BaseCommand):
    help = "Print a contract's scorecard for a period: counts, rates, goals and statuses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contract", required=True, help="contract code, e.g. DEMO-MEALS")
        parser.add_argument("--period", required=True, help=PERIOD_HELP)
        parser.add_argument("--by", help=f"split: {', '.join(selectors.SPLITS)}")
        parser.add_argument("--format", default="table", help="json, table (default) or csv")
        parser.add_argument("--shared", action="store_true",
                            help="hide counts under 11, as in reports shared beyond the "
                                 "organisations holding the records")
        parser.add_argument("--refresh", action="store_true",
                            help="bring the contract's scorecard facts up to date first")

    def handle(self, *args: Any, **opts: Any) -> None:
        fmt = opts["format"]
        if fmt not in FORMATS:
            self._fail(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
        by = opts.get("by")
        if by and by not in selectors.SPLITS:
            self._fail(f"--by {by!r} is not one of {', '.join(selectors.SPLITS)}")
        with scopes_disabled():
            contract = Contract.objects.filter(code=opts["contract"]).first()
        if contract is None:
            self._fail(f"no contract with the code {opts['contract']!r}")
        try:
            period = parse_period(opts["period"], contract_start=contract.starts)
        except PeriodError as error:
            self._fail(str(error))
        # A trusted operator's read: acting for the contract's provider, a party to it.
        acting = Acting.system(contract.provider)
        if opts["refresh"] or selectors.as_of(contract) is None:
            refresh_contract(contract, acting=acting)
        shared = opts["shared"]
        total = selectors.card(acting, contract, period, shared=shared)
        groups = (selectors.split(acting, contract, period, by, shared=shared) if by else [])
        getattr(self, f"_{fmt}")(contract, total, groups, by)

    def _json(self, contract: Contract, total: Card, groups: list[tuple[str, Card]],
              by: str | None) -> None:
        out: dict[str, Any] = {
            "contract": contract.code, "period": {
                "code": total.period.code, "kind": total.period.kind,
                "start": total.period.start.isoformat(), "end": total.period.end.isoformat(),
                "label": total.period.label},
            "as_of": total.as_of.isoformat(), "shared": total.shared, **_card(total)}
        if by:
            out["by"] = by
            out["groups"] = [{"group": label, **_card(c)} for label, c in groups]
        self.stdout.write(json.dumps(out, indent=2, ensure_ascii=False))

    def _csv(self, contract: Contract, total: Card, groups: list[tuple[str, Card]],
             by: str | None) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(["contract", "period", "group", *COLUMNS])
        for label, c in [("All", total), *groups]:
            for f in c.figures:
                row = _figure(f)
                writer.writerow(safe_row([contract.code, total.period.code, label,
                                          *(row[k] for k in COLUMNS)]))

    def _table(self, contract: Contract, total: Card, groups: list[tuple[str, Card]],
               by: str | None) -> None:
        self.stdout.write(f"{contract.code}: {total.period.label} "
                          f"(as of {total.as_of:%Y-%m-%d %H:%M})")
        for label, c in [("All", total), *groups]:
            if by:
                self.stdout.write(f"\n{selectors.SPLIT_LABELS[by]}: {label}")
            self.stdout.write(f"{'Measure':<28} {'Count':>15} {'Rate':>6} {'Goal':>9}  Status")
            for f in c.figures:
                count = (f"{f.numerator_text} of {f.denominator_text}"
                         if f.denominator is not None else f.numerator_text)
                rate = f.rate_text or (f.value_text if f.measure.kind == "volume" else "")
                self.stdout.write(f"{f.measure.name:<28} {count:>15} {rate:>6} "
                                  f"{f.goal_text:>9}  {f.status_word}")

    def _fail(self, message: str) -> NoReturn:
        print(f"carehub scorecard: {message}", file=sys.stderr)
        raise SystemExit(2)
