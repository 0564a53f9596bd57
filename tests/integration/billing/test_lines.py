"""Member-level lines built from the database: idempotent builds, each edit surfacing on a
line, and the CBO's correction clearing a failure."""

from __future__ import annotations

from datetime import date

import pytest
import simple_icd_10_cm as cm
from django_scopes import scopes_disabled

from carehub.audit.models import AuditEvent
from carehub.billing.models import BillLine, ContractBilling
from carehub.billing.services import lines as service
from carehub.members.models import EnrolmentSpan
from carehub.tenancy.models import Organisation
from tests.integration.billing.claims_setup import (
    PERIOD,
    claims_contract,
    deliver,
    enrolled_referral,
)
from tests.integration.conftest import acting_as, make_org

pytestmark = pytest.mark.django_db


def hub(t):  # type: ignore[no-untyped-def]
    return acting_as(t.users["hub_admin"], t.hub)


def codes_of(line: BillLine) -> list[str]:
    return [f["code"] for f in line.failures]


def test_default_z_codes_are_billable_leaves():
    for code in service.DEFAULT_Z_CODE.values():
        assert cm.is_valid_item(code) and cm.is_leaf(code), code


def test_build_makes_one_coded_line_per_delivery_and_is_idempotent(tenant):
    contract = claims_contract(tenant)
    referral = enrolled_referral(tenant, contract)
    first = deliver(referral, date(2026, 11, 2), units=2)
    deliver(referral, date(2026, 11, 3), units=1, setting="community")
    deliver(referral, date(2026, 12, 1), units=1)  # another month
    result = service.build_lines(contract, PERIOD, hub(tenant))
    assert (result.created, result.ready, result.failing) == (2, 2, 0)
    with scopes_disabled():
        line = BillLine.objects.get(delivery=first)
        assert (line.hcpcs, line.modifiers, str(line.rate), str(line.amount)) == (
            "S5170", "U1", "7.3500", "14.70")
        assert (line.place_of_service, line.diagnosis_codes, line.status) == ("12", "Z59.41",
                                                                             "ready")
        assert (line.cbo, line.hub, line.payer) == (tenant.cbo, tenant.hub, tenant.payer)
        assert BillLine.objects.get(delivery__date=date(2026, 11, 3)).place_of_service == "99"

    again = service.build_lines(contract, PERIOD, hub(tenant))
    assert (again.created, again.refreshed, again.dropped) == (0, 0, 0)
    with scopes_disabled():
        assert BillLine.objects.filter(period=PERIOD).count() == 2
        # A new delivery gets a line; a changed one is refreshed; a submitted one stays.
        deliver(referral, date(2026, 11, 4), units=1)
        first.units = 3
        first.save()
        BillLine.objects.filter(delivery__date=date(2026, 11, 3)).update(status="submitted",
                                                                         units=9)
    third = service.build_lines(contract, PERIOD, hub(tenant))
    assert (third.created, third.refreshed, third.untouched) == (1, 1, 1)
    with scopes_disabled():
        assert str(BillLine.objects.get(delivery=first).amount) == "22.05"
        assert BillLine.objects.get(delivery__date=date(2026, 11, 3)).units == 9
        # A delivery moved out of the month drops its unsubmitted line.
        first.date = date(2026, 10, 30)
        first.save()
    fourth = service.build_lines(contract, PERIOD, hub(tenant))
    assert fourth.dropped == 1
    with scopes_disabled():
        assert not BillLine.objects.filter(delivery=first).exists()
        assert AuditEvent.objects.filter(action="build_lines").count() == 4


def test_only_the_hub_of_the_contract_builds(tenant, other_tenant):
    contract = claims_contract(tenant)
    with pytest.raises(service.LineError):
        service.build_lines(contract, PERIOD, acting_as(other_tenant.users["hub_admin"],
                                                        other_tenant.hub))


def test_each_edit_surfaces_on_a_line_built_from_the_database(tenant):
    contract = claims_contract(tenant)
    referral = enrolled_referral(tenant, contract)
    with scopes_disabled():
        # Enrolment ends on 10 November: the 20th fails E01.
        EnrolmentSpan.objects.filter(member=tenant.member).update(end=date(2026, 11, 10))
    deliver(referral, date(2026, 11, 20))
    # Two lines the same day: the second is a duplicate (E09).
    deliver(referral, date(2026, 11, 5))
    deliver(referral, date(2026, 11, 5))
    # Four meals a day over the schedule's daily limit of 3 (E06).
    deliver(referral, date(2026, 11, 6), units=4)
    service.build_lines(contract, PERIOD, hub(tenant))
    with scopes_disabled():
        rows = {(x.service_date, x.pk): codes_of(x) for x in BillLine.objects.all()}
    by_day = {}
    for (day, _), codes in sorted(rows.items()):
        by_day.setdefault(day, []).append(codes)
    assert "E01" in by_day[date(2026, 11, 20)][0]
    assert by_day[date(2026, 11, 5)][0] == [] and "E09" in by_day[date(2026, 11, 5)][1]
    assert "E06" in by_day[date(2026, 11, 6)][0]


def test_z_code_timely_filing_and_atypical_provider_without_id(tenant):
    contract = claims_contract(tenant)
    with scopes_disabled():
        atypical = make_org("cbo", "Atypical Kitchen")  # no NPI, no medicaid id
        contract.delivering_cbos.add(atypical)
        ContractBilling.objects.filter(contract=contract).update(timely_filing_days=10)
    referral = enrolled_referral(tenant, contract)
    with scopes_disabled():
        referral.organisation = atypical
        referral.save()
    line_delivery = deliver(referral, date(2026, 11, 2))
    service.build_lines(contract, PERIOD, hub(tenant))
    with scopes_disabled():
        line = BillLine.objects.get(delivery=line_delivery)
    codes = codes_of(line)
    assert "E15" in codes and "E16" in codes and line.status == "failing"
    e15 = next(f for f in line.failures if f["code"] == "E15")
    assert "payer-assigned" in e15["message"] and e15["fix"]
    # A non-billable Z code (a category) surfaces E13 with its billable leaves named.
    with scopes_disabled():
        Organisation.objects.filter(pk=atypical.pk).update(medicaid_id="MCD-778")
        line.refresh_from_db()
    service.correct_line(line, {"diagnosis_codes": "Z59.4"}, hub(tenant))
    assert "E13" in codes_of(line) and "E15" not in codes_of(line)
    e13 = next(f for f in line.failures if f["code"] == "E13")
    assert "Z59.41" in e13["message"]


def test_correct_line_clears_a_failure_and_is_audited_with_the_member(tenant, other_tenant):
    contract = claims_contract(tenant)
    referral = enrolled_referral(tenant, contract, service_type="")  # no default Z code
    made = deliver(referral, date(2026, 11, 2))
    service.build_lines(contract, PERIOD, hub(tenant))
    with scopes_disabled():
        line = BillLine.objects.get(delivery=made)
    assert codes_of(line) == ["E12"] and line.status == "failing"
    with pytest.raises(service.LineError):
        service.correct_line(line, {"diagnosis_codes": "Z59.41"},
                             acting_as(other_tenant.users["cbo_worker"], other_tenant.cbo))
    with pytest.raises(service.LineError, match="place of service"):
        service.correct_line(line, {"place_of_service": "ZZ"},
                             acting_as(tenant.users["cbo_worker"], tenant.cbo))
    service.correct_line(line, {"diagnosis_codes": "z59.41"},
                         acting_as(tenant.users["cbo_worker"], tenant.cbo))
    with scopes_disabled():
        line.refresh_from_db()
        assert (line.status, line.failures, line.diagnosis_codes) == ("ready", [], "Z59.41")
        event = AuditEvent.objects.get(action="correct_line")
        assert event.member_id == str(tenant.member.pk)
    # A rebuild keeps the correction.
    service.build_lines(contract, PERIOD, hub(tenant))
    with scopes_disabled():
        line.refresh_from_db()
        assert line.diagnosis_codes == "Z59.41"
        line.status = "submitted"
        line.save()
    with pytest.raises(service.LineError, match="not yet submitted"):
        service.correct_line(line, {"units": 2}, acting_as(tenant.users["cbo_worker"],
                                                           tenant.cbo))


def test_the_contracts_own_daily_limit_applies_before_the_schedules(tenant):
    """The terms allow one meal a member a day (the schedule three): two is over (E06)."""
    import json

    import yaml

    from carehub.contracts.models import TermsVersion
    from tests.integration.billing.claims_setup import TERMS

    contract = claims_contract(tenant)
    text = TERMS.format(code=contract.code, payer=tenant.payer.slug, provider=tenant.hub.slug,
                        effective="2026-11-01", billing="claims")
    text = text.replace("    services: [HDM, NAV]\n",
                        "    services: [HDM, NAV]\n    max_units_per_member_per_day: 1\n")
    with scopes_disabled():
        TermsVersion.objects.create(
            contract=contract, version=2, effective=date(2026, 11, 1), source_text=text,
            document=json.loads(json.dumps(yaml.safe_load(text), default=str)))
    referral = enrolled_referral(tenant, contract)
    deliver(referral, date(2026, 11, 6), units=2)
    deliver(referral, date(2026, 11, 7), units=1)
    service.build_lines(contract, PERIOD, hub(tenant))
    with scopes_disabled():
        found = {x.service_date: codes_of(x) for x in BillLine.objects.all()}
    assert "E06" in found[date(2026, 11, 6)] and found[date(2026, 11, 7)] == []
