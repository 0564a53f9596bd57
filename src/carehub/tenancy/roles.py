"""Who may do what: the role lists that views, the API and navigation check, defined once.

Each list is a tuple of `Role` values for `require_acting(*LIST)` or `acting.has_role(*LIST)`.
A page or operation that needs a new combination adds it here, with a name that says
what the roles have in common.
"""

from __future__ import annotations

from carehub.tenancy.models import Role

# Everyone with a membership, the read-only auditor included.
EVERYONE: tuple[str, ...] = tuple(Role.values)
# Everyone who works with members (all but the auditor): member pages, referrals, the API.
STAFF: tuple[str, ...] = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.CBO_SUPERVISOR,
                          Role.CBO_WORKER, Role.PAYER_MANAGER, Role.PAYER_ANALYST)

# By kind of organisation.
HUB: tuple[str, ...] = (Role.HUB_COORDINATOR, Role.HUB_ADMIN)
CBO: tuple[str, ...] = (Role.CBO_WORKER, Role.CBO_SUPERVISOR)
PLAN: tuple[str, ...] = (Role.PAYER_MANAGER, Role.PAYER_ANALYST)

# By task.
NETWORK_EDITORS: tuple[str, ...] = (Role.HUB_ADMIN, Role.HUB_COORDINATOR, Role.CBO_SUPERVISOR)
CONTRACT_EDITORS: tuple[str, ...] = (Role.HUB_ADMIN, Role.PAYER_MANAGER)
# Accept or decline a contract proposed to the organisation (a CBO's supervisor signs for it).
CONTRACT_SIGNERS: tuple[str, ...] = (*CONTRACT_EDITORS, Role.CBO_SUPERVISOR)
CREDENTIAL_EDITORS: tuple[str, ...] = (Role.HUB_ADMIN, Role.CBO_SUPERVISOR)
REFERRAL_UPLOADERS: tuple[str, ...] = (Role.PAYER_MANAGER, *HUB)
AUDIT_READERS: tuple[str, ...] = (Role.AUDITOR, Role.HUB_ADMIN)
# An organisation's administrators: they oversee everyone's work there (e.g. all its jobs).
ORGANISATION_ADMINS: tuple[str, ...] = (Role.HUB_ADMIN, Role.PAYER_MANAGER, Role.CBO_SUPERVISOR)
