"""Row-level security for agreements between organisations.

- A contract's parties (and whether each accepted) are visible to every party of that
  contract, so each side sees who still has to countersign. Each party still writes
  only its own row (accepting or declining).
- A hub may read and write a plan's roster rows (members; enrolment spans follow their
  member) only while a contract in effect with that plan allows hub uploads. The same
  rule as contracts.selectors.hub_may_upload_for, stated once more for the database.

Both are SECURITY DEFINER functions: they read the contract tables as their owner, so
the check itself is not hidden by the row-level security it serves (and a policy on
contracts_contractparty cannot query its own table without recursing).
"""

from django.db import migrations

from carehub.tenancy.rls import CURRENT_ORG_SQL, PostgresOnlySQL

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION carehub_contract_party(contract bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (SELECT 1 FROM contracts_contractparty p
                 WHERE p.contract_id = contract AND p.organisation_id = {CURRENT_ORG_SQL})
$$;
CREATE OR REPLACE FUNCTION carehub_may_write_roster(plan bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT plan = {CURRENT_ORG_SQL} OR EXISTS (
    SELECT 1 FROM contracts_contract c
    WHERE c.payer_id = plan AND c.provider_id = {CURRENT_ORG_SQL}
      AND c.hub_may_upload_members
      AND EXISTS (SELECT 1 FROM contracts_contractparty p WHERE p.contract_id = c.id
                  AND p.role = 'payer' AND p.status = 'accepted')
      AND EXISTS (SELECT 1 FROM contracts_contractparty p WHERE p.contract_id = c.id
                  AND p.role = 'provider' AND p.status = 'accepted'))
$$;
"""  # nosec B608 # constant SQL: table, role and setting names are module constants

POLICIES = f"""
DROP POLICY IF EXISTS tenant_read ON contracts_contractparty;
CREATE POLICY tenant_read ON contracts_contractparty FOR SELECT USING (
  contracts_contractparty.organisation_id = {CURRENT_ORG_SQL}
  OR carehub_contract_party(contracts_contractparty.contract_id));
DROP POLICY IF EXISTS roster_read ON members_member;
DROP POLICY IF EXISTS roster_insert ON members_member;
DROP POLICY IF EXISTS roster_update ON members_member;
CREATE POLICY roster_read ON members_member FOR SELECT
  USING (carehub_may_write_roster(members_member.plan_id));
CREATE POLICY roster_insert ON members_member FOR INSERT
  WITH CHECK (carehub_may_write_roster(members_member.plan_id));
CREATE POLICY roster_update ON members_member FOR UPDATE
  USING (carehub_may_write_roster(members_member.plan_id))
  WITH CHECK (carehub_may_write_roster(members_member.plan_id));
"""

REVERSE = f"""
DROP POLICY IF EXISTS roster_read ON members_member;
DROP POLICY IF EXISTS roster_insert ON members_member;
DROP POLICY IF EXISTS roster_update ON members_member;
DROP POLICY IF EXISTS tenant_read ON contracts_contractparty;
CREATE POLICY tenant_read ON contracts_contractparty FOR SELECT
  USING (contracts_contractparty.organisation_id = {CURRENT_ORG_SQL});
DROP FUNCTION IF EXISTS carehub_may_write_roster(bigint);
DROP FUNCTION IF EXISTS carehub_contract_party(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("contracts", "0004_acceptance"), ("members", "0002_row_level_security")]
    operations = [PostgresOnlySQL(sql=FUNCTIONS + POLICIES, reverse_sql=REVERSE)]
