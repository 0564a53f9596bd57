"""Bad terms, activity or statements are rejected with every problem and its path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from carehub.commands.settle import main
from carehub.core.activity import ActivityError, load_activity
from carehub.core.settlement import SettlementError, settle
from carehub.core.terms import TermsError, load_terms, parse_terms_text

HYBRID = {"id": "meals", "type": "hybrid", "floor": "18000.00", "services": ["HDM"]}


def errors_of(data) -> dict[str, str]:
    with pytest.raises(TermsError) as caught:
        load_terms(data)
    return dict(caught.value.errors)


def test_missing_floor_names_the_path_and_what_is_allowed(b):
    data = b.terms_data({"id": "a", "type": "fixed_price", "amount": "10.00", "schedule": "upfront"},
                      {"id": "b", "type": "capitation", "pmpm": "1.00",
                       "member_month_rule": "first_of_month"},
                      {"id": "meals", "type": "hybrid", "services": ["HDM"]})
    assert errors_of(data) == {
        "components[2].floor": 'required (a money string such as "18000.00")'}


def test_every_error_is_reported_at_once(b):
    data = b.terms_data(
        {"id": "meals", "type": "hybrid", "floor": 18000.5, "services": ["XYZ"],
         "reconcile": "weekly"},
        {"id": "meals", "type": "capitaton"},
        {"id": "fp", "type": "fixed_price", "amount": "1.005", "schedule": "upfront",
         "colour": "red"},
    )
    data["effective"] = "2026-13-01"
    errors = errors_of(data)
    assert "quotes" in errors["components[0].floor"]
    assert "not in the service catalogue" in errors["components[0].services[0]"]
    assert errors["components[0].reconcile"].startswith("must be one of: pooled, member")
    assert "already used" in errors["components[1].id"]
    assert "capitation" in errors["components[1].type"]
    assert "at most two decimals" in errors["components[2].amount"]
    assert errors["components[2].colour"].startswith("unknown field")
    assert errors["effective"].startswith("must be a date")


def test_a_service_paid_by_two_fee_for_service_components_is_rejected(b):
    data = b.terms_data(HYBRID, {"id": "ffs", "type": "fee_for_service", "services": ["HDM"]})
    assert "already paid by component" in errors_of(data)["components[1].services[0]"]


def test_milestones_must_add_up_to_the_amount(b):
    data = b.terms_data({"id": "fp", "type": "fixed_price", "amount": "100.00",
                       "schedule": "milestones",
                       "milestones": [{"name": "a", "amount": "60.00"},
                                      {"name": "b", "amount": "30.00"}]})
    assert errors_of(data) == {"components[0].amount":
                               "must equal the sum of the milestones 90.00, got 100.00"}


def test_parse_terms_text_names_the_file():
    with pytest.raises(TermsError) as caught:
        parse_terms_text("contract: [unclosed", "bad.yaml")
    assert str(caught.value).startswith("bad.yaml: not valid YAML")


def test_activity_errors_have_paths(b):
    data = b.activity_data("2026-03-01", "2026-03-31", services=[
        {"member": "M1", "service": "HDM", "date": "2026-03-02", "units": 2},
        {"member": "M1", "service": "HDM", "date": "2026-03-32", "units": 2},
        {"member": "M1", "service": "HDM", "date": "2026-03-03", "units": 0},
        {"member": "M1", "date": "2026-03-03", "units": 1},
    ], events=[{"type": "teleported", "date": "2026-03-01"}])
    with pytest.raises(ActivityError) as caught:
        load_activity(data)
    errors = dict(caught.value.errors)
    assert errors["services[1].date"].startswith("must be a date")
    assert errors["services[2].units"].startswith("must be a whole number of at least 1")
    assert errors["services[3].service"].startswith("required")
    assert "event types are: enrolled" in errors["events[0].type"]


def test_period_outside_the_term_is_an_error(b):
    terms = load_terms(b.terms_data(HYBRID))
    with pytest.raises(SettlementError) as caught:
        settle(terms, load_activity(b.activity_data("2026-12-01", "2027-01-31")))
    assert caught.value.errors[0][0] == "period"
    assert "outside the contract's term" in caught.value.errors[0][1]


def test_cli_exits_2_with_errors_on_stderr_and_nothing_on_stdout(b, tmp_path: Path, capsys):
    terms = tmp_path / "terms.yaml"
    terms.write_text(json.dumps(b.terms_data({"id": "meals", "type": "hybrid",
                                            "services": ["HDM"]})))
    activity = tmp_path / "activity.json"
    activity.write_text(json.dumps(b.activity_data("2026-03-01", "2026-03-31")))
    assert main([str(terms), str(activity)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.strip() == (f'{terms}: components[0].floor: required (a money string such as '
                               '"18000.00")')


def test_cli_reports_unreadable_and_malformed_files(b, tmp_path: Path, capsys):
    activity = tmp_path / "activity.json"
    activity.write_text("{not json")
    terms = tmp_path / "terms.yaml"
    terms.write_text(json.dumps(b.terms_data(HYBRID)))
    assert main([str(terms), str(activity)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.yaml"), str(activity)]) == 2
    assert "missing.yaml: no such file" in capsys.readouterr().err


def test_net_of_component_without_computable_payments_needs_paid(b):
    terms = load_terms(b.terms_data(
        HYBRID,
        {"id": "savings", "type": "shared_savings", "benchmark": "1000.00", "net_of": ["meals"],
         "min_rate": "0.40", "max_rate": "0.50"}))
    activity = load_activity(b.activity_data("2026-12-01", "2026-12-31",
                                           cost_of_care={"actual": "800.00"}))
    with pytest.raises(SettlementError) as caught:
        settle(terms, activity)
    assert caught.value.errors[0][0] == "paid.meals"
