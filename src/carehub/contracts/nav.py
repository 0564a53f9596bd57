from carehub.tenancy.models import Role

NAV = [
    ("Contracts", "contracts:list", tuple(Role.values)),
    ("Credentials", "contracts:credentials", (Role.HUB_ADMIN, Role.CBO_SUPERVISOR)),
]
