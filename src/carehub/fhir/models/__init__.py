"""FHIR tables, one module per area: partner systems (clients), resources that arrived by
FHIR and are served back as received (records), and the links between carehub's
referrals and the source systems' Tasks and ServiceRequests (tasks)."""

from carehub.fhir.models.clients import *  # noqa: F403
from carehub.fhir.models.records import *  # noqa: F403
from carehub.fhir.models.tasks import *  # noqa: F403
