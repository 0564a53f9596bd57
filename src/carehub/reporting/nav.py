"""Reporting has one header link, "Reporting", to a page of its areas; each area is listed
there for the roles that may use it. A CBO worker's one area, the resource library, keeps
its own header link."""

from carehub.tenancy.models import Role

HUB = (Role.HUB_ADMIN, Role.HUB_COORDINATOR)
PLAN = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)
CBO = (Role.CBO_SUPERVISOR, Role.CBO_WORKER)

# (label, url name, roles, what it is for), in the order the reporting page lists them.
AREAS: list[tuple[str, str, tuple[str, ...], str]] = [
    ("Scorecard", "reporting:scorecards", (*HUB, *PLAN, Role.CBO_SUPERVISOR),
     "Each contract's figures against the goals in its scope of work, with trends, splits "
     "by CBO and sub-population, and the members behind a figure."),
    ("Joint operating committees", "reporting:joc_committees",
     (*HUB, *PLAN, Role.CBO_SUPERVISOR),
     "Committees, their meetings with the seeds' agenda, member stories, action items, "
     "case conferencing and the meeting pack."),
    ("ROI and value", "reporting:roi", (*HUB, *PLAN),
     "Enrolled members against a matched comparison group: utilisation and cost before and "
     "after, with the estimate's interval, and the partners' social measures."),
    ("Renewal reviews", "reporting:renewal", (*HUB, *PLAN),
     "Contracts nearing their end: scorecard history, ROI, barriers and action items, and "
     "the decision."),
    ("Community voice", "reporting:voice", (*HUB, *PLAN),
     "Advisory councils and their composition, the feedback log with answers sent back, "
     "and who was asked what and when."),
    ("Feedback to the hub", "reporting:voice_feedback", (Role.CBO_SUPERVISOR,),
     "Feedback your CBO sent the hub and the answers it got."),
    ("CBO readiness", "reporting:readiness", (*HUB, *PLAN, Role.CBO_SUPERVISOR),
     "Readiness assessments, technical-assistance plans and capacity-building funds."),
    ("Resource library", "reporting:resources", (*HUB, *CBO),
     "Contract, scope-of-work and payment-terms templates and the example payment models "
     "the hub shares with its network."),
    ("Measure definitions", "reporting:measures", (*HUB, *PLAN, *CBO),
     "What every figure on the scorecard, in the pack and in the downloads means."),
]

NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("Reporting", "reporting:index", (*HUB, *PLAN, Role.CBO_SUPERVISOR)),
    ("Resources", "reporting:resources", (Role.CBO_WORKER,)),
]
