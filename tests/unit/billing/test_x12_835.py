"""835 remittance: what the payer writes for our claims comes back as payments per claim id,
with partial payments, adjustments and reversals, matched to our lines; a malformed file is
refused whole with the segment named."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from carehub.core.billing.claims import Batch, Claim, Party, ServiceLine, Subscriber
from carehub.core.billing.x12_835 import (
    Adjustment,
    ClaimPayment,
    LinePayment,
    Remittance,
    RemittanceError,
    parse_835,
    remit_claims,
    reversal_of,
    write_835,
)
from carehub.core.billing.x12_837 import write_837p
from carehub.core.billing.x12_check import check_835, check_837p
from carehub.core.validation import InputError

PAYER = Party(name="Golden State Health Plan", edi_id="GSHP01", tin="94-1234567",
              address="1 Capitol Mall", city="Sacramento", state="CA", zip="95814",
              contact_name="Provider Services", contact_phone="800-555-0100")
PAYEE = Party(name="Bay Community Care Hub", npi="1234567893", tin="12-3456789")
D = Decimal


def remittance() -> Remittance:
    partial = ClaimPayment(
        claim_id="CLM-1001", status="1", charged=D("300.00"), paid=D("245.50"),
        patient_responsibility=D("0.00"), payer_control_number="GS2026120100017",
        member_id="MC12345678", patient_last_name="Rivera", patient_first_name="Lucia",
        adjustments=(Adjustment("OA", "23", D("4.50")),),
        lines=(
            LinePayment("H0043", ("U6",), D("200.00"), D("200.00"), 2, date(2026, 11, 3),
                        "SL-1"),
            LinePayment("S5170", ("U6",), D("100.00"), D("50.00"), D("12.5"),
                        date(2026, 11, 4), "SL-2",
                        (Adjustment("CO", "45", D("30.00")), Adjustment("CO", "253", D("2.00")),
                         Adjustment("PR", "2", D("18.00")))),
        ),
    )
    reversal = ClaimPayment(
        claim_id="CLM-0950", status="22", charged=D("-120.00"), paid=D("-100.00"),
        patient_responsibility=D("0.00"), payer_control_number="GS2026110900003",
        member_id="MC87654321", patient_last_name="Chen", patient_first_name="Wei",
        lines=(LinePayment("T2041", ("U6",), D("-120.00"), D("-100.00"), 1,
                           date(2026, 10, 20), "SL-77",
                           (Adjustment("CO", "45", D("-20.00")),)),),
    )
    denied = ClaimPayment(
        claim_id="CLM-1002", status="4", charged=D("7.92"), paid=D("0.00"),
        patient_responsibility=D("0.00"), payer_control_number="GS2026120100018",
        member_id="MC12345678", patient_last_name="Rivera", patient_first_name="Lucia",
        lines=(LinePayment("S5170", ("U6",), D("7.92"), D("0.00"), 1, date(2026, 11, 5),
                           "SL-3", (Adjustment("CO", "96", D("7.92")),)),),
    )
    return Remittance(trace_number="EFT-000123", payment_total=D("145.50"),
                      payment_date=date(2026, 12, 20), payer=PAYER, payee=PAYEE,
                      claims=(partial, reversal, denied))


def written(source: Remittance | None = None) -> str:
    return write_835(source or remittance(), sender_id="GSHP01", receiver_id="HUB0001",
                     interchange_control_number=5012, created=datetime(2026, 12, 20, 6, 0))


def test_the_written_835_is_accepted_by_pyx12() -> None:
    text = written()
    result = check_835(text)
    assert result.accepted, result.describe()
    assert result.code == "A"
    assert result.transaction_codes == ("A",)
    lines = text.splitlines()
    assert lines[3] == "BPR*I*145.5*C*CHK************20261220~"
    assert lines[4] == "TRN*1*EFT-000123*1941234567~"
    assert "CLP*CLM-0950*22*-120*-100**MC*GS2026110900003~" in lines
    assert "CAS*CO*45*30**253*2~" in lines


def test_write_then_parse_gives_back_every_payment() -> None:
    text = written()
    parsed = parse_835(text)

    assert parsed.claims == remittance().claims
    assert parsed.trace_number == "EFT-000123"
    assert str(parsed.payment_total) == "145.50"
    assert parsed.payment_date == date(2026, 12, 20)
    assert parsed.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert parsed.payer.name == "Golden State Health Plan"
    assert parsed.payer.tin == "941234567"
    assert (parsed.payer.contact_name, parsed.payer.contact_phone) == ("Provider Services",
                                                                       "8005550100")
    assert parsed.payee.npi == "1234567893"
    assert parsed.check is not None and parsed.check.accepted


def test_a_partial_payment_keeps_its_adjustments_at_claim_and_line_level() -> None:
    payment = parse_835(written()).payments_by_claim()["CLM-1001"][0]

    assert (payment.status, str(payment.charged), str(payment.paid)) == ("1", "300.00",
                                                                         "245.50")
    assert payment.payer_control_number == "GS2026120100017"
    assert [(a.group, a.reason, str(a.amount)) for a in payment.adjustments] == [
        ("OA", "23", "4.50")]
    first, second = payment.lines
    assert (first.line_id, str(first.paid), first.adjustments) == ("SL-1", "200.00", ())
    assert (second.line_id, second.hcpcs, second.modifiers) == ("SL-2", "S5170", ("U6",))
    assert str(second.units) == "12.5"
    assert [(a.group, a.reason, str(a.amount)) for a in second.adjustments] == [
        ("CO", "45", "30.00"), ("CO", "253", "2.00"), ("PR", "2", "18.00")]
    # What was charged and not paid is accounted for by the adjustments, to the cent.
    assert str(sum((a.amount for a in payment.all_adjustments()), D(0))) == "54.50"
    assert str(payment.charged - payment.paid) == "54.50"


def test_a_reversal_comes_back_negative_under_the_claim_it_takes_back() -> None:
    payments = parse_835(written()).payments_by_claim()
    (reversal,) = payments["CLM-0950"]
    assert reversal.is_reversal
    assert (str(reversal.charged), str(reversal.paid)) == ("-120.00", "-100.00")
    assert [(a.group, a.reason, str(a.amount)) for a in reversal.lines[0].adjustments] == [
        ("CO", "45", "-20.00")]
    assert reversal.lines[0].line_id == "SL-77"
    (denied,) = payments["CLM-1002"]
    assert (denied.status, str(denied.paid)) == ("4", "0.00")
    assert denied.lines[0].adjustments == (Adjustment("CO", "96", D("7.92")),)


def test_the_same_file_read_twice_is_recognisable() -> None:
    text = written()
    first, second = parse_835(text), parse_835(text)
    assert (first.trace_number, first.payment_total, first.sha256) == (
        second.trace_number, second.payment_total, second.sha256)
    other = parse_835(text.replace("\n", "\r\n"))
    assert other.sha256 != first.sha256
    assert other.claims == first.claims


def test_a_file_without_a_required_amount_is_refused_whole_naming_the_segment() -> None:
    text = written()
    lines = text.splitlines()
    at = lines.index("CLP*CLM-1002*4*7.92*0**MC*GS2026120100018~") + 1
    broken = text.replace("CLP*CLM-1002*4*7.92*0**", "CLP*CLM-1002*4*7.92***")
    with pytest.raises(RemittanceError) as refused:
        parse_835(broken)
    assert isinstance(refused.value, InputError)
    assert refused.value.errors == [
        (f"CLP at segment {at} (CLP04)",
         'Mandatory data element "Claim Payment Amount" (CLP04) is missing')]
    assert str(refused.value).startswith(f"835: CLP at segment {at} (CLP04): ")
    assert refused.value.problems[0].segment_id == "CLP"


def test_a_file_cut_short_is_refused() -> None:
    text = written()
    cut = "\n".join(text.splitlines()[:-3]) + "\n"
    with pytest.raises(RemittanceError) as refused:
        parse_835(cut)
    assert refused.value.problems
    assert all(p.segment_id in ("SE", "GE", "IEA", "ISA", "GS", "ST")
               for p in refused.value.problems)


def test_an_amount_with_a_fraction_of_a_cent_is_refused() -> None:
    broken = written().replace("SVC*HC:S5170:U6*100*50**12.5~",
                               "SVC*HC:S5170:U6*100*50.005**12.5~")
    with pytest.raises(RemittanceError) as refused:
        parse_835(broken)
    (where, message), = refused.value.errors
    assert where.startswith("SVC at segment ") and where.endswith("(SVC03)")
    assert "'50.005' is not an amount in cents" == message


def test_amounts_that_do_not_add_up_are_refused() -> None:
    text = written()
    at = text.splitlines().index("CLP*CLM-1001*1*300*245.5**MC*GS2026120100017~") + 1
    broken = text.replace("CLP*CLM-1001*1*300*245.5*", "CLP*CLM-1001*1*300*254.5*")
    with pytest.raises(RemittanceError) as refused:
        parse_835(broken)
    assert refused.value.errors == [
        (f"CLP at segment {at}", "charged 300.00 - paid 254.50 does not equal the claim's "
                                 "and its lines' adjustments 54.50"),
        ("BPR", "the payment 145.50 does not equal the claims paid less provider "
                "adjustments (PLB), 154.50"),
    ]


def test_a_provider_level_adjustment_is_part_of_the_balance() -> None:
    text = written().replace("BPR*I*145.5*", "BPR*I*140.5*").replace(
        "\nSE*", "\nPLB*1234567893*20261231*WO:CLM-0800*5~\nSE*")
    se = [raw for raw in text.splitlines() if raw.startswith("SE*")][0]
    count = int(se.split("*")[1])
    text = text.replace(se, se.replace(f"SE*{count}*", f"SE*{count + 1}*"))
    parsed = parse_835(text)
    assert str(parsed.payment_total) == "140.50"
    assert str(parsed.provider_adjustment_total) == "5.00"


def test_an_837p_is_not_read_as_a_remittance() -> None:
    text = written().replace("GS*HP*", "GS*HC*").replace("005010X221A1", "005010X222A1")
    with pytest.raises(RemittanceError):
        parse_835(text)


def test_the_writer_refuses_amounts_that_do_not_balance() -> None:
    source = remittance()
    unbalanced = Remittance(
        trace_number=source.trace_number, payment_total=D("1.00"),
        payment_date=source.payment_date, payer=source.payer, payee=source.payee,
        claims=(ClaimPayment(claim_id="C1", status="1", charged=D("10.00"), paid=D("1.00"),
                             patient_responsibility=D("0.00"), payer_control_number="P1",
                             member_id="M1", patient_last_name="Doe"),))
    with pytest.raises(InputError) as refused:
        written(unbalanced)
    assert refused.value.errors == [
        ("claims[0]", "charged 10.00 - paid 1.00 must equal the adjustments 0.00")]


# -- from our 837P to the payer's 835 and back -----------------------------------------------

HUB = Party(name="Bay Community Care Hub", edi_id="HUB0001", contact_phone="5105550142")
CBO = Party(name="Casa Vecina Services", tin="987654321", payer_assigned_id="GS-CBO-0042",
            address="7 Fruitvale Ave", city="Oakland", state="CA", zip="946013310")
MEMBER = Subscriber(member_id="MC12345678", last_name="Rivera", first_name="Lucia",
                    birth_date=date(1961, 4, 9), sex="F", address="12 Elm St",
                    city="Oakland", state="CA", zip="94607")


def sent_claims() -> tuple[Claim, ...]:
    def lines(prefix: str, count: int, charge: str) -> tuple[ServiceLine, ...]:
        return tuple(ServiceLine(line_id=f"{prefix}{n}", service_date=date(2026, 11, 1 + n % 28),
                                 hcpcs="S5170", modifiers=("U6",), units=1,
                                 charge=D(charge)) for n in range(1, count + 1))

    return tuple(Claim(claim_id=claim_id, subscriber=MEMBER, payer=PAYER,
                       diagnosis_codes=("Z59.41",), place_of_service="12", lines=items)
                 for claim_id, items in (("CLM-1", lines("A", 2, "100.00")),
                                         ("CLM-2", lines("B", 51, "7.92")),
                                         ("CLM-3", lines("C", 1, "50.00"))))


def test_the_payers_answer_to_our_837p_matches_every_claim_and_line() -> None:
    claims = sent_claims()
    claim_file = write_837p(Batch(submitter=HUB, receiver=PAYER, billing_provider=CBO,
                                  claims=claims, interchange_control_number=77,
                                  created=datetime(2026, 12, 1, 8, 0)))
    assert check_837p(claim_file).accepted
    sent_ids = [raw.split("*")[1] for raw in claim_file.splitlines() if raw.startswith("CLM*")]
    sent_lines = {raw.rstrip("~").split("*")[2] for raw in claim_file.splitlines()
                  if raw.startswith("REF*6R*")}

    answer = remit_claims(claims, payer=PAYER, payee=CBO, trace_number="CHK-5",
                          payment_date=date(2026, 12, 22),
                          paid={"A2": D("80.00"), "C1": D("0.00")})
    parsed = parse_835(written(answer))

    by_claim = parsed.payments_by_claim()
    assert list(by_claim) == sent_ids == ["CLM-1", "CLM-2-1", "CLM-2-2", "CLM-3"]
    assert {line.line_id for c in parsed.claims for line in c.lines} == sent_lines
    (first,) = by_claim["CLM-1"]
    assert (first.status, str(first.charged), str(first.paid)) == ("1", "200.00", "180.00")
    assert [(a.group, a.reason, str(a.amount)) for a in first.all_adjustments()] == [
        ("CO", "45", "20.00")]
    assert [str(c.paid) for c in by_claim["CLM-2-1"] + by_claim["CLM-2-2"]] == ["396.00",
                                                                               "7.92"]
    (denied,) = by_claim["CLM-3"]
    assert (denied.status, str(denied.paid)) == ("4", "0.00")
    assert str(parsed.payment_total) == "583.92"
    assert parsed.payee.tin == "987654321"


def test_a_reversal_and_its_corrected_payment_in_a_later_file() -> None:
    first = parse_835(written(remit_claims(
        sent_claims()[:1], payer=PAYER, payee=CBO, trace_number="CHK-5",
        payment_date=date(2026, 12, 22), paid={"A2": D("80.00")})))
    earlier = first.payments_by_claim()["CLM-1"][0]
    corrected = replace(earlier, paid=D("200.00"), payer_control_number="CHK-9-2",
                        lines=tuple(replace(line, paid=line.charged, adjustments=())
                                    for line in earlier.lines))
    later = replace(first, trace_number="CHK-9", payment_total=D("20.00"),
                    claims=(reversal_of(earlier, "CHK-9-1"), corrected))
    parsed = parse_835(written(later))

    reversal, payment = parsed.payments_by_claim()["CLM-1"]
    assert reversal.is_reversal
    assert (str(reversal.charged), str(reversal.paid)) == ("-200.00", "-180.00")
    assert [(a.group, a.reason, str(a.amount)) for a in reversal.all_adjustments()] == [
        ("CO", "45", "-20.00")]
    assert [line.line_id for line in reversal.lines] == ["A1", "A2"]
    assert (payment.status, str(payment.paid)) == ("1", "200.00")
    assert str(parsed.payment_total) == "20.00"
