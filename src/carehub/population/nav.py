from carehub.tenancy.models import Role

NAV = [
    ("Eligibility", "population:index", (Role.PAYER_MANAGER, Role.PAYER_ANALYST)),
]
