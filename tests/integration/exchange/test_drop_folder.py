"""Inbound member lists through the drop folder: a good file saves its members and gets
a receipt; the same file again changes nothing; a malformed file is refused whole with
its rows and columns named; Excel and Parquet come in the same way."""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.exchange.models import Delivery
from carehub.jobs.models import Job
from carehub.members.models import EnrolmentSpan, Member
from tests.integration.exchange.conftest import (
    HEADER,
    ExchangeWorld,
    inbox,
    roster_rows,
    run,
    write_csv,
)

pytestmark = pytest.mark.django_db


def _members(world: ExchangeWorld) -> int:
    with scopes_disabled():
        return Member.objects.filter(plan=world.tenant.payer).count()


def test_a_good_file_saves_its_members_and_leaves_a_receipt(world: ExchangeWorld) -> None:
    data_set = world.data_set()
    path = write_csv(inbox(data_set) / "roster-2026-02.csv", roster_rows(25))
    size = path.stat().st_size
    before = _members(world)
    lines = run()
    assert len(lines) == 1 and lines[0].ok
    assert "accepted; 25 rows read, 25 accepted, 0 refused" in str(lines[0])
    assert _members(world) == before + 25
    with scopes_disabled():
        delivery = Delivery.objects.get()
        assert EnrolmentSpan.objects.filter(member__member_id="X000001").count() == 1
        job = Job.objects.get(kind="exchange.inbound")
    assert (delivery.status, delivery.rows_read, delivery.rows_accepted) == ("accepted", 25, 25)
    assert delivery.counts["created"] == 25
    assert len(delivery.sha256) == 64 and delivery.size == size
    assert delivery.job_id == job.pk and job.status == "succeeded"
    assert delivery.delivered_by.startswith("drop folder of")
    assert not path.exists()
    done = path.parent.parent / "done"
    kept = done / f"{delivery.pk}-roster-2026-02.csv"
    assert kept.is_file()
    receipt = (done / f"{kept.name}.receipt.txt").read_text()
    assert f"sha256: {delivery.sha256}" in receipt
    assert "rows accepted: 25" in receipt
    with scopes_disabled():
        assert AuditEvent.objects.filter(object_type="roster_import",
                                         object_id__startswith=f"exchange:{delivery.pk}").exists()


def test_the_same_file_twice_changes_nothing(world: ExchangeWorld) -> None:
    data_set = world.data_set()
    rows = roster_rows(10)
    write_csv(inbox(data_set) / "roster.csv", rows)
    run()
    with scopes_disabled():
        first = Delivery.objects.get()
        snapshot = list(Member.objects.filter(plan=world.tenant.payer)
                        .order_by("pk").values_list("pk", "updated_at"))
        jobs = Job.objects.count()
    write_csv(inbox(data_set) / "roster-again.csv", rows)
    lines = run()
    assert "duplicate" in str(lines[0]) and f"duplicate of {first.pk}" in str(lines[0])
    with scopes_disabled():
        second = Delivery.objects.exclude(pk=first.pk).get()
        assert list(Member.objects.filter(plan=world.tenant.payer)
                    .order_by("pk").values_list("pk", "updated_at")) == snapshot
        assert Job.objects.count() == jobs  # no import ran
    assert second.status == "duplicate" and second.duplicate_of_id == first.pk
    assert second.sha256 == first.sha256
    assert "nothing changed" in second.message


def test_a_malformed_file_is_refused_whole_naming_row_and_column(world: ExchangeWorld) -> None:
    data_set = world.data_set()
    rows = roster_rows(5)
    rows[2][3] = "03/02/1960"  # row 4 of the file: birth_date
    rows[4][5] = "gold"  # row 6: product
    path = write_csv(inbox(data_set) / "bad.csv", rows)
    before = _members(world)
    lines = run()
    assert not lines[0].ok
    text = str(lines[0])
    assert "refused" in text and "row 4, column birth_date" in text
    assert "row 6, column product" in text
    assert _members(world) == before  # nothing saved, not even the good rows
    with scopes_disabled():
        delivery = Delivery.objects.get()
    assert (delivery.status, delivery.rows_read, delivery.rows_accepted,
            delivery.rows_refused) == ("refused", 5, 0, 2)
    assert [4, "birth_date"] == delivery.problems[0][:2]
    refused = path.parent.parent / "refused"
    assert (refused / f"{delivery.pk}-bad.csv").is_file()
    receipt = (refused / f"{delivery.pk}-bad.csv.receipt.txt").read_text()
    assert "problem: row 4, column birth_date: '03/02/1960' is not a date YYYY-MM-DD" in receipt


def test_a_missing_column_and_a_wrong_format_are_refused(world: ExchangeWorld) -> None:
    data_set = world.data_set()
    write_csv(inbox(data_set) / "short.csv", [r[:-2] for r in roster_rows(2)],
              header=HEADER[:-2])
    lines = run()
    assert "row 1, column enroll_start: column is missing from the header" in str(lines[0])
    (inbox(data_set) / "roster.parquet").write_bytes(b"PAR1")
    lines = run()
    assert "takes CSV files (.csv)" in str(lines[0])


def test_excel_and_parquet_member_lists(world: ExchangeWorld) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from openpyxl import Workbook

    xlsx = world.data_set(name="Excel roster", format="xlsx")
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in roster_rows(3, start=100):
        sheet.append([*row[:3], date(1960, 2, 3), *row[4:6], date(2026, 1, 1), row[7]])
    book.save(inbox(xlsx) / "roster.xlsx")
    parquet = world.data_set(name="Parquet roster", format="parquet")
    columns = list(zip(*roster_rows(4, start=200), strict=True))
    pq.write_table(pa.table({h: list(c) for h, c in zip(HEADER, columns, strict=True)}),
                   inbox(parquet) / "roster.parquet")
    for p in (inbox(xlsx) / "roster.xlsx", inbox(parquet) / "roster.parquet"):
        old = time.time() - 60
        __import__("os").utime(p, (old, old))
    lines = run()
    assert [line.ok for line in lines] == [True, True], [str(x) for x in lines]
    with scopes_disabled():
        assert Member.objects.filter(member_id__in=["X000100", "X000102", "X000200",
                                                    "X000203"]).count() == 4
        assert Member.objects.get(member_id="X000101").birth_date == date(1960, 2, 3)
    bad = Workbook()
    bad.active.append(HEADER)
    bad.active.append([*roster_rows(1, start=300)[0][:3], "1960-13-01", "F", "medicaid",
                       "2026-01-01", ""])
    bad.save(inbox(xlsx) / "bad.xlsx")
    old = time.time() - 60
    __import__("os").utime(inbox(xlsx) / "bad.xlsx", (old, old))
    lines = run(data_set_id=xlsx.pk)
    assert "row 2, column birth_date" in str(lines[0])


def test_a_file_still_being_written_waits(world: ExchangeWorld) -> None:
    from carehub.exchange.services import run_exchange

    data_set = world.data_set()
    (inbox(data_set) / "roster.csv").write_text(",".join(HEADER) + "\n")
    (inbox(data_set) / "roster.csv.part").write_text("x")
    assert run_exchange(settle=30) == []


def test_the_command_prints_a_line_per_file(world: ExchangeWorld, capsys) -> None:  # type: ignore[no-untyped-def]
    data_set = world.data_set()
    write_csv(inbox(data_set) / "roster.csv", roster_rows(3))
    call_command("exchange", "run", "--org", world.tenant.payer.slug, "--settle", "0")
    out = capsys.readouterr().out
    assert out.startswith("Monthly roster: roster.csv: accepted; 3 rows read, 3 accepted")
    write_csv(inbox(data_set) / "bad.csv", [["", "A", "B", "1960-01-01", "F", "medicaid",
                                              "2026-01-01", ""]])
    with pytest.raises(SystemExit) as stopped:
        call_command("exchange", "run", "--data-set", str(data_set.pk), "--settle", "0")
    assert stopped.value.code == 2
    assert "row 2, column member_id: is empty" in capsys.readouterr().out


def test_a_contract_not_in_effect_takes_no_file(world: ExchangeWorld) -> None:
    from carehub.contracts.models import ContractParty

    data_set = world.data_set()
    with scopes_disabled():
        ContractParty.objects.filter(contract=world.contract, role="payer").update(
            status="proposed")
    write_csv(inbox(data_set) / "roster.csv", roster_rows(2))
    before = _members(world)
    lines = run()
    assert not lines[0].ok and "contract T-FILES is not in effect" in str(lines[0])
    assert _members(world) == before
