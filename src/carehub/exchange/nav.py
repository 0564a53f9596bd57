from carehub.tenancy.roles import ORGANISATION_ADMINS

NAV = [("Export", "exchange:export", ORGANISATION_ADMINS)]
