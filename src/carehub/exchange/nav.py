"""The exchange's header links: file deliveries of the organisation's contracts, and the
organisation's export of all its own records (its administrators)."""

from carehub.exchange.selectors.deliveries import READERS
from carehub.tenancy.roles import ORGANISATION_ADMINS

NAV = [("Files", "exchange:deliveries", READERS),
       ("Export", "exchange:export", ORGANISATION_ADMINS)]
