"""FHIR tables, one module per area: partner systems (clients) and the resources that
arrived by FHIR and the versions carehub keeps of the ones it serves (records)."""

from carehub.fhir.models.clients import *  # noqa: F403
from carehub.fhir.models.records import *  # noqa: F403
