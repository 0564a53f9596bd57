"""Exchange tables, one module per area: data sets and their deliveries with receipts
(deliveries), and organisation-wide exports (exports)."""

from carehub.exchange.models.deliveries import *  # noqa: F403
from carehub.exchange.models.exports import *  # noqa: F403
