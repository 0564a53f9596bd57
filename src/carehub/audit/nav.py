from carehub.tenancy.roles import AUDIT_READERS

NAV = [("Audit trail", "audit:list", AUDIT_READERS)]
