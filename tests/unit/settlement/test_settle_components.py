"""Each component type at its edges: boundaries, caps hit exactly, zero activity, remainders."""

from __future__ import annotations

from carehub.core.activity import load_activity
from carehub.core.settlement import settle
from carehub.core.terms import load_terms

MARCH = ("2026-03-01", "2026-03-31")


def meals(member: str, day: str, units: int = 1, service: str = "HDM") -> dict:
    return {"member": member, "service": service, "date": day, "units": units}


# -- fixed price -------------------------------------------------------------------------

def test_monthly_instalments_round_down_and_the_last_takes_the_remainder(b):
    fp = {"id": "fp", "type": "fixed_price", "amount": "100000.00", "schedule": "monthly"}
    jan = b.run([fp], b.activity_data("2026-01-01", "2026-01-31"))
    dec = b.run([fp], b.activity_data("2026-12-01", "2026-12-31"))
    assert b.amounts(jan) == {"Instalment 1 of 12": "8333.33"}
    assert b.amounts(dec) == {"Instalment 12 of 12": "8333.37"}
    year = b.run([fp], b.activity_data("2026-01-01", "2026-12-31"))
    assert year.to_json_dict()["total"] == "100000.00"


def test_quarterly_instalments_and_a_term_starting_mid_month(b):
    fp = {"id": "fp", "type": "fixed_price", "amount": "100000.01", "schedule": "quarterly"}
    statement = b.run([fp], b.activity_data("2026-02-15", "2027-02-14"),
                      effective="2026-02-15", ends="2027-02-14")
    # Quarters touched: Q1 2026 (from 15 Feb) … Q1 2027: five instalments.
    assert list(b.amounts(statement).values()) == ["20000.00"] * 4 + ["20000.01"]
    assert "due 2026-02-15" in statement.lines[0].basis


def test_upfront_is_paid_only_in_the_period_holding_effective(b):
    fp = {"id": "fp", "type": "fixed_price", "amount": "5000.00", "schedule": "upfront"}
    assert b.amounts(b.run([fp], b.activity_data("2026-01-01", "2026-01-31"))) == {
        "Fixed price": "5000.00"}
    assert b.run([fp], b.activity_data("2026-02-01", "2026-02-28")).lines == ()


def test_milestones_are_paid_once_when_reported(b):
    fp = {"id": "fp", "type": "fixed_price", "schedule": "milestones",
          "milestones": [{"name": "workflows-tested", "amount": "5000.00"},
                         {"name": "go-live", "amount": "7000.00"}]}
    events = [{"type": "milestone", "name": "workflows-tested", "date": "2026-02-10"},
              {"type": "milestone", "name": "workflows-tested", "date": "2026-03-15"},
              {"type": "milestone", "name": "go-live", "date": "2026-03-31"}]
    statement = b.run([fp], b.activity_data(*MARCH, events=events))
    assert b.amounts(statement) == {"Milestone workflows-tested repeated": "0.00",
                                    "Milestone go-live": "7000.00"}


# -- fee for service ---------------------------------------------------------------------

def test_period_cap_hit_exactly_pays_everything(b):
    ffs = {"id": "ffs", "type": "fee_for_service", "services": ["HDM"], "max_units": 100}
    services = [meals(f"M{i}", "2026-03-02", 10) for i in range(10)]
    statement = b.run([ffs], b.activity_data(*MARCH, services=services))
    assert b.amounts(statement) == {"HDM Home-delivered meal": "750.00"}


def test_units_past_the_period_cap_are_unpaid_first_come_first_served(b):
    ffs = {"id": "ffs", "type": "fee_for_service", "services": ["HDM", "RIDE"], "max_units": 100}
    services = [meals("M1", "2026-03-31", 1, "RIDE"), *[meals(f"M{i}", "2026-03-02", 10)
                                                      for i in range(10)]]
    statement = b.run([ffs], b.activity_data(*MARCH, services=services))
    # The ride came last by date, so it is the unit over the cap.
    assert b.amounts(statement) == {"HDM Home-delivered meal": "750.00",
                                    "RIDE unpaid: over max_units": "0.00"}


def test_daily_cap_per_member_counts_lines_of_the_same_day_together(b):
    ffs = {"id": "ffs", "type": "fee_for_service", "services": ["HDM"],
           "max_units_per_member_per_day": 2}
    services = [meals("M1", "2026-03-02"), meals("M1", "2026-03-02"), meals("M1", "2026-03-02"),
                meals("M1", "2026-03-03", 2), meals("M2", "2026-03-02", 3)]
    statement = b.run([ffs], b.activity_data(*MARCH, services=services))
    lines = {line.label: line for line in statement.lines}
    assert lines["HDM Home-delivered meal"].quantity == "6"
    assert lines["HDM Home-delivered meal"].amount.to_eng_string() == "45.00"
    assert lines["HDM unpaid: over daily cap"].quantity == "2"


def test_month_and_year_boundaries_only_the_period_is_paid(b):
    ffs = {"id": "ffs", "type": "fee_for_service", "services": ["HDM"]}
    services = [meals("M1", "2026-11-30"), meals("M1", "2026-12-01"), meals("M1", "2026-12-31"),
                meals("M1", "2027-01-01")]
    statement = b.run([ffs], b.activity_data("2026-12-01", "2026-12-31", services=services),
                      ends="2027-12-31")
    assert statement.lines[0].quantity == "2"


def test_zero_activity_with_a_guaranteed_minimum_tops_up_in_full(b):
    ffs = {"id": "ffs", "type": "fee_for_service", "services": ["HDM"],
           "guaranteed_minimum": "1000.00"}
    assert b.amounts(b.run([ffs], b.activity_data(*MARCH))) == {
        "Guaranteed minimum top-up": "1000.00"}
    above = b.run([ffs], b.activity_data(*MARCH, services=[meals("M1", "2026-03-01", 200)]))
    assert b.amounts(above) == {"HDM Home-delivered meal": "1500.00"}


# -- bundled -----------------------------------------------------------------------------

BUNDLE = {"id": "cm", "type": "bundled", "service": "CM", "episode_days": 30, "max_renewals": 1,
          "included_services": ["HDM"]}
FFS_MEALS = {"id": "ffs", "type": "fee_for_service", "services": ["HDM"]}


def test_included_services_inside_an_episode_are_bundled_not_paid_by_ffs(b):
    events = [{"member": "M1", "type": "enrolled", "service": "CM", "date": "2026-03-05"}]
    services = [meals("M1", "2026-03-04"), meals("M1", "2026-03-05", 2),
                meals("M1", "2026-04-03"), meals("M2", "2026-03-10")]
    statement = b.run([BUNDLE, FFS_MEALS],
                      b.activity_data("2026-03-01", "2026-04-30", events=events,
                                      services=services))
    got = {line.label: (line.quantity, str(line.amount)) for line in statement.lines}
    assert got == {
        "Episodes opened by enrolment": ("1", "450.00"),
        # 5 March to 3 April inclusive is the 30-day episode.
        "Bundled: HDM": ("3", "0.00"),
        "HDM Home-delivered meal": ("2", "15.00"),
    }


def test_renewal_starts_when_the_episode_ends_and_is_capped(b):
    events = [{"member": "M1", "type": "enrolled", "service": "CM", "date": "2026-01-05"},
              {"member": "M1", "type": "renewal_approved", "service": "CM", "date": "2026-01-30"},
              {"member": "M1", "type": "renewal_approved", "service": "CM", "date": "2026-02-20"}]
    jan = b.run([BUNDLE], b.activity_data("2026-01-01", "2026-01-31", events=events))
    feb = b.run([BUNDLE], b.activity_data("2026-02-01", "2026-02-28", events=events))
    assert b.amounts(jan) == {"Episodes opened by enrolment": "450.00"}
    # The renewal approved 30 January starts 4 February, the day after the first episode.
    assert b.amounts(feb) == {"Episodes renewed": "450.00",
                              "Renewals unpaid: has had max_renewals 1 renewals": "0.00"}
    assert "M1 from 2026-02-04" in feb.lines[0].basis


# -- capitation --------------------------------------------------------------------------

def cap(rule: str, pmpm: str = "10.00") -> dict:
    return {"id": "cap", "type": "capitation", "pmpm": pmpm, "member_month_rule": rule}


def test_prorated_days_use_the_leap_day(b):
    attribution = [{"member": "M1", "start": "2028-02-15", "end": None}]
    feb = b.run([cap("prorated_days")],
                b.activity_data("2028-02-01", "2028-02-29", attribution=attribution),
                effective="2028-01-01", ends="2028-12-31")
    # 15 of 29 days × 10.00 = 5.1724… → 5.17
    assert b.amounts(feb) == {"Capitation": "5.17"}
    assert "15 member-days ÷ 29 days in 2028-02" in feb.lines[0].basis


def test_prorated_half_cent_rounds_up(b):
    # 1 day of 30 × 0.15 = 0.005 exactly: half a cent rounds up.
    attribution = [{"member": "M1", "start": "2026-04-30", "end": "2026-05-10"}]
    april = b.run([cap("prorated_days", "0.15")],
                  b.activity_data("2026-04-01", "2026-04-30", attribution=attribution))
    assert b.amounts(april) == {"Capitation": "0.01"}


def test_first_of_month_counts_members_attributed_on_the_first(b):
    attribution = [{"member": "M1", "start": "2026-01-01", "end": "2026-02-28"},
                   {"member": "M2", "start": "2026-03-02", "end": None},
                   {"member": "M3", "start": "2026-03-01", "end": "2026-03-01"},
                   {"member": "M3", "start": "2026-01-01", "end": None}]
    statement = b.run([cap("first_of_month")], b.activity_data(*MARCH, attribution=attribution))
    assert b.amounts(statement) == {"Capitation": "10.00"}  # only M3, counted once


# -- hybrid ------------------------------------------------------------------------------

def test_hybrid_over_two_months_labels_each_month(b):
    hybrid = {"id": "h", "type": "hybrid", "floor": "100.00", "services": ["HDM"]}
    services = [meals("M1", "2026-03-05", 20), meals("M1", "2026-04-05", 2)]
    statement = b.run([hybrid], b.activity_data("2026-03-01", "2026-04-30", services=services))
    assert b.amounts(statement) == {"Capitation floor 2026-03": "100.00",
                                    "Supplemental FFS balance 2026-03": "50.00",
                                    "Capitation floor 2026-04": "100.00",
                                    "Supplemental FFS balance 2026-04": "0.00"}


def test_hybrid_member_reconcile_applies_the_floor_per_member(b):
    hybrid = {"id": "h", "type": "hybrid", "floor": "100.00", "services": ["HDM"],
              "reconcile": "member"}
    attribution = [{"member": "M1", "start": "2026-03-01", "end": None},
                   {"member": "M2", "start": "2026-03-20", "end": None}]
    services = [meals("M1", "2026-03-05", 20), meals("M2", "2026-03-21", 4),
                meals("M3", "2026-03-21", 4)]
    statement = b.run([hybrid], b.activity_data(*MARCH, attribution=attribution,
                                                services=services))
    # M1: max(100, 150) + M2: max(100, 30) = 250; M3 is not attributed.
    assert b.amounts(statement) == {"Capitation floor": "200.00",
                                    "Supplemental FFS balance": "50.00",
                                    "Unpaid: members not attributed": "0.00"}
    assert statement.to_json_dict()["total"] == "250.00"


# -- performance -------------------------------------------------------------------------

def test_bonuses_met_missed_and_not_reported(b):
    perf = {"id": "p", "type": "performance", "bonuses": [
        {"metric": "follow-up-7d", "target": "0.60", "direction": "at_least", "amount": "500.00"},
        {"metric": "readmissions", "target": "0.12", "direction": "at_most", "amount": "700.00"},
        {"metric": "satisfaction", "target": "0.90", "amount": "300.00"}]}
    quality = {"follow-up-7d": "0.60", "readmissions": "0.13"}
    statement = b.run([perf], b.activity_data(*MARCH, quality=quality))
    assert b.amounts(statement) == {"Bonus follow-up-7d": "500.00",
                                    "Bonus readmissions": "0.00",
                                    "Bonus satisfaction": "0.00"}
    assert "not reported" in statement.lines[2].basis


# -- shared savings and losses -----------------------------------------------------------

def savings(**extra: object) -> dict:
    return {"id": "ss", "type": "shared_savings", "benchmark": "1000000.00", "min_rate": "0.50",
            "max_rate": "0.50", **extra}


def cost(actual: str) -> dict:
    return {"cost_of_care": {"actual": actual}}


def test_shared_savings_cap_after_or_before_sharing(b):
    year_end = ("2026-12-01", "2026-12-31")
    capped = b.run([savings(cap="40000.00")], b.activity_data(*year_end, **cost("900000.00")))
    assert b.amounts(capped) == {"Shared savings": "40000.00"}
    first = b.run([savings(cap="40000.00", cap_first=True)],
                  b.activity_data(*year_end, **cost("900000.00")))
    assert b.amounts(first) == {"Shared savings": "20000.00"}


def test_shared_savings_below_minimum_rate_or_none_pays_nothing(b):
    year_end = ("2026-12-01", "2026-12-31")
    small = b.run([savings(minimum_savings_rate="0.02")],
                  b.activity_data(*year_end, **cost("990000.00")))
    assert b.amounts(small) == {"Shared savings": "0.00"}
    assert "minimum savings rate" in small.lines[0].basis
    exact = b.run([savings(minimum_savings_rate="0.02")],
                  b.activity_data(*year_end, **cost("980000.00")))
    assert b.amounts(exact) == {"Shared savings": "10000.00"}
    none = b.run([savings()], b.activity_data(*year_end, **cost("1000000.00")))
    assert b.amounts(none) == {"Shared savings": "0.00"}


def test_shared_losses_threshold_and_cap(b):
    losses = {"id": "sl", "type": "shared_losses", "benchmark": "1000000.00", "rate": "0.30",
              "threshold_rate": "0.02", "cap": "15000.00"}
    year_end = ("2026-12-01", "2026-12-31")
    within = b.run([losses], b.activity_data(*year_end, **cost("1020000.00")))
    assert b.amounts(within) == {"Shared losses": "0.00"}
    over = b.run([losses], b.activity_data(*year_end, **cost("1030000.00")))
    assert b.amounts(over) == {"Shared losses": "-9000.00"}
    capped = b.run([losses], b.activity_data(*year_end, **cost("1100000.00")))
    assert b.amounts(capped) == {"Shared losses": "-15000.00"}


# -- outcome based -----------------------------------------------------------------------

def test_outcome_budget_counts_earlier_payments_and_stops_once_reached(b):
    outcome = {"id": "o", "type": "outcome_based", "engagement_amount": "60.00",
               "unit_rate": "40.00", "pathways": {"housing": 3}, "budget": "320.00"}
    events = [{"member": "A", "type": "engaged", "date": "2026-02-10"},  # 60, before March
              {"member": "A", "type": "pathway_completed", "pathway": "housing",
               "date": "2026-03-02"},  # 120 → 180
              {"member": "B", "type": "pathway_completed", "pathway": "housing",
               "date": "2026-03-03"},  # 140 left: 3 units = 120 fit → 300
              {"member": "C", "type": "pathway_completed", "pathway": "housing",
               "date": "2026-03-04"},  # 20 left: no unit fits; budget reached
              {"member": "D", "type": "engaged", "date": "2026-03-05"}]
    statement = b.run([outcome], b.activity_data(*MARCH, events=events))
    got = {line.label: (line.quantity, str(line.amount)) for line in statement.lines}
    assert got == {"Pathway housing": ("6", "240.00"),
                   "Pathway housing unpaid: budget reached": ("3", "0.00"),
                   "Engagements unpaid: budget reached": ("1", "0.00")}


# -- prepayment --------------------------------------------------------------------------

def test_prepayment_paid_then_recouped_up_to_what_is_outstanding(b):
    prepay = {"id": "advance", "type": "prepayment", "amount": "1000.00", "recoup_rate": "0.25"}
    fp = {"id": "fp", "type": "fixed_price", "amount": "12000.00", "schedule": "monthly"}
    jan = b.run([prepay, fp], b.activity_data("2026-01-01", "2026-01-31"))
    assert b.amounts(jan) == {"Prepayment": "1000.00", "Instalment 1 of 12": "1000.00"}
    feb = b.run([prepay, fp], b.activity_data("2026-02-01", "2026-02-28"))
    assert b.amounts(feb) == {"Recoupment": "-250.00", "Instalment 2 of 12": "1000.00"}
    late = b.run([prepay, fp], b.activity_data("2026-05-01", "2026-05-31",
                                               recouped={"advance": "900.00"}))
    assert b.amounts(late)["Recoupment"] == "-100.00"
    done = b.run([prepay, fp], b.activity_data("2026-06-01", "2026-06-30",
                                               recouped={"advance": "1000.00"}))
    assert "Recoupment" not in b.amounts(done)


# -- flexible funds ----------------------------------------------------------------------

def test_flexible_funds_allocation_per_contract_year(b):
    funds = {"id": "ff", "type": "flexible_funds", "per_member": "100.00", "per": "year",
             "categories": ["utilities", "gas"]}
    spending = [{"member": "M1", "category": "utilities", "amount": "80.00", "date": "2026-12-01"},
                {"member": "M1", "category": "gas", "amount": "50.00", "date": "2026-12-20"},
                {"member": "M1", "category": "casino", "amount": "10.00", "date": "2026-12-21"},
                {"member": "M1", "category": "gas", "amount": "50.00", "date": "2027-01-01"}]
    dec = b.run([funds], b.activity_data("2026-12-01", "2026-12-31", spending=spending),
                ends="2027-12-31")
    assert b.amounts(dec) == {"Flexible funds: gas": "20.00",
                              "Flexible funds: utilities": "80.00",
                              "Flexible funds unpaid: casino, category not allowed": "0.00",
                              "Flexible funds unpaid: gas, over allocation": "0.00"}
    jan = b.run([funds], b.activity_data("2027-01-01", "2027-01-31", spending=spending),
                ends="2027-12-31")
    assert b.amounts(jan) == {"Flexible funds: gas": "50.00"}  # a new contract year


def test_statement_is_byte_for_byte_repeatable(b):
    terms = load_terms(b.terms_data(FFS_MEALS))
    activity = load_activity(b.activity_data(*MARCH, services=[meals("M1", "2026-03-01")]))
    assert settle(terms, activity).to_json_dict() == settle(terms, activity).to_json_dict()
