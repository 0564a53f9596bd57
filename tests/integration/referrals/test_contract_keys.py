"""The work done on a referral follows its contract by key: logged services are checked
against the contract's service definitions and terms, escalations and spending carry the
contract, and the activity export pays what the contract counts (engagements, pathways)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from carehub.contracts.models import Contract
from carehub.referrals import services
from carehub.referrals.activity import build_activity
from carehub.referrals.models import (
    Escalation,
    FundSpend,
    PathwayStep,
    Referral,
    ReferralEvent,
    ServiceDelivery,
)
from tests.integration.conftest import Tenant, make_org, make_user
from tests.integration.referrals.conftest import (
    acting_as,
    contract_with_terms,
    deliver_under,
    refer,
    walk_to,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def worker(t: Tenant):  # type: ignore[no-untyped-def]
    return acting_as(t.users["cbo_worker"], t.cbo)


def enrolled(t: Tenant, **terms) -> Referral:  # type: ignore[no-untyped-def]
    contract_with_terms(t, **terms)
    return walk_to(refer(t), t, "enrolled")


def test_a_logged_service_must_be_one_of_the_contracts(tenant):
    referral = enrolled(tenant)
    with scopes_disabled():
        with pytest.raises(services.ReferralError,
                           match="CM is not a service of contract T-MEALS; its services are "
                                 "HDM, NUTR"):
            services.log_service(referral, service_code="CM", on=TODAY(), units=1,
                                 setting="home", acting=worker(tenant))
        # A definition the terms in force do not pay for is refused too.
        with pytest.raises(services.ReferralError,
                           match="NUTR is not in the terms of contract T-MEALS"):
            services.log_service(referral, service_code="NUTR", on=TODAY(), units=1,
                                 setting="home", acting=worker(tenant))
        assert not ServiceDelivery.objects.exists()
        row = services.log_service(referral, service_code="HDM", on=TODAY(), units=2,
                                   setting="home", acting=worker(tenant))
        found = Contract.objects.get(code="T-MEALS")
        assert (row.contract, row.service.code, row.contract_code) == (found, "HDM", "T-MEALS")


def test_the_terms_limit_units_a_member_a_day(tenant):
    referral = enrolled(tenant, per_day=2)
    with scopes_disabled():
        services.log_service(referral, service_code="HDM", on=TODAY(), units=1,
                             setting="home", acting=worker(tenant))
        referral = Referral.objects.get(pk=referral.pk)
        services.log_service(referral, service_code="HDM", on=TODAY(), units=1,
                             setting="home", acting=worker(tenant))
        with pytest.raises(services.ReferralError,
                           match=f"pays at most 2 HDM a member a day; 2 already logged on "
                                 f"{TODAY()}"):
            services.log_service(referral, service_code="HDM", on=TODAY(), units=1,
                                 setting="home", acting=worker(tenant))
        yesterday = TODAY() - timedelta(days=1)
        services.log_service(referral, service_code="HDM", on=yesterday, units=2,
                             setting="home", acting=worker(tenant))
        assert sorted(ServiceDelivery.objects.values_list("date", "units")) == [
            (yesterday, 2), (TODAY(), 1), (TODAY(), 1)]


def test_escalations_and_spending_carry_the_contract(tenant, contract):
    referral = walk_to(refer(tenant), tenant, "enrolled")
    with scopes_disabled():
        found = Contract.objects.get(code="T-MEALS")
        services.raise_escalation(referral, barrier="transportation", description="no ride",
                                  acting=worker(tenant))
        services.spend_funds(referral, category="groceries", amount="30.00", on=TODAY(),
                             receipt="R-1", acting=worker(tenant))
        assert Escalation.objects.get().contract == found
        assert FundSpend.objects.get().contract == found
        allocation, spent = services.fund_balance(tenant.member.pk, found, TODAY())
    assert (f"{allocation:.2f}", f"{spent:.2f}") == ("100.00", "30.00")
    data = build_activity("T-MEALS", TODAY().strftime("%Y-%m"))
    assert data["spending"] == [{"member": "Alpha-M1", "category": "groceries",
                                 "amount": "30.00", "date": TODAY().isoformat()}]


def test_engagements_and_completed_pathways_are_in_the_activity_export(tenant, contract):
    """Outcome-based contracts pay for them: complete_step finishes the pathway and the
    export carries it, with the engagement visit."""
    referral = walk_to(refer(tenant), tenant, "enrolled")
    with scopes_disabled():
        services.record_visit(referral, on=TODAY(), kind="home_visit", acting=worker(tenant))
        pathway = services.start_pathway(referral, pathway="housing",
                                         steps=["apply", "move in"], acting=worker(tenant))
        first, second = PathwayStep.objects.filter(pathway=pathway).order_by("position")
        done = services.complete_step(first, acting=worker(tenant), on=TODAY())
        assert done.completed_on is None
        period = TODAY().strftime("%Y-%m")
        assert [e["type"] for e in build_activity("T-MEALS", period)["events"]
                if e["type"] != "enrolled"] == ["engaged"]
        done = services.complete_step(second, acting=worker(tenant), on=TODAY())
        assert done.completed_on == TODAY()
        with pytest.raises(services.ReferralError, match="already complete"):
            services.complete_step(second, acting=worker(tenant))
    events = build_activity("T-MEALS", period)["events"]
    assert {"member": "Alpha-M1", "type": "pathway_completed", "pathway": "housing",
            "date": TODAY().isoformat()} in events
    assert {"member": "Alpha-M1", "type": "engaged", "date": TODAY().isoformat()} in events
    assert {"member": "Alpha-M1", "type": "enrolled", "service": "HDM",
            "date": TODAY().isoformat()} in events


def test_reroute_goes_only_to_a_cbo_delivering_under_the_contract(tenant, contract):
    referral = refer(tenant)
    hub = acting_as(tenant.users["hub_coordinator"], tenant.hub)
    with scopes_disabled():
        stranger = make_org("cbo", "Alpha Stranger")
        with pytest.raises(services.RuleRefused,
                           match="Referral not moved: Alpha Stranger does not deliver under "
                                 "T-MEALS"):
            services.reroute(Referral.objects.get(pk=referral.pk), referral.version, stranger,
                             reason="closer to the member", acting=hub)
        assert Referral.objects.get(pk=referral.pk).organisation == tenant.cbo
    deliver_under("T-MEALS", stranger, tenant.hub)
    with scopes_disabled():
        moved = services.reroute(Referral.objects.get(pk=referral.pk), referral.version,
                                 stranger, acting=hub, reason="closer")
        assert moved.organisation == stranger and moved.assignee is None
        assert ReferralEvent.objects.filter(referral=referral, kind="routed").count() == 1


def test_assign_worker_gives_the_referral_to_one_of_its_organisations_workers(tenant,
                                                                              contract):
    referral = refer(tenant)
    supervisor = acting_as(tenant.users["cbo_supervisor"], tenant.cbo)
    with scopes_disabled():
        outsider = make_user("Alpha-outsider", make_org("cbo", "Alpha Elsewhere"), "cbo_worker")
        with pytest.raises(services.ReferralError, match="does not work for Alpha Pantry"):
            services.assign_worker(Referral.objects.get(pk=referral.pk), referral.version,
                                   outsider, acting=supervisor)
        current = Referral.objects.get(pk=referral.pk)
        before = current.version
        services.assign_worker(current, before, tenant.users["cbo_supervisor"],
                               acting=supervisor)
        saved = Referral.objects.get(pk=referral.pk)
        assert (saved.assignee, saved.version) == (tenant.users["cbo_supervisor"], before + 1)
        assert ReferralEvent.objects.filter(referral=referral, kind="assigned",
                                            note__startswith="worker:").count() == 1


def test_one_vocabulary_of_settings_and_the_migrations_map_the_old_values(tenant, contract):
    import importlib

    from django.db import connection

    from carehub.contracts.models import ServiceDefinition, Setting
    from carehub.referrals.models import Setting as DeliverySetting

    assert DeliverySetting is Setting
    assert [value for value, _ in Setting.choices] == ["home", "community", "office",
                                                       "telephone", "video"]
    referral = walk_to(refer(tenant), tenant, "in_service")
    referrals_sql = importlib.import_module(
        "carehub.referrals.migrations.0004_contract_foreign_keys").SETTING_VOCABULARY
    contracts_sql = importlib.import_module(
        "carehub.contracts.migrations.0008_service_setting_vocabulary").Migration.operations[-1]
    with scopes_disabled():
        ServiceDelivery.objects.filter(referral=referral).update(setting="phone")
        ServiceDefinition.objects.filter(code="HDM").update(setting="clinic")
        with connection.cursor() as cursor:
            cursor.execute(referrals_sql)
            cursor.execute(contracts_sql.sql)
        assert set(ServiceDelivery.objects.values_list("setting", flat=True)) == {"telephone"}
        assert ServiceDefinition.objects.get(code="HDM").setting == "office"
