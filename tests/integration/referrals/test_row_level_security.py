"""Row-level security on every referrals table: a raw query under another organisation
sees none of this network's rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from carehub.referrals import services
from carehub.tenancy.rls import tenant_connection
from tests.integration.referrals.conftest import acting_as, refer, walk_to

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
TABLES = ["referrals_referral", "referrals_referralevent", "referrals_outreachattempt",
          "referrals_screening", "referrals_need", "referrals_servicedelivery",
          "referrals_casenote", "referrals_escalation", "referrals_fundspend",
          "referrals_consent", "referrals_contactpreference", "referrals_pathway",
          "referrals_pathwaystep", "referrals_engagementvisit"]


def count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
        return int(cursor.fetchone()[0])


def test_each_table_is_visible_only_to_parties(tenant, other_tenant, contract):
    referral = walk_to(refer(tenant), tenant, "in_service")
    kw = {"acting": acting_as(tenant.users["cbo_worker"], tenant.cbo)}
    with scopes_disabled():
        services.add_note(referral, text="n", **kw)
        services.raise_escalation(referral, barrier="other", description="d", **kw)
        services.spend_funds(referral, category="gas", amount="5.00", on=date.today(),
                             receipt="r", **kw)
        services.record_consent(tenant.member, kind="data_sharing", scope="plan",
                                given_on=date.today(), expires_on=None, **kw)
        services.set_contact_preference(tenant.member, phone="555", **kw)
        services.start_pathway(referral, pathway="food", steps=["apply"], **kw)
        services.record_visit(referral, on=date.today(), kind="home_visit", **kw)
    for table in TABLES:
        with tenant_connection(other_tenant.cbo.pk):
            assert count(table) == 0, table
        with tenant_connection(tenant.cbo.pk):
            assert count(table) >= 1, table
