from carehub.tenancy.models import Role

NAV = [
    ("Statements", "billing:statements", (Role.HUB_ADMIN, Role.PAYER_MANAGER, Role.PAYER_ANALYST)),
]
