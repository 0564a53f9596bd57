"""Community voice test data: a hub's council with members, built through the services."""

from __future__ import annotations

from datetime import date

from carehub.reporting.models.voice import AdvisoryCouncil, CouncilMember
from carehub.reporting.services import voice as service
from tests.integration.conftest import Tenant, acting_as


def hub_council(tenant: Tenant, *, consumers: int = 5, others: int = 4,
                name: str = "Community advisory council") -> tuple[AdvisoryCouncil, list[CouncilMember]]:
    acting = acting_as(tenant.users["hub_admin"])
    council = service.create_council(acting=acting, name=name, other_rules="Invite a tribal representative.")
    members = [service.add_council_member(council, acting=acting, name=f"Consumer {i}",
                                          contact=f"555-010{i}", consumer=True,
                                          consent_to_contact=True, joined_on=date(2026, 1, 5))
               for i in range(consumers)]
    members += [service.add_council_member(council, acting=acting, name=f"Partner {i}",
                                           contact=f"partner{i}@example.org",
                                           organisation="Food bank", consent_to_contact=i > 0,
                                           joined_on=date(2026, 1, 5))
                for i in range(others)]
    return council, members
