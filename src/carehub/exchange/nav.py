"""The exchange's header link: file deliveries of the organisation's contracts."""

from carehub.exchange.selectors.deliveries import READERS

NAV = [("Files", "exchange:deliveries", READERS)]
