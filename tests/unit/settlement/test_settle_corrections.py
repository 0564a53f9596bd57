"""Corrections are new lines, never edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carehub.commands.settle import main
from carehub.core.activity import load_activity
from carehub.core.settlement import SettlementError, load_statement, settle
from carehub.core.terms import load_terms

CAP = {"id": "cap", "type": "capitation", "pmpm": "30.00", "member_month_rule": "first_of_month"}
FFS = {"id": "ffs", "type": "fee_for_service", "services": ["HDM"]}


def attribution(ends: dict[str, str | None]) -> list[dict]:
    return [{"member": member, "start": "2026-01-01", "end": end} for member, end in ends.items()]


def test_retroactive_disenrolment_becomes_a_negative_capitation_line(b, tmp_path: Path, capsys):
    members = {"M1": None, "M2": None, "M3": None}
    terms_file = tmp_path / "terms.json"
    terms_file.write_text(json.dumps(b.terms_data(CAP, FFS)))
    issued_activity = tmp_path / "march.json"
    issued_activity.write_text(json.dumps(b.activity_data(
        "2026-03-01", "2026-03-31", attribution=attribution(members),
        services=[{"member": "M1", "service": "HDM", "date": "2026-03-03", "units": 4}])))
    assert main([str(terms_file), str(issued_activity)]) == 0
    issued = tmp_path / "march-statement.json"
    issued.write_text(capsys.readouterr().out)

    # The plan later reports that M2 and M3 left at the end of February.
    corrected = tmp_path / "march-corrected.json"
    corrected.write_text(json.dumps(b.activity_data(
        "2026-03-01", "2026-03-31",
        attribution=attribution({"M1": None, "M2": "2026-02-28", "M3": "2026-02-28"}),
        services=[{"member": "M1", "service": "HDM", "date": "2026-03-03", "units": 4}])))
    assert main([str(terms_file), str(corrected), "--previous", str(issued)]) == 0
    adjustment = json.loads(capsys.readouterr().out)
    assert adjustment["lines"] == [{
        "component": "cap", "label": "Adjustment: Capitation", "quantity": "1",
        "rate": "-60.00", "amount": "-60.00",
        "basis": "issued 90.00, now 30.00 (1 member attributed on 2026-03-01 × PMPM 30.00 = "
                 "30.00); difference -60.00"}]
    assert adjustment["total"] == "-60.00"
    assert adjustment["adjustment"] is True

    # With that adjustment issued as well, settling again owes nothing more.
    issued_adjustment = tmp_path / "march-adjustment.json"
    issued_adjustment.write_text(json.dumps(adjustment))
    assert main([str(terms_file), str(corrected), "--previous", str(issued),
                 "--previous", str(issued_adjustment)]) == 0
    assert json.loads(capsys.readouterr().out)["lines"] == []


def test_a_line_no_longer_owed_is_reversed(b):
    terms = load_terms(b.terms_data(FFS))
    before = load_activity(b.activity_data("2026-03-01", "2026-03-31", services=[
        {"member": "M1", "service": "HDM", "date": "2026-03-03", "units": 4}]))
    issued = settle(terms, before)
    after = load_activity(b.activity_data("2026-03-01", "2026-03-31"))
    lines = settle(terms, after, issued).to_json_dict()["lines"]
    assert [(line["label"], line["amount"]) for line in lines] == [
        ("Adjustment: HDM Home-delivered meal", "-30.00")]


def test_previous_statement_of_another_period_is_refused(b):
    terms = load_terms(b.terms_data(FFS))
    march = settle(terms, load_activity(b.activity_data("2026-03-01", "2026-03-31")))
    reloaded = load_statement(json.loads(json.dumps(march.to_json_dict())))
    with pytest.raises(SettlementError) as caught:
        settle(terms, load_activity(b.activity_data("2026-04-01", "2026-04-30")), reloaded)
    assert caught.value.errors[0][0] == "previous.period"
