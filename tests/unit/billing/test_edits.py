"""Edits before billing: each edit fails on its bad case, names the values in its message,
and passes on a clean line; limits, duplicates and authorised units count across lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from carehub.core.billing.edits import (
    EDIT_CODES,
    Authorisation,
    BillLine,
    EditContext,
    EditFailure,
    EditInputError,
    EnrolmentSpan,
    ServiceLimits,
    clean_rate,
    diagnosis_problem,
    run_edits,
)
from carehub.core.billing.fee_schedule import shipped_schedules

DAY = date(2026, 3, 10)
NPI = "1234567893"  # the CMS example NPI; its check digit is right

CLEAN = BillLine(
    line_id="L1", member_id="M1", service_code="MTM", service_date=DAY, units=2,
    amount=Decimal("15.84"), hcpcs="S5170", modifiers=("U6",), place_of_service="12",
    diagnosis_codes=("Z59.41",), billing_npi=NPI)


def context(**changes: object) -> EditContext:
    base = EditContext(
        today=date(2026, 4, 1),
        enrolments=(EnrolmentSpan("M1", "medicaid", date(2026, 1, 1), date(2026, 12, 31)),),
        eligible_products={"medicaid", "dsnp"},
        referrals=(Authorisation("M1", "MTM", "R1", date(2026, 3, 1), date(2026, 3, 31), 20),),
        contract_services={date(2026, 1, 1): {"MTM", "HTN"}},
        limits={"MTM": ServiceLimits(per_day=3, per_period=10, per_episode=12)},
        fee_schedule=shipped_schedules()["calaim-community-supports"],
        timely_filing_days=90,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def failures(line: BillLine = CLEAN, ctx: EditContext | None = None,
             others: tuple[BillLine, ...] = ()) -> list[EditFailure]:
    return run_edits([*others, line], ctx or context())[line.line_id]


def only(found: list[EditFailure], code: str) -> EditFailure:
    assert [failure.code for failure in found] == [code], found
    return found[0]


def test_a_clean_line_passes_every_edit() -> None:
    assert failures() == []


def test_every_code_has_a_title_and_a_fix() -> None:
    assert sorted(EDIT_CODES) == [f"E{n:02d}" for n in range(1, 17)]
    for code, edit in EDIT_CODES.items():
        assert edit.code == code and edit.title and edit.fix and edit.name


def test_e01_member_not_enrolled_on_the_date() -> None:
    late = replace(CLEAN, service_date=date(2027, 1, 5))
    found = failures(late, context(referrals=(Authorisation("M1", "MTM", "R1", DAY),),
                                   contract_services=None, timely_filing_days=None))
    failure = only(found, "E01")
    assert failure.field == "member_id"
    assert failure.message == ("Member M1 is not enrolled with the plan on 2027-01-05 "
                               "(enrolled 2026-01-01 to 2026-12-31).")
    reenrolled = context(enrolments=(
        EnrolmentSpan("M1", "medicaid", date(2025, 1, 1), date(2025, 12, 31)),
        EnrolmentSpan("M1", "medicaid", date(2026, 4, 1))))
    assert only(failures(ctx=reenrolled), "E01").message.endswith(
        "(enrolled 2025-01-01 to 2025-12-31; from 2026-04-01 on).")
    unknown = only(failures(replace(CLEAN, member_id="M9"),
                            context(referrals=(Authorisation("M9", "MTM", "R9", DAY),))), "E01")
    assert "no enrolment on file" in unknown.message


def test_e02_product_not_eligible() -> None:
    ctx = context(enrolments=(EnrolmentSpan("M1", "commercial", date(2026, 1, 1)),))
    failure = only(failures(ctx=ctx), "E02")
    assert failure.message == ("Member M1 is enrolled in commercial on 2026-03-10, but this "
                               "contract covers only dsnp, medicaid.")
    assert failures(ctx=replace(ctx, eligible_products=None)) == []


def test_e03_no_open_referral() -> None:
    failure = only(failures(ctx=context(referrals=())), "E03")
    assert failure.message == "Member M1 has no open referral for MTM."
    assert failure.field == "service_code"


def test_e04_referral_not_authorised_outside_dates_or_over_units() -> None:
    unauthorised = context(referrals=(Authorisation("M1", "MTM", "R1"),))
    assert "not authorised yet" in only(failures(ctx=unauthorised), "E04").message
    outside = replace(CLEAN, service_date=date(2026, 2, 27))
    failure = only(failures(outside), "E04")
    assert failure.message == ("2026-02-27 is outside the authorised dates for MTM "
                               "(2026-03-01 to 2026-03-31).")
    assert failure.field == "service_date"
    few = context(referrals=(Authorisation("M1", "MTM", "R1", date(2026, 3, 1), None, 3),),
                  limits={})
    earlier = replace(CLEAN, line_id="L0", service_date=date(2026, 3, 2))
    failure = only(failures(CLEAN, few, (earlier,)), "E04")
    assert failure.message == ("3 units of MTM are authorised from 2026-03-01 on; with this "
                               "line's 2 the total would be 4.")
    assert failure.field == "units"
    assert failures(replace(CLEAN, units=1), few, (earlier,)) == []


def test_e05_service_not_in_contract_on_the_date() -> None:
    # The terms version of April adds HTN and drops MTM.
    ctx = context(contract_services={date(2026, 1, 1): {"MTM"}, date(2026, 4, 1): {"HTN"}})
    april = replace(CLEAN, service_date=date(2026, 4, 2))
    ctx = replace(ctx, referrals=(Authorisation("M1", "MTM", "R1", DAY, date(2026, 4, 30)),),
                  today=date(2026, 4, 20))
    failure = only(failures(april, ctx), "E05")
    assert failure.message == ("MTM is not a service of the contract in force on 2026-04-02 "
                               "(services that day: HTN).")
    assert failures(CLEAN, ctx) == []
    before = only(failures(CLEAN, replace(ctx, contract_services={date(2026, 4, 1): {"MTM"}})),
                  "E05")
    assert "no contract terms were in force" in before.message
    assert only(failures(CLEAN, replace(ctx, contract_services={})), "E05")
    as_function = replace(ctx, contract_services=lambda day: {"MTM"} if day.month < 4 else set())
    assert failures(CLEAN, as_function) == []
    assert only(failures(april, as_function), "E05")


def test_e06_units_over_the_daily_limit() -> None:
    same_day = replace(CLEAN, line_id="L0", hcpcs="S9470")
    failure = only(failures(CLEAN, others=(same_day,)), "E06")
    assert failure.message == ("2 units of MTM on 2026-03-10 would make 4 that day for member "
                               "M1; the limit is 3 a day.")
    assert failure.field == "units"
    assert failures(replace(CLEAN, units=1), others=(same_day,)) == []


def test_e07_units_over_the_monthly_limit_counting_lines_already_billed() -> None:
    billed = tuple(replace(CLEAN, line_id=f"B{day}", service_date=date(2026, 3, day), units=3)
                   for day in (2, 3, 4))
    failure = only(failures(ctx=context(billed=billed)), "E07")
    assert failure.message == ("2 units of MTM would make 11 in March 2026 for member M1; "
                               "the limit is 10 a month.")
    assert failures(replace(CLEAN, units=1), context(billed=billed)) == []
    # February's lines do not count towards March.
    february = tuple(replace(line, service_date=date(2026, 2, 20 + n))
                     for n, line in enumerate(billed))
    assert failures(ctx=context(billed=february)) == []


def test_e08_units_over_the_episode_limit() -> None:
    ctx = context(limits={"MTM": ServiceLimits(per_episode=4)})
    earlier = replace(CLEAN, line_id="L0", service_date=date(2026, 3, 1), units=3)
    failure = only(failures(CLEAN, ctx, (earlier,)), "E08")
    assert failure.message == ("2 units of MTM would make 5 in the episode 2026-03-01 to "
                               "2026-03-31 for member M1; the limit is 4 an episode.")
    assert failures(replace(CLEAN, units=1), ctx, (earlier,)) == []


def test_limits_come_from_the_fee_schedule_row_when_the_contract_sets_none() -> None:
    chi = shipped_schedules()["medicare-chi"]
    line = replace(CLEAN, service_code="CHI", hcpcs="G0019", modifiers=(), units=1)
    ctx = context(fee_schedule=chi, limits={}, contract_services=None,
                  referrals=(Authorisation("M1", "CHI", "R1", date(2026, 3, 1)),))
    # G0019 is billed once a member and month, by one practitioner: another's line counts.
    other_biller = replace(line, line_id="X1", service_date=date(2026, 3, 2),
                           billing_npi="1245319599")
    assert only(failures(line, replace(ctx, billed=(other_biller,))), "E07")
    assert failures(line, ctx) == []


def test_a_line_over_a_limit_is_not_counted_so_a_later_one_that_fits_passes() -> None:
    ctx = context(limits={"MTM": ServiceLimits(per_period=10)})
    lines = [replace(CLEAN, line_id=f"L{day}", service_date=date(2026, 3, day), units=units)
             for day, units in ((2, 6), (3, 6), (4, 4))]
    # Given out of date order: limits are counted in service-date order.
    result = run_edits(list(reversed(lines)), ctx)
    assert {line: [f.code for f in found] for line, found in result.items()} == {
        "L4": [], "L3": ["E07"], "L2": []}


def test_e09_duplicate_in_the_batch_and_against_lines_already_billed() -> None:
    twin = replace(CLEAN, line_id="L0")
    failure = only(failures(CLEAN, context(limits={}), (twin,)), "E09")
    assert failure.message == ("Same member (M1), service (S5170-U6) and date (2026-03-10) "
                               "as line L0.")
    billed = only(failures(ctx=context(limits={}, billed=(replace(CLEAN, line_id="P7"),))),
                  "E09")
    assert billed.message.endswith("as a line already billed (P7).")
    # Modifiers in another order are the same line; another date is not.
    assert only(failures(CLEAN, context(limits={}), (replace(twin, modifiers=("U6",)),)), "E09")
    assert failures(CLEAN, context(limits={}),
                    (replace(twin, service_date=date(2026, 3, 11)),)) == []


def test_e10_hcpcs_missing_or_not_in_the_schedule() -> None:
    missing = only(failures(replace(CLEAN, hcpcs="", modifiers=())), "E10")
    assert missing.field == "hcpcs"
    assert missing.message == ("The line has no HCPCS code; the calaim-community-supports "
                               "fee schedule needs one.")
    unknown = only(failures(replace(CLEAN, hcpcs="G0019", modifiers=())), "E10")
    assert unknown.message == ("G0019 is not in the calaim-community-supports fee schedule "
                               "on 2026-03-10.")
    chi = shipped_schedules()["medicare-chi"]
    early = replace(CLEAN, hcpcs="G0019", modifiers=(), units=1,
                    service_date=date(2023, 12, 31))
    ctx = context(fee_schedule=chi, contract_services=None, timely_filing_days=None,
                  enrolments=(EnrolmentSpan("M1", "medicaid", date(2023, 1, 1)),),
                  referrals=(Authorisation("M1", "MTM", "R1", date(2023, 1, 1)),), limits={})
    assert only(failures(early, ctx), "E10").message == (
        "G0019 is not in the medicare-chi fee schedule on 2023-12-31 (it is listed from "
        "2024-01-01 on).")
    assert failures(replace(early, service_date=date(2024, 1, 1)), ctx) == []


def test_e11_modifiers_do_not_match_the_schedule() -> None:
    # S5165 is asthma remediation with U5 and home modifications with U6.
    asthma = replace(CLEAN, hcpcs="S5165", modifiers=("U5",))
    assert failures(asthma) == []
    failure = only(failures(replace(asthma, modifiers=("U3",))), "E11")
    assert failure.field == "modifiers"
    assert failure.message == (
        "S5165 with modifiers U3 is not in the calaim-community-supports fee schedule; S5165 "
        "is billed with U6 (Environmental Accessibility Adaptations (Home Modifications)) or "
        "U5 (Asthma Remediation).")
    assert "with modifiers none" in only(failures(replace(asthma, modifiers=())), "E11").message


def test_e12_z_code_missing() -> None:
    failure = only(failures(replace(CLEAN, diagnosis_codes=("E11.9",))), "E12")
    assert failure.message == (
        "The line has no social needs code from Z55-Z65 (codes given: E11.9): add the need "
        "served, e.g. Z59.41 (food insecurity) or Z59.01 (sheltered homelessness).")
    assert only(failures(replace(CLEAN, diagnosis_codes=())), "E12").field == "diagnosis_codes"
    # A Z code outside Z55-Z65 is not a social need.
    assert only(failures(replace(CLEAN, diagnosis_codes=("Z00.00",))), "E12")
    assert failures(replace(CLEAN, diagnosis_codes=("E11.9", "Z59.41"))) == []


def test_e13_z_code_category_names_its_billable_leaves() -> None:
    failure = only(failures(replace(CLEAN, diagnosis_codes=("Z59.4",))), "E13")
    assert failure.message == ("Z59.4 is a category, not a billable code: use Z59.41 (food "
                               "insecurity) or Z59.48 (other specified lack of adequate food)")
    assert failure.field == "diagnosis_codes"
    housed = diagnosis_problem("Z59.81")
    assert housed is not None and housed.startswith(
        "Z59.81 is a category, not a billable code: use Z59.811 (housing instability, housed, "
        "with risk of homelessness), Z59.812")
    assert "is not an ICD-10-CM code" in only(
        failures(replace(CLEAN, diagnosis_codes=("Z59.41", "Z99.999"))), "E13").message
    # Written without the dot, or in lower case, a billable leaf is accepted.
    assert failures(replace(CLEAN, diagnosis_codes=("z5941",))) == []


def test_e14_place_of_service_missing_or_invalid() -> None:
    assert only(failures(replace(CLEAN, place_of_service="")), "E14").message == (
        "The line has no place of service.")
    failure = only(failures(replace(CLEAN, place_of_service="30")), "E14")
    assert failure.message.startswith('"30" is not a place of service code')
    assert failures(replace(CLEAN, place_of_service="27")) == []


def test_e15_billing_provider_npi_or_payer_assigned_id() -> None:
    failure = only(failures(replace(CLEAN, billing_npi="")), "E15")
    assert failure.message == ("The line has neither a billing provider NPI nor a "
                               "payer-assigned provider id.")
    bad = only(failures(replace(CLEAN, billing_npi="1234567890")), "E15")
    assert bad.message.startswith("1234567890 is not a valid NPI")
    # An atypical provider without an NPI bills under the payer's id.
    assert failures(replace(CLEAN, billing_npi="", payer_assigned_id="CBO-0042")) == []


def test_e16_timely_filing_window_passed() -> None:
    failure = only(failures(ctx=context(today=date(2026, 6, 9))), "E16")
    assert failure.message == ("The service on 2026-03-10 is 91 days old; the payer accepts "
                               "lines up to 90 days after the service (the last day was "
                               "2026-06-08).")
    assert failures(ctx=context(today=date(2026, 6, 8))) == []


def test_a_line_failing_several_edits_lists_each_in_code_order() -> None:
    bad = replace(CLEAN, place_of_service="", billing_npi="", diagnosis_codes=("Z59.4",))
    assert [f.code for f in failures(bad, context(referrals=()))] == [
        "E03", "E13", "E14", "E15"]


def test_checks_switch_edits_off_for_invoice_billing() -> None:
    bare = replace(CLEAN, hcpcs="", modifiers=(), place_of_service="", diagnosis_codes=())
    ctx = context(fee_schedule=None, checks={"E01", "E02", "E03", "E04", "E05", "E06", "E07",
                                             "E08", "E09", "E16"})
    assert failures(bare, ctx) == []


def test_results_for_every_line_and_the_clean_rate() -> None:
    lines = [CLEAN, replace(CLEAN, line_id="L2", service_date=date(2026, 3, 11),
                            place_of_service="")]
    result = run_edits(lines, context())
    assert list(result) == ["L1", "L2"]
    assert str(clean_rate(result)) == "0.5000"
    assert clean_rate({}) is None
    with pytest.raises(EditInputError, match="line L1: the line id is used twice"):
        run_edits([CLEAN, CLEAN], context())
