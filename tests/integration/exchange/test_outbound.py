"""Outbound files: the service report and the referral status file in CSV, Excel and
Parquet, each with a receipt; the same period again is a duplicate, never a silent
replacement."""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.exchange.models import Delivery
from carehub.exchange.services import folders
from carehub.exchange.services.deliveries_out import SERVICE_REPORT_COLUMNS
from carehub.referrals.models import Consent, Referral, ServiceDelivery
from tests.integration.exchange.conftest import ExchangeWorld

pytestmark = pytest.mark.django_db


def served(world: ExchangeWorld, day: date, units: int = 2, *,
           consent: bool = True) -> ServiceDelivery:
    t = world.tenant
    with scopes_disabled():
        referral, _ = Referral.objects.get_or_create(
            member=t.member, service_code="HDM", defaults={
                "plan": t.payer, "hub": t.hub, "organisation": t.cbo,
                "contract": world.contract, "contract_code": world.contract.code,
                "state": "in_service"})
        Referral.objects.filter(pk=referral.pk).update(
            created_at=timezone.make_aware(datetime(2026, 1, 20, 9)))
        if consent:
            Consent.objects.get_or_create(member=t.member, kind="data_sharing", defaults={
                "organisation": t.cbo, "scope": "plan and hub", "given_on": date(2026, 1, 2)})
        return ServiceDelivery.objects.create(
            referral=referral, member=t.member, organisation=t.cbo, contract=world.contract,
            contract_code=world.contract.code, service_code="HDM", date=day, units=units,
            setting="home", at=timezone.make_aware(datetime(2026, 2, 10, 12)))


def test_service_report_as_csv_with_receipt_and_duplicate(world: ExchangeWorld, capsys) -> None:  # type: ignore[no-untyped-def]
    data_set = world.data_set(name="Service report", kind="service_report")
    served(world, date(2026, 2, 3), units=3)
    served(world, date(2026, 3, 1))  # another month
    call_command("exchange", "send", "--data-set", str(data_set.pk), "--period", "2026-02")
    line = capsys.readouterr().out
    assert "sent; 1 rows read, 1 written" in line
    with scopes_disabled():
        delivery = Delivery.objects.get()
    assert (delivery.direction, delivery.status, delivery.rows_read) == ("out", "sent", 1)
    path = folders.absolute(delivery.stored_path)
    assert path is not None and path.name == "service-report_2026-02-01.csv"
    rows = list(csv.DictReader(path.open()))
    assert list(rows[0]) == list(SERVICE_REPORT_COLUMNS)
    assert (rows[0]["member_id"], rows[0]["service_date"], rows[0]["units"]) == (
        world.tenant.member.member_id, "2026-02-03", "3")
    assert "rows written: 1" in path.with_name(path.name + ".receipt.txt").read_text()
    call_command("exchange", "send", "--data-set", str(data_set.pk), "--period", "2026-02")
    assert f"duplicate of {delivery.pk}" in capsys.readouterr().out
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "service-report_2026-02-01.csv", "service-report_2026-02-01.csv.receipt.txt"]
    served(world, date(2026, 2, 20))  # a correction: a new file beside the first
    call_command("exchange", "send", "--data-set", str(data_set.pk), "--period", "2026-02")
    assert "2 rows read" in capsys.readouterr().out
    assert (path.parent / "service-report_2026-02-01-2.csv").is_file()
    assert len(list(csv.DictReader(path.open()))) == 1  # the first is untouched


def test_referral_status_in_excel_and_service_report_in_parquet(world: ExchangeWorld) -> None:
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    from carehub.exchange.services import send
    from carehub.exchange.services.deliveries_periods import parse_period
    from carehub.tenancy.access import Acting

    served(world, date(2026, 2, 3), units=4)
    status = world.data_set(name="Referral status", kind="referral_status", format="xlsx")
    report = world.data_set(name="Service report", kind="service_report", format="parquet")
    acting = Acting.system(world.tenant.hub)
    sheet = send(status, parse_period("monthly", "2026-02"), acting=acting)
    parquet = send(report, parse_period("monthly", "2026-02"), acting=acting)
    book = load_workbook(folders.absolute(sheet.stored_path), read_only=True)
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert values[0][:5] == ("contract", "referral_id", "member_id", "service_code", "state")
    assert values[1][4] == "in_service"
    table = pq.read_table(folders.absolute(parquet.stored_path)).to_pylist()
    assert table[0]["units"] == 4 and table[0]["service_date"] == "2026-02-03"


def test_a_cbo_counterparty_gets_only_its_own_referrals(world: ExchangeWorld) -> None:
    from carehub.exchange.services import send
    from carehub.exchange.services.deliveries_periods import parse_period
    from carehub.tenancy.access import Acting

    served(world, date(2026, 2, 3))
    with scopes_disabled():
        other = ServiceDelivery.objects.get()
        ServiceDelivery.objects.filter(pk=other.pk).update(organisation=world.tenant.hub)
    data_set = world.data_set(name="CBO services", kind="service_report",
                              counterparty=world.tenant.cbo)
    delivery = send(data_set, parse_period("monthly", "2026-02"),
                    acting=Acting.system(world.tenant.hub))
    assert delivery.rows_read == 0


def test_a_member_without_consent_is_withheld(world: ExchangeWorld) -> None:
    from carehub.exchange.services import send
    from carehub.exchange.services.deliveries_periods import parse_period
    from carehub.tenancy.access import Acting

    served(world, date(2026, 2, 3), consent=False)
    data_set = world.data_set(name="Service report", kind="service_report")
    period = parse_period("monthly", "2026-02")
    delivery = send(data_set, period, acting=Acting.system(world.tenant.hub))
    assert (delivery.rows_accepted, delivery.rows_refused) == (0, 1)
    assert "1 withheld (no active data-sharing consent" in delivery.message
    assert world.tenant.member.member_id not in folders.absolute(
        delivery.stored_path).read_text()
    with scopes_disabled():  # consent given, then revoked: withheld again
        consent = Consent.objects.create(member=world.tenant.member, kind="data_sharing",
                                         organisation=world.tenant.cbo, scope="plan",
                                         given_on=date(2026, 1, 2))
    assert send(data_set, period, acting=Acting.system(world.tenant.hub)).rows_accepted == 1
    with scopes_disabled():
        Consent.objects.filter(pk=consent.pk).update(revoked_at=timezone.now())
    third = send(data_set, period, acting=Acting.system(world.tenant.hub))
    assert third.status == "duplicate" and third.duplicate_of_id == delivery.pk


def test_the_run_writes_the_latest_period_on_its_due_day(world: ExchangeWorld) -> None:
    from carehub.exchange.services.deliveries_run import run_outbound

    served(world, date(2026, 2, 3))
    data_set = world.data_set(name="Service report", kind="service_report", due_days=5)
    assert run_outbound(data_set, date(2026, 3, 4)) == []  # February is not due yet
    lines = run_outbound(data_set, date(2026, 3, 5))
    assert len(lines) == 1 and lines[0].ok and "1 rows written" in str(lines[0])
    assert run_outbound(data_set, date(2026, 3, 6)) == []  # sent already
    with scopes_disabled():
        delivery = Delivery.objects.get()
    assert delivery.period_start == date(2026, 2, 1) and delivery.delivered_by == \
        "carehub exchange run"
