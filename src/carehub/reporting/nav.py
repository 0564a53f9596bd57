from carehub.tenancy.models import Role

HUB = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)
PLAN = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)
CBO = (Role.CBO_SUPERVISOR, Role.CBO_WORKER)

# Each area adds its header links here.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    # The scorecard: hub, plan and CBO supervisors.
    ("Scorecard", "reporting:scorecards", (*HUB, *PLAN, Role.CBO_SUPERVISOR)),
    # readiness
    ("Readiness", "reporting:readiness", (*HUB, *PLAN, Role.CBO_SUPERVISOR)),
    ("Resources", "reporting:resources", (*HUB, *CBO)),
    # Community voice: councils for hub and plan; a CBO supervisor's own feedback items.
    ("Community voice", "reporting:voice", (*HUB, *PLAN)),
    ("Community voice", "reporting:voice_feedback", (Role.CBO_SUPERVISOR,)),
    ("JOC", "reporting:joc_committees", (*HUB, *PLAN, Role.CBO_SUPERVISOR)),
    # ROI area: the contract's plan and hub
    ("ROI", "reporting:roi", (*HUB, *PLAN)),
    ("Renewals", "reporting:renewal", (*HUB, *PLAN)),
]
