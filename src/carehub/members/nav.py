from carehub.tenancy.models import Role

NAV = [("Members", "members:list", tuple(r for r in Role.values if r != Role.AUDITOR))]
