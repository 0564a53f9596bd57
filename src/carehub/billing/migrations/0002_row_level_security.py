from django.db import migrations

from carehub.tenancy.rls import CURRENT_ORG_SQL, PostgresOnlySQL, enable_rls

# Issued statements, their lines and review decisions are never changed or removed.
REFUSE_CHANGES = """
CREATE OR REPLACE FUNCTION billing_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is issued and cannot change: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
""" + "".join(f"""
DROP TRIGGER IF EXISTS {table}_issued ON {table};
CREATE TRIGGER {table}_issued BEFORE UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION billing_refuse_change();
""" for table in ("billing_statement", "billing_statementline", "billing_billdecision"))


def party(table: str, contract_column: str = "contract_id") -> str:
    """Visible to the contract's parties: payer, provider (the hub) and its CBOs."""
    # SQL from module constants and names written here, never input.
    return ("EXISTS (SELECT 1 FROM contracts_contractparty cp WHERE "  # nosec B608
            + f"cp.contract_id = {table}.{contract_column} "
            + f"AND cp.organisation_id = {CURRENT_ORG_SQL})")


# A CBO sees only its own lines, bills and payouts; payer and hub see the contract's.
CBO_OR_PARTIES = ("({t}.cbo_id = {org} OR {t}.hub_id = {org} OR {t}.payer_id = {org})")


def cbo_or_parties(table: str) -> str:
    return CBO_OR_PARTIES.format(t=table, org=CURRENT_ORG_SQL)


OWN_SCHEDULE = f"billing_feeschedule.owner_id = {CURRENT_ORG_SQL}"
OWN_ROW = ("EXISTS (SELECT 1 FROM billing_feeschedule f WHERE "  # nosec B608
           + f"f.id = billing_feeschedulerow.schedule_id AND f.owner_id = {CURRENT_ORG_SQL})")
OWN_ONLY = "".join(f"""
DROP POLICY IF EXISTS tenant_update ON {table};
DROP POLICY IF EXISTS tenant_delete ON {table};
CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({own}) WITH CHECK ({own});
CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({own});
""" for table, own in (("billing_feeschedule", OWN_SCHEDULE), ("billing_feeschedulerow", OWN_ROW)))


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("tenancy", "0002_tenant_role")]
    operations = [
        PostgresOnlySQL(REFUSE_CHANGES, reverse_sql=migrations.RunSQL.noop),
        enable_rls("billing_statement",
                   f"billing_statement.payer_id = {CURRENT_ORG_SQL} "
                   f"OR billing_statement.provider_id = {CURRENT_ORG_SQL}"),
        enable_rls("billing_statementline",
                   "EXISTS (SELECT 1 FROM billing_statement s WHERE s.id = "
                   "billing_statementline.statement_id)"),
        enable_rls("billing_submission",
                   f"billing_submission.hub_id = {CURRENT_ORG_SQL} "
                   f"OR billing_submission.payer_id = {CURRENT_ORG_SQL}"),
        enable_rls("billing_bill", cbo_or_parties("billing_bill")),
        enable_rls("billing_billline", cbo_or_parties("billing_billline")),
        enable_rls("billing_billdecision",
                   "EXISTS (SELECT 1 FROM billing_bill b WHERE b.id = billing_billdecision.bill_id)"),
        enable_rls("billing_remittance",
                   f"billing_remittance.hub_id = {CURRENT_ORG_SQL} "
                   f"OR billing_remittance.payer_id = {CURRENT_ORG_SQL}"),
        enable_rls("billing_remittanceitem",
                   "EXISTS (SELECT 1 FROM billing_remittance r WHERE r.id = "
                   "billing_remittanceitem.remittance_id)"),
        enable_rls("billing_cbopayout",
                   f"billing_cbopayout.hub_id = {CURRENT_ORG_SQL} "
                   f"OR billing_cbopayout.cbo_id = {CURRENT_ORG_SQL}"),
        enable_rls("billing_contractbilling", party("billing_contractbilling")),
        # Shipped schedules (no owner) are read by everyone; a hub's own by the hub.
        enable_rls("billing_feeschedule",
                   f"billing_feeschedule.owner_id IS NULL OR billing_feeschedule.owner_id = {CURRENT_ORG_SQL}",
                   insert_check=OWN_SCHEDULE),
        enable_rls("billing_feeschedulerow",
                   "EXISTS (SELECT 1 FROM billing_feeschedule f WHERE f.id = "
                   "billing_feeschedulerow.schedule_id)",
                   insert_check=OWN_ROW),
        # Shipped schedules are read-only to requests: change and delete need ownership.
        PostgresOnlySQL(OWN_ONLY, reverse_sql=migrations.RunSQL.noop),
    ]
