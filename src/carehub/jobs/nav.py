from carehub.tenancy.roles import EVERYONE

NAV = [("My jobs", "jobs:list", EVERYONE)]
