from carehub.tenancy.models import Role

HUB = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)
PLAN = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)
CBO = (Role.CBO_SUPERVISOR, Role.CBO_WORKER)

NAV = [
    ("Billing", "billing:cbo", CBO),
    ("Billing", "billing:hub", HUB),
    ("Review bills", "billing:review", PLAN),
    ("Pay approved bills", "billing:remittance_export", (Role.PAYER_MANAGER,)),
    ("Payer questions", "billing:questions", HUB),
    ("Remittance", "billing:remittance", HUB),
    ("Payouts", "billing:payouts", (*HUB, Role.CBO_SUPERVISOR)),
    ("Statements", "billing:statements", (Role.HUB_ADMIN, *PLAN)),
    ("Fee schedules", "billing:fee_schedules", (*HUB, *PLAN)),
]
