"""The header links: each app's `nav.py` has NAV = [(label, url name, roles)], listed here."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from carehub.audit import nav as audit_nav
from carehub.billing import nav as billing_nav
from carehub.contracts import nav as contracts_nav
from carehub.exchange import nav as exchange_nav
from carehub.jobs import nav as jobs_nav
from carehub.members import nav as members_nav
from carehub.network import nav as network_nav
from carehub.population import nav as population_nav
from carehub.referrals import nav as referrals_nav
from carehub.reporting import nav as reporting_nav
from carehub.tenancy.models import Role

NAV = [
    ("Network & users", "portal:organisations", (Role.HUB_ADMIN,)),
    ("Hub networks", "portal:cbo_networks", (Role.CBO_SUPERVISOR,)),
]

Nav = Sequence[tuple[str, str, Sequence[str]]]

# In header order.
NAVS: list[Nav] = [NAV, members_nav.NAV, audit_nav.NAV, network_nav.NAV, contracts_nav.NAV, referrals_nav.NAV,
                  jobs_nav.NAV,
                  population_nav.NAV, billing_nav.NAV, reporting_nav.NAV, exchange_nav.NAV]


def nav_items(role: str) -> list[dict[str, str]]:
    return [{"label": label, "url": reverse(url_name)}
            for nav in NAVS for label, url_name, roles in nav if role in roles]
