from carehub.tenancy.roles import STAFF

NAV = [("Members", "members:list", STAFF)]
