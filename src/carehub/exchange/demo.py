"""Demo file exchange on DEMO-MEALS: the plan's monthly member list through the drop
folder (one file accepted, one refused with its row and column named) and the hub's
monthly service report to the plan, written for last month. Seeding again delivers the
same files, which the exchange records as duplicates and changes nothing."""

from __future__ import annotations

import csv
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.exchange.models import DataSet, DataSetKind, Delivery
from carehub.exchange.services import folders
from carehub.exchange.services.deliveries import save_data_set
from carehub.exchange.services.deliveries_periods import latest_ended
from carehub.exchange.services.deliveries_run import run_inbound, send_line
from carehub.tenancy.access import Acting

CONTRACT = "DEMO-MEALS"
HEADER = ["member_id", "first_name", "last_name", "birth_date", "sex", "product",
          "enroll_start", "county"]
# New members the plan adds in its list; names from the demo's synthetic pool style.
ROSTER = [("DMX00101", "Alma", "Reyes", "1958-04-12", "F"),
          ("DMX00102", "Tomas", "Okafor", "1949-11-30", "M"),
          ("DMX00103", "Nadia", "Hassan", "1963-07-08", "F"),
          ("DMX00104", "Frank", "Lindqvist", "1955-01-21", "M"),
          ("DMX00105", "Grace", "Nguyen", "1961-09-02", "F"),
          ("DMX00106", "Walter", "Brooks", "1952-03-17", "M")]


def _write(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    settled = time.time() - 120  # the drop folder takes files that stopped changing
    os.utime(path, (settled, settled))


def _data_set(contract: Contract, acting: Acting, **fields: Any) -> DataSet:
    with scopes_disabled():
        found = DataSet.objects.filter(contract=contract, name=fields["name"]).first()
    if found is not None:
        return found
    return save_data_set(DataSet(contract=contract, **fields), acting=acting)


def seed(ctx: Any) -> None:
    with scopes_disabled():
        contract = Contract.objects.filter(code=CONTRACT).first()
    if contract is None:
        ctx.log("exchange: no DEMO-MEALS contract; nothing to do")
        return
    admin = ctx.users["hubadmin"]
    acting = Acting.of(admin, admin.memberships.get(organisation=ctx.hub))
    today: date = ctx.today
    starts = date(today.year - 1, today.month, 1)
    roster = _data_set(contract, acting, name="Monthly member list", kind=DataSetKind.MEMBER_LIST,
                       format="csv", cadence="monthly", due_days=5, starts=starts,
                       counterparty=contract.payer)
    report = _data_set(contract, acting, name="Monthly service report",
                       kind=DataSetKind.SERVICE_REPORT, format="xlsx", cadence="monthly",
                       due_days=10, starts=starts, counterparty=contract.payer)
    product = "medicaid"
    county = next((m.county for m in ctx.members if m.county), "")
    inbox = folders.ensure(roster) / "in"
    start = latest_ended("monthly", today).start.isoformat()
    _write(inbox / "member-list.csv",
           [[m, f, last, born, sex, product, start, county] for m, f, last, born, sex in ROSTER])
    # The same list with a day that does not exist: refused whole, row and column named.
    bad = [[m, f, last, born, sex, product, start, county] for m, f, last, born, sex in ROSTER]
    bad[3][3] = "1955-02-30"
    _write(inbox / "member-list-corrected.csv", bad)
    lines = run_inbound(roster, settle=0)
    with scopes_disabled():
        sent = Delivery.objects.filter(data_set=report).exists()
    if not sent:
        lines.append(send_line(report, latest_ended("monthly", today),
                               delivered_by="demo seed"))
    ctx.log(f"exchange: {len(lines)} file(s) on {CONTRACT}: "
            + "; ".join(f"{line.file}: {'ok' if line.ok else 'refused'}" for line in lines))
