from carehub.tenancy.models import Role

NAV = [
    ("Billing", "billing:cbo", (Role.CBO_SUPERVISOR, Role.CBO_WORKER)),
    ("Billing", "billing:hub", (Role.HUB_ADMIN, Role.HUB_COORDINATOR)),
    ("Statements", "billing:statements", (Role.HUB_ADMIN, Role.PAYER_MANAGER, Role.PAYER_ANALYST)),
    ("Fee schedules", "billing:fee_schedules", (Role.HUB_ADMIN, Role.HUB_COORDINATOR,
                                                Role.PAYER_MANAGER, Role.PAYER_ANALYST)),
]
