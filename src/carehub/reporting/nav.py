from carehub.tenancy.models import Role

HUB = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)
PLAN = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)
CBO = (Role.CBO_SUPERVISOR, Role.CBO_WORKER)

# Each area adds its header links here.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("JOC", "reporting:joc_committees", (*HUB, *PLAN, Role.CBO_SUPERVISOR)),
]
