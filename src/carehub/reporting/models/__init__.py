"""Reporting and governance tables, one module per area: the scorecard's goals and facts,
the joint operating committee, ROI and renewal, community voice, CBO readiness."""

from carehub.reporting.models.joc import *  # noqa: F403
from carehub.reporting.models.readiness import *  # noqa: F403
from carehub.reporting.models.roi import *  # noqa: F403
from carehub.reporting.models.scorecard import *  # noqa: F403
from carehub.reporting.models.voice import *  # noqa: F403
