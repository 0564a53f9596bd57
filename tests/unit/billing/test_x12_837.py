"""837P files as a payer's front door sees them: pyx12 accepts what we write, for an NPI
provider and an atypical one, for every service of every fee schedule we ship; a broken
file is refused and the problem names its segment."""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal

import pytest

from carehub.core.billing import x12_837
from carehub.core.billing.claims import (
    Batch,
    Claim,
    Party,
    ServiceLine,
    Subscriber,
    claim_parts,
)
from carehub.core.billing.fee_schedule import shipped_schedules
from carehub.core.billing.x12_837 import write_837p, x12_amount, x12_number, x12_text
from carehub.core.billing.x12_check import check_837p
from carehub.core.validation import InputError

SUBMITTER = Party(name="Bay Community Care Hub", edi_id="HUB0001", contact_name="Ana Peña",
                  contact_phone="(510) 555-0142")
RECEIVER = Party(name="Golden State Health Plan", edi_id="GSHP01")
PAYER = Party(name="Golden State Health Plan", edi_id="GSHP01")
NPI_PROVIDER = Party(name="Eastside Food Bank", npi="1234567893", tin="12-3456789",
                     address="100 Market St", city="Oakland", state="CA", zip="94612-1234")
ATYPICAL_PROVIDER = Party(name="Casa Vecina Services", tin="98-7654321",
                          payer_assigned_id="GS-CBO-0042", address="7 Fruitvale Ave",
                          city="Oakland", state="CA", zip="946013310")
MEMBER = Subscriber(member_id="MC12345678", last_name="Rivera", first_name="Lucia",
                    birth_date=date(1961, 4, 9), sex="F", address="12 Elm St Apt 3",
                    city="Oakland", state="CA", zip="94607")


def line(number: int, hcpcs: str = "H0043", modifiers: tuple[str, ...] = ("U6",),
         charge: str = "100.00", units: Decimal | int = 1, **extra: object) -> ServiceLine:
    return ServiceLine(line_id=f"SL-{number}", service_date=date(2026, 11, 2 + number % 20),
                       hcpcs=hcpcs, modifiers=modifiers, units=units, charge=Decimal(charge),
                       **extra)  # type: ignore[arg-type]


def claim(claim_id: str, lines: tuple[ServiceLine, ...], **extra: object) -> Claim:
    return Claim(claim_id=claim_id, subscriber=MEMBER, payer=PAYER,
                 diagnosis_codes=("Z59.41", "Z59.48"), place_of_service="12", lines=lines,
                 **extra)  # type: ignore[arg-type]


def batch(provider: Party, claims: tuple[Claim, ...], number: int = 41) -> Batch:
    return Batch(submitter=SUBMITTER, receiver=RECEIVER, billing_provider=provider,
                 claims=claims, interchange_control_number=number,
                 created=datetime(2026, 12, 1, 9, 30), usage_indicator="T")


def segments(text: str) -> list[list[str]]:
    return [raw.rstrip("~").split("*") for raw in text.splitlines()]


def find(text: str, seg_id: str) -> list[list[str]]:
    return [seg for seg in segments(text) if seg[0] == seg_id]


def assert_accepted(text: str) -> None:
    result = check_837p(text)
    assert result.accepted, result.describe()
    assert result.code == "A"
    assert set(result.transaction_codes) == {"A"}
    assert result.problems == ()


# -- a small batch, both provider kinds -------------------------------------------------------

def test_a_small_batch_from_an_npi_provider_is_accepted() -> None:
    text = write_837p(batch(NPI_PROVIDER, (
        claim("CLM-1001", (line(1), line(2, "S5170", ("U6",), "7.90", 3))),
        claim("CLM-1002", (line(3, "H2016", ("U6",), "250.50"),)),
    )))
    assert_accepted(text)

    assert find(text, "NM1")[2][:2] == ["NM1", "85"]
    assert find(text, "NM1")[2][-2:] == ["XX", "1234567893"]
    assert ["REF", "EI", "123456789"] in segments(text)
    assert not [seg for seg in find(text, "REF") if seg[1] == "G2"]
    assert ["N4", "Oakland", "CA", "946121234"] in segments(text)
    assert [seg[:3] for seg in find(text, "CLM")] == [["CLM", "CLM-1001", "107.9"],
                                                     ["CLM", "CLM-1002", "250.5"]]
    assert find(text, "CLM")[0][5:] == ["12:B:1", "Y", "A", "Y", "Y"]
    assert find(text, "HI")[0] == ["HI", "ABK:Z5941", "ABF:Z5948"]
    assert find(text, "SBR")[0] == ["SBR", "P", "18", "", "", "", "", "", "", "MC"]
    assert find(text, "NM1")[3] == ["NM1", "IL", "1", "Rivera", "Lucia", "", "", "", "MI",
                                    "MC12345678"]
    assert find(text, "DMG")[0] == ["DMG", "D8", "19610409", "F"]
    assert find(text, "SV1") == [["SV1", "HC:H0043:U6", "100", "UN", "1", "", "", "1"],
                                 ["SV1", "HC:S5170:U6", "7.9", "UN", "3", "", "", "1"],
                                 ["SV1", "HC:H2016:U6", "250.5", "UN", "1", "", "", "1"]]
    assert find(text, "DTP")[0] == ["DTP", "472", "D8", "20261103"]
    assert [seg[2] for seg in find(text, "REF") if seg[1] == "6R"] == ["SL-1", "SL-2", "SL-3"]


def test_control_numbers_and_counts_agree() -> None:
    text = write_837p(batch(NPI_PROVIDER, (claim("CLM-1", (line(1), line(2))),), number=987))
    all_segments = segments(text)
    isa, gs, st = all_segments[0], all_segments[1], all_segments[2]
    se, ge, iea = all_segments[-3], all_segments[-2], all_segments[-1]
    assert isa[13] == "000000987" == iea[2]
    assert gs[6] == "987" == ge[2]
    assert gs[8] == "005010X222A1" == st[3]
    assert st[2] == se[2] == "0001"
    assert int(se[1]) == len(all_segments) - 4  # ST to SE, both included
    assert ge[1] == "1" and iea[1] == "1"
    assert len(text.splitlines()[0]) == 106  # the fixed-length ISA
    assert_accepted(text)


def test_a_large_batch_is_cut_into_transaction_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    # 5,000 claims a transaction set in earnest; 2 here so the test stays small.
    monkeypatch.setattr(x12_837, "CLAIMS_PER_TRANSACTION", 2)
    text = write_837p(batch(NPI_PROVIDER, tuple(claim(f"C{n}", (line(n),))
                                                for n in range(1, 6))))
    assert_accepted(text)
    assert [seg[2] for seg in find(text, "ST")] == ["0001", "0002", "0003"]
    assert [seg[2] for seg in find(text, "SE")] == ["0001", "0002", "0003"]
    assert len({seg[3] for seg in find(text, "BHT")}) == 3
    assert find(text, "GE")[0][1] == "3"
    # Hierarchical levels are numbered within each transaction set.
    assert [seg[1] for seg in find(text, "HL")] == ["1", "2", "3", "1", "2", "3", "1", "2"]


def test_an_atypical_provider_sends_its_payer_assigned_id_in_2010bb() -> None:
    text = write_837p(batch(ATYPICAL_PROVIDER, (claim("CLM-2001", (line(1),)),)))
    assert_accepted(text)

    all_segments = segments(text)
    assert ["NM1", "85", "2", "Casa Vecina Services"] in all_segments
    assert not any("XX" in seg for seg in all_segments if seg[0] == "NM1")
    payer_at = all_segments.index(["NM1", "PR", "2", "Golden State Health Plan", "", "", "",
                                   "", "PI", "GSHP01"])
    assert all_segments[payer_at + 1] == ["REF", "G2", "GS-CBO-0042"]
    assert all_segments[payer_at + 2][0] == "CLM"
    assert ["REF", "EI", "987654321"] in all_segments


def test_a_provider_with_an_npi_may_also_send_the_payers_id() -> None:
    both = Party(name="Eastside Food Bank", npi="1234567893", tin="123456789",
                 payer_assigned_id="GS-CBO-0007", address="100 Market St", city="Oakland",
                 state="CA", zip="946121234")
    text = write_837p(batch(both, (claim("CLM-3001", (line(1),)),)))
    assert_accepted(text)
    assert find(text, "NM1")[2][-2:] == ["XX", "1234567893"]
    assert ["REF", "G2", "GS-CBO-0007"] in segments(text)


def test_a_claim_of_51_lines_is_written_as_two_claims() -> None:
    lines = tuple(line(number) for number in range(1, 52))
    big = claim("CLM-51", lines)
    parts = claim_parts(big)
    assert [part.claim_id for part in parts] == ["CLM-51-1", "CLM-51-2"]
    assert [len(part.lines) for part in parts] == [50, 1]
    assert parts[1].lines[0].line_id == "SL-51"

    text = write_837p(batch(NPI_PROVIDER, (big, claim("CLM-52", (line(60),)))))
    assert_accepted(text)
    assert [seg[1:3] for seg in find(text, "CLM")] == [["CLM-51-1", "5000"],
                                                       ["CLM-51-2", "100"], ["CLM-52", "100"]]
    # Line numbers restart in each claim; every line still carries its own id.
    assert [seg[1] for seg in find(text, "LX")] == [str(n) for n in range(1, 51)] + ["1", "1"]
    assert len([seg for seg in find(text, "REF") if seg[1] == "6R"]) == 52
    # Each part is a claim of its own, with the subscriber and the diagnoses repeated.
    assert len(find(text, "HL")) == 4
    assert len(find(text, "HI")) == 3


def test_a_split_claim_id_must_leave_room_for_its_suffix() -> None:
    lines = tuple(line(number) for number in range(1, 52))
    with pytest.raises(InputError) as refused:
        write_837p(batch(NPI_PROVIDER, (claim("C" * 19, lines),)))
    assert "claims[0].claim_id" in str(refused.value)
    assert "split into 2 claims" in str(refused.value)


# -- every service of every fee schedule ------------------------------------------------------

def schedule_services() -> list[tuple[str, tuple[str, ...]]]:
    """(HCPCS, modifiers) of every row with a code in every shipped schedule; rows without
    one (the NC Healthy Opportunities services, whose codes are not known) are skipped."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for _, schedule in sorted(shipped_schedules().items()):
        for row in schedule.rows:
            if row.code and (row.code, row.modifiers) not in found:
                found.append((row.code, row.modifiers))
    return found


SERVICES = schedule_services()


def test_the_schedules_hold_the_services_the_issue_names() -> None:
    assert ("S5165", ("U6",)) in SERVICES and ("S5165", ("U5",)) in SERVICES
    assert ("G0019", ()) in SERVICES and ("G0022", ()) in SERVICES
    assert len(SERVICES) >= 30


@pytest.mark.parametrize("provider", [NPI_PROVIDER, ATYPICAL_PROVIDER],
                         ids=["npi", "atypical"])
def test_every_fee_schedule_service_is_accepted(provider: Party) -> None:
    # One claim per service, all in one file: pyx12 runs once per provider kind.
    claims = tuple(
        claim(f"SVC-{index:03d}",
              (line(index, hcpcs, modifiers, "48.52" if hcpcs.startswith("G") else "120.00"),),
              filing_indicator="MB" if hcpcs.startswith("G") else "MC")
        for index, (hcpcs, modifiers) in enumerate(SERVICES, start=1)
    )
    text = write_837p(batch(provider, claims))
    assert_accepted(text)

    written = [seg[1] for seg in find(text, "SV1")]
    assert written == [":".join(("HC", hcpcs, *modifiers)) for hcpcs, modifiers in SERVICES]
    assert [seg[1] for seg in find(text, "CLM")] == [c.claim_id for c in claims]


# -- refused files ----------------------------------------------------------------------------

def _good_file() -> str:
    return write_837p(batch(NPI_PROVIDER, (claim("CLM-9", (line(1), line(2))),)))


def test_a_line_without_its_charge_is_refused_and_the_problem_names_sv1() -> None:
    text = _good_file()
    lines = text.splitlines()
    at = next(i for i, raw in enumerate(lines) if raw.startswith("SV1*")) + 1
    lines[at - 1] = "SV1*HC:H0043:U6**UN*1***1~"
    result = check_837p("\n".join(lines) + "\n")

    assert not result.accepted
    assert result.code == "R"
    assert result.transaction_codes == ("R",)
    problem = result.problems[0]
    assert (problem.segment_id, problem.line, problem.element) == ("SV1", at, 2)
    assert str(problem).startswith(f"SV1 at segment {at} (SV102): ")
    assert "Line Item Charge Amount" in problem.message
    assert "IK3*SV1*" in result.ack_999


def test_a_wrong_segment_count_in_se_is_refused() -> None:
    text = _good_file()
    se = find(text, "SE")[0]
    broken = text.replace(f"SE*{se[1]}*", f"SE*{int(se[1]) - 1}*")
    result = check_837p(broken)

    assert not result.accepted
    assert result.code == "R"
    assert [p.segment_id for p in result.problems] == ["SE"]
    assert result.problems[0].line == len(text.splitlines()) - 2
    assert "SE count" in result.problems[0].message


def test_an_unknown_state_code_is_refused_with_its_element() -> None:
    broken = _good_file().replace("N4*Oakland*CA*94607~", "N4*Oakland*XX*94607~")
    result = check_837p(broken)
    assert not result.accepted
    assert [(p.segment_id, p.element) for p in result.problems] == [("N4", 2)]


def test_a_file_that_is_not_x12_is_refused() -> None:
    result = check_837p("CLAIM,MEMBER\n1,2\n")
    assert not result.accepted
    assert result.problems[0].segment_id == "ISA"
    assert result.code == ""


def test_an_835_is_not_taken_for_an_837p() -> None:
    result = check_837p(_good_file().replace("005010X222A1", "005010X221A1"))
    assert not result.accepted
    assert result.problems[0].segment_id == "GS"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_checking_prints_nothing_and_sends_nothing_to_the_application_log(
        capfd: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    collect = _Collect()
    root.addHandler(collect)
    try:
        text = _good_file()
        check_837p(text)
        check_837p(text.replace("SV1*HC:H0043:U6*100*", "SV1*HC:H0043:U6**"))
    finally:
        root.removeHandler(collect)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert [r for r in collect.records if r.name.startswith("pyx12")] == []


# -- text, amounts and data the writer refuses ------------------------------------------------

def test_names_lose_delimiters_and_accents() -> None:
    odd = Party(name="Peña*Sons~Food:Bank^", npi="1234567893", tin="123456789",
                address="1 Main St", city="Oakland", state="CA", zip="946121234")
    member = Subscriber(member_id="M1", last_name="O'Brien-Núñez", first_name="José*",
                        birth_date=date(1980, 1, 1), sex="M", address="1 A St",
                        city="San José", state="CA", zip="95112")
    text = write_837p(batch(odd, (Claim("C1", member, PAYER, ("Z59.41",), "12",
                                        (line(1),)),)))
    assert_accepted(text)
    assert ["NM1", "85", "2", "Pena Sons Food Bank", "", "", "", "", "XX",
            "1234567893"] in segments(text)
    assert find(text, "NM1")[3][3:5] == ["O'Brien-Nunez", "Jose"]
    assert x12_text("  a \t b\n", 10) == "a b"


def test_amounts_and_units_are_x12_decimals() -> None:
    assert x12_amount(Decimal("123.45")) == "123.45"
    assert x12_amount(Decimal("7.90")) == "7.9"
    assert x12_amount(Decimal("100.00")) == "100"
    assert x12_amount(Decimal("0.00")) == "0"
    assert x12_amount(Decimal("-50.00")) == "-50"
    assert x12_number(Decimal("1.50")) == "1.5"
    assert x12_number(4) == "4"

    text = write_837p(batch(NPI_PROVIDER, (
        claim("C1", (line(1, charge="0.05", units=Decimal("1.5")),
                     line(2, charge="1234567.10", units=Decimal("96")))),)))
    assert_accepted(text)
    assert [seg[2:5] for seg in find(text, "SV1")] == [["0.05", "UN", "1.5"],
                                                       ["1234567.1", "UN", "96"]]
    assert find(text, "CLM")[0][2] == "1234567.15"


def test_a_line_at_another_place_and_pointing_at_two_diagnoses() -> None:
    text = write_837p(batch(NPI_PROVIDER, (
        claim("C1", (line(1, place_of_service="99", diagnosis_pointers=(2, 1)),
                     line(2, place_of_service="12", modifiers=("U6", "HQ", "GT", "95")))),)))
    assert_accepted(text)
    assert find(text, "SV1") == [["SV1", "HC:H0043:U6", "100", "UN", "1", "99", "", "2:1"],
                                 ["SV1", "HC:H0043:U6:HQ:GT:95", "100", "UN", "1", "", "",
                                  "1"]]


def test_a_batch_that_cannot_be_written_lists_every_problem() -> None:
    nobody = Party(name="No Id CBO", tin="123", address="1 Main St", city="Oakland",
                   state="CA", zip="94612")
    bad = claim("X" * 21, (line(1, modifiers=("U6", "HQ", "GT", "95", "59")),
                           line(2, hcpcs="H43", diagnosis_pointers=(3,)),
                           line(3, units=0)))
    with pytest.raises(InputError) as refused:
        write_837p(batch(nobody, (bad,)))
    paths = [path for path, _ in refused.value.errors]
    assert paths == [
        "billing_provider",
        "billing_provider.tin",
        "billing_provider.zip",
        "claims[0].claim_id",
        "claims[0].lines[0].modifiers",
        "claims[0].lines[1].hcpcs",
        "claims[0].lines[1].diagnosis_pointers",
        "claims[0].lines[2].units",
    ]
    assert refused.value.source == "837P"
