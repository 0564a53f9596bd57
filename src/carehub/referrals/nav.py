from carehub.referrals.escalation_queues import ANSWERING_ROLES
from carehub.tenancy.models import Role

NAV = [
    ("Inbox", "referrals:inbox", (Role.CBO_WORKER, Role.CBO_SUPERVISOR)),
    ("Team", "referrals:supervisor", (Role.CBO_SUPERVISOR,)),
    ("Referrals", "referrals:coordinator", (Role.HUB_COORDINATOR, Role.HUB_ADMIN)),
    ("Needs routing", "referrals:needs_routing", (Role.HUB_COORDINATOR, Role.HUB_ADMIN)),
    ("Member progress", "referrals:plan", (Role.PAYER_MANAGER, Role.PAYER_ANALYST)),
    ("Ranked lists", "referrals:ranked_lists", (Role.PAYER_MANAGER, Role.PAYER_ANALYST,
                                                Role.HUB_COORDINATOR, Role.HUB_ADMIN)),
    ("Escalations", "referrals:escalations", ANSWERING_ROLES),
    ("Upload", "referrals:upload", (Role.PAYER_MANAGER, Role.HUB_ADMIN, Role.HUB_COORDINATOR)),
]
