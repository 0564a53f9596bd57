"""History from the activity itself: an activity that carries services of earlier months
of the term gives a prepayment its outstanding balance (each earlier month re-settled in
turn), the way events and spending give penalties and funds theirs; an explicit
`recouped` stays an override."""

from __future__ import annotations

from decimal import Decimal

from carehub.core.activity import load_activity
from carehub.core.settlement import settle
from carehub.core.terms import load_terms

PREPAY = {"id": "advance", "type": "prepayment", "amount": "1000.00", "recoup_rate": "0.25"}
FFS = {"id": "meals", "type": "fee_for_service", "services": ["HDM"]}


def meals(day: str, units: int) -> dict:
    return {"member": "M1", "service": "HDM", "date": day, "units": units}


# January 100 meals (750.00, the prepayment paid), February 200 (1500.00, 375.00
# recouped), March 400 (3000.00: a quarter is 750.00 but only 625.00 is outstanding).
HISTORY = [meals("2026-01-10", 100), meals("2026-02-10", 200), meals("2026-03-10", 400)]


def test_recoupment_counts_what_the_earlier_months_in_the_activity_recouped(b):
    march = b.run([PREPAY, FFS], b.activity_data("2026-03-01", "2026-03-31",
                                                 services=HISTORY))
    assert b.amounts(march) == {"Recoupment": "-625.00", "HDM Home-delivered meal": "3000.00"}
    recoupment = march.lines[0]
    assert "outstanding 625.00 = prepayment 1000.00 − recouped so far 375.00" in recoupment.basis
    # February alone, with January's services: 375.00, as issued then.
    feb = b.run([PREPAY, FFS], b.activity_data("2026-02-01", "2026-02-28",
                                               services=HISTORY[:2]))
    assert b.amounts(feb)["Recoupment"] == "-375.00"


def test_recoupment_stops_once_the_activity_shows_the_prepayment_repaid(b):
    april = b.run([PREPAY, FFS], b.activity_data(
        "2026-04-01", "2026-04-30", services=[*HISTORY, meals("2026-04-10", 50)]))
    assert b.amounts(april) == {"HDM Home-delivered meal": "375.00"}


def test_an_explicit_recouped_overrides_the_history(b):
    march = b.run([PREPAY, FFS], b.activity_data("2026-03-01", "2026-03-31",
                                                 services=HISTORY,
                                                 recouped={"advance": "900.00"}))
    assert b.amounts(march)["Recoupment"] == "-100.00"


def test_without_earlier_services_nothing_is_assumed_recouped(b):
    march = b.run([PREPAY, FFS], b.activity_data("2026-03-01", "2026-03-31",
                                                 services=HISTORY[2:]))
    assert b.amounts(march)["Recoupment"] == "-750.00"


def test_history_is_the_same_as_issuing_each_month_in_turn(b):
    """Month by month with `recouped` carried by hand equals one activity with history."""
    terms = load_terms(b.terms_data(PREPAY, FFS))
    carried = Decimal("0.00")
    by_hand = []
    for index, (start, end) in enumerate((("2026-01-01", "2026-01-31"),
                                          ("2026-02-01", "2026-02-28"),
                                          ("2026-03-01", "2026-03-31"))):
        activity = load_activity(b.activity_data(start, end, services=HISTORY[index:index + 1],
                                                 recouped={"advance": str(carried)}))
        withheld = Decimal(b.amounts(settle(terms, activity)).get("Recoupment", "0.00"))
        by_hand.append(str(withheld))
        carried -= withheld
    assert by_hand == ["0.00", "-375.00", "-625.00"]
    assert str(carried) == "1000.00"


def test_carehub_settle_gives_the_prepayment_its_balance_from_earlier_services(
        b, tmp_path, capsys):
    import json

    from carehub.commands import settle as command

    terms = tmp_path / "terms.json"
    terms.write_text(json.dumps(b.terms_data(PREPAY, FFS)))
    activity = tmp_path / "activity.json"
    activity.write_text(json.dumps(b.activity_data("2026-03-01", "2026-03-31",
                                                   services=HISTORY)))
    assert command.main([str(terms), str(activity)]) == 0
    lines = json.loads(capsys.readouterr().out)["lines"]
    assert [(x["label"], x["amount"]) for x in lines] == [
        ("Recoupment", "-625.00"), ("HDM Home-delivered meal", "3000.00")]
    activity.write_text(json.dumps(b.activity_data("2026-03-01", "2026-03-31",
                                                   services=HISTORY,
                                                   recouped={"advance": "0.00"})))
    assert command.main([str(terms), str(activity)]) == 0
    lines = json.loads(capsys.readouterr().out)["lines"]
    assert lines[0]["amount"] == "-750.00"  # the explicit override
