"""A plan may read the directory entries of the organisations its contracts use.

The SQL twin of `carehub.network.plan_network`: under a contract in effect (payer and
provider both accepted) that the acting plan pays, the provider and the delivering CBOs
still taking part in the provider hub's network. Read-only: a second, permissive SELECT
policy beside the directory's own, so every other read and every write is unchanged.
A SECURITY DEFINER function, as for the contract policies: the check reads the contract
and network tables as their owner, so it is not hidden by the row-level security it serves.
"""

from django.db import migrations

from carehub.tenancy.rls import CURRENT_ORG_SQL, PostgresOnlySQL

FORWARD = f"""
CREATE OR REPLACE FUNCTION carehub_plan_network(org bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT EXISTS (
    SELECT 1 FROM contracts_contract c
    WHERE c.payer_id = {CURRENT_ORG_SQL}
      AND EXISTS (SELECT 1 FROM contracts_contractparty p WHERE p.contract_id = c.id
                  AND p.role = 'payer' AND p.status = 'accepted')
      AND EXISTS (SELECT 1 FROM contracts_contractparty p WHERE p.contract_id = c.id
                  AND p.role = 'provider' AND p.status = 'accepted')
      AND (c.provider_id = org OR EXISTS (
        SELECT 1 FROM contracts_contract_delivering_cbos d
        JOIN tenancy_networkmember m ON m.cbo_id = d.organisation_id
        JOIN tenancy_network n ON n.id = m.network_id AND n.hub_id = c.provider_id
        WHERE d.contract_id = c.id AND d.organisation_id = org
          AND m.status = 'accepted' AND m."left" IS NULL)))
$$;
DROP POLICY IF EXISTS plan_network_read ON network_service;
CREATE POLICY plan_network_read ON network_service FOR SELECT
  USING (carehub_plan_network(network_service.organisation_id));
"""  # nosec B608 # constant SQL: table, role and setting names are module constants

REVERSE = """
DROP POLICY IF EXISTS plan_network_read ON network_service;
DROP FUNCTION IF EXISTS carehub_plan_network(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("network", "0002_service_types_and_rls"),
                    ("contracts", "0005_agreement_rls"), ("tenancy", "0004_least_privilege")]
    operations = [PostgresOnlySQL(sql=FORWARD, reverse_sql=REVERSE)]
