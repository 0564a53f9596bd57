"""Member-level lines for `billing: claims`: one per paid service line of each
fee-for-service component, mapping back to the activity line's id, adding up exactly to
the statement's lines for that component."""

from __future__ import annotations

from decimal import Decimal

from carehub.core.activity import load_activity
from carehub.core.settlement import settle
from carehub.core.settlement.member_lines import member_lines
from carehub.core.terms import load_terms

SERVICES = [
    {"code": "HDM", "name": "Home-delivered meal", "unit": "meal", "rate": "7.55",
     "hcpcs": "S5170", "modifiers": ["U1"]},
    {"code": "RIDE", "name": "Ride", "unit": "ride", "rate": "20.00", "hcpcs": "A0080"},
    {"code": "CM", "name": "Case management", "unit": "episode", "rate": "450.00"},
]


def terms(*components: dict) -> dict:
    return {"contract": "TEST-1", "payer": "plan", "provider": "hub", "effective": "2026-01-01",
            "ends": "2026-12-31", "billing": "claims", "services": SERVICES,
            "components": list(components)}


def line(ident: object, member: str, service: str, day: str, units: int) -> dict:
    return {"id": ident, "member": member, "service": service, "date": day, "units": units}


def test_member_lines_carry_the_delivery_and_add_up_to_the_statement():
    ffs = {"id": "ffs", "type": "fee_for_service", "services": ["HDM", "RIDE"],
           "max_units_per_member_per_day": 2, "guaranteed_minimum": "500.00"}
    data = {"period": {"start": "2026-03-01", "end": "2026-03-31"}, "services": [
        line(11, "M1", "HDM", "2026-03-02", 3),      # one unit over the daily cap
        line("12", "M2", "RIDE", "2026-03-02", 1),
        line(13, "M1", "HDM", "2026-02-27", 1),      # before the period: not this month's
        line(14, "M2", "HDM", "2026-03-31", 2)]}
    t, activity = load_terms(terms(ffs)), load_activity(data)
    got = [item.to_json_dict() for item in member_lines(t, activity)]
    assert got == [
        {"component": "ffs", "id": "11", "member": "M1", "date": "2026-03-02",
         "service": "HDM", "code": "S5170", "modifiers": ["U1"], "units": 2, "delivered": 3,
         "rate": "7.55", "amount": "15.10"},
        {"component": "ffs", "id": "12", "member": "M2", "date": "2026-03-02",
         "service": "RIDE", "code": "A0080", "modifiers": [], "units": 1, "delivered": 1,
         "rate": "20.00", "amount": "20.00"},
        {"component": "ffs", "id": "14", "member": "M2", "date": "2026-03-31",
         "service": "HDM", "code": "S5170", "modifiers": ["U1"], "units": 2, "delivered": 2,
         "rate": "7.55", "amount": "15.10"},
    ]
    statement = settle(t, activity)
    per_service = sum((x.amount for x in statement.lines
                       if x.component == "ffs" and x.label.split(" ")[0] in ("HDM", "RIDE")),
                      Decimal("0.00"))
    assert str(per_service) == "50.20"
    assert str(sum((x.amount for x in member_lines(t, activity)), Decimal("0.00"))) == "50.20"
    # The top-up is paid to the contract, not per member.
    assert {x.label: str(x.amount) for x in statement.lines}["Guaranteed minimum top-up"] == "449.80"


def test_services_inside_a_bundle_and_other_components_give_no_member_lines():
    bundle = {"id": "cm", "type": "bundled", "service": "CM", "rate": "450.00",
              "episode_days": 30, "max_renewals": 0, "included_services": ["HDM"]}
    ffs = {"id": "ffs", "type": "fee_for_service", "services": ["HDM"]}
    cap = {"id": "cap", "type": "capitation", "pmpm": "10.00",
           "member_month_rule": "first_of_month"}
    data = {"period": {"start": "2026-03-01", "end": "2026-03-31"},
            "attribution": [{"member": "M1", "start": "2026-01-01", "end": None}],
            "events": [{"type": "enrolled", "member": "M1", "service": "CM",
                        "date": "2026-03-01"}],
            "services": [line(1, "M1", "HDM", "2026-03-05", 1),
                         line(2, "M2", "HDM", "2026-03-05", 4)]}
    got = member_lines(load_terms(terms(bundle, ffs, cap)), load_activity(data))
    assert [(x.id, x.member, str(x.amount)) for x in got] == [("2", "M2", "30.20")]


def test_an_activity_without_ids_still_gives_lines_with_an_empty_id():
    ffs = {"id": "ffs", "type": "fee_for_service", "services": ["HDM"]}
    data = {"period": {"start": "2026-03-01", "end": "2026-03-31"},
            "services": [{"member": "M1", "service": "HDM", "date": "2026-03-02", "units": 1}]}
    got = member_lines(load_terms(terms(ffs)), load_activity(data))
    assert [(x.id, str(x.amount)) for x in got] == [("", "7.55")]
