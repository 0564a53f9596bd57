from carehub.tenancy.models import Role

NAV = [("Directory", "network:directory", tuple(Role.values))]
