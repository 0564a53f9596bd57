from carehub.tenancy.models import Role

NAV = [("Audit trail", "audit:list", (Role.AUDITOR, Role.HUB_ADMIN))]
