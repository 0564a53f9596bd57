"""`carehub bill` and `carehub remit` on the command line: a month's statement, edit
report and 837P files written (and again, unchanged, on a re-run); an 835 posted once,
the same file again changing nothing, a malformed one refused naming the segment."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from carehub.billing.models import Bill, BillStatus, Remittance
from carehub.billing.services import remittance
from carehub.core.billing.x12_check import check_837p
from carehub.tenancy.access import Acting
from tests.integration.billing.claims_setup import (
    PERIOD,
    add_sites,
    claims_contract,
    deliver,
    enrolled_referral,
)

pytestmark = pytest.mark.django_db


def _month(tenant):  # type: ignore[no-untyped-def]
    contract = claims_contract(tenant)
    add_sites(tenant)
    referral = enrolled_referral(tenant, contract)
    deliver(referral, date(2026, 11, 2), units=2)
    deliver(referral, date(2026, 11, 2), units=2)  # the same line twice: a duplicate
    deliver(referral, date(2026, 11, 3), units=1)
    return contract


def test_bill_writes_the_statement_the_edit_report_and_an_accepted_837p(tenant, tmp_path, capsys):
    contract = _month(tenant)
    call_command("bill", contract=contract.code, period=PERIOD, out=str(tmp_path))
    said = capsys.readouterr().out
    assert said.startswith(f"{contract.code} {PERIOD}: statement 1 (original) issued, total ")
    assert "lines 2 ready, 1 needing a fix; Submitted 2 lines on 1 bills" in said
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["837P-000000001.x12", f"edits-{PERIOD}.csv", "lines-000000001.csv",
                     f"statement-{PERIOD}-1.json"]
    statement = json.loads((tmp_path / f"statement-{PERIOD}-1.json").read_text())
    assert statement["contract"] == contract.code
    assert check_837p((tmp_path / "837P-000000001.x12").read_text()).accepted
    report = list(csv.DictReader((tmp_path / f"edits-{PERIOD}.csv").open()))
    assert [r["code"] for r in report if r["status"] == "failing"] == ["E09"]
    assert {r["status"] for r in report} == {"failing", "submitted"}

    # Again: nothing new is issued or submitted; the same files are written.
    before = (tmp_path / "837P-000000001.x12").read_text()
    call_command("bill", contract=contract.code, period=PERIOD, out=str(tmp_path))
    said = capsys.readouterr().out
    assert "statement unchanged" in said and "Nothing is ready to bill" in said
    assert (tmp_path / "837P-000000001.x12").read_text() == before


def test_bill_refuses_a_bad_month_in_one_line(tenant, tmp_path, capsys):
    contract = _month(tenant)
    with pytest.raises(SystemExit) as exit_:
        call_command("bill", contract=contract.code, period="2026-13", out=str(tmp_path))
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("carehub bill: ")
    assert not list(tmp_path.iterdir())


def test_remit_posts_once_and_refuses_a_malformed_file(tenant, tmp_path, capsys):
    contract = _month(tenant)
    call_command("bill", contract=contract.code, period=PERIOD, out=str(tmp_path / "out"))
    with scopes_disabled():
        from carehub.network.models import Location

        Location.objects.create(organisation=tenant.payer, name="Claims office",
                                address_1="1 Plan Way", city="Albany", state_province="NY",
                                postal_code="12207", phone="518-555-0100")
        tenant.payer.tin = "123456789"
        tenant.payer.save()
        Bill.objects.update(status=BillStatus.APPROVED)
        name, text = remittance.export_835(Acting.system(tenant.payer), tenant.hub.pk)
    path = tmp_path / name
    path.write_text(text)
    capsys.readouterr()
    call_command("remit", str(path), hub=tenant.hub.slug)
    said = capsys.readouterr().out
    assert said.startswith(f"{name}: 1 matched (0 partly paid, 0 reversed, 0 denied), "
                           "0 unmatched; total ")
    with scopes_disabled():
        assert Bill.objects.get().status == BillStatus.PAID
    call_command("remit", str(path), hub=tenant.hub.slug)
    assert "already posted" in capsys.readouterr().out
    with scopes_disabled():
        assert Remittance.objects.count() == 1

    broken = tmp_path / "broken.835"
    broken.write_text(text.replace("CLP*", "CLX*", 1))
    with pytest.raises(SystemExit) as exit_:
        call_command("remit", str(broken), hub=tenant.hub.slug)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("carehub remit: ") and "broken.835" in err and "CLX" in err
    with scopes_disabled():
        assert Remittance.objects.count() == 1
