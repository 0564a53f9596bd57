from carehub.tenancy.models import Role

HUB = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)
PLAN = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)
CBO = (Role.CBO_SUPERVISOR, Role.CBO_WORKER)

# Each area adds its header links here.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    # ROI area: the contract's plan and hub
    ("ROI", "reporting:roi", (*HUB, *PLAN)),
    ("Renewals", "reporting:renewal", (*HUB, *PLAN)),
]
