"""The joint operating committee's scorecard as pure functions: what each measure means
(`measures`), the periods it is read over (`periods`), and the card computed from one
record per referral (`card`). No Django here: the reporting app reads the database and
hands records in, the pages, the pack, the CLI and the exports read the card out."""

from carehub.core.scorecard.card import (
    Card,
    Figure,
    Goals,
    ReferralRecord,
    compute,
)
from carehub.core.scorecard.measures import MEASURES, Measure, measure
from carehub.core.scorecard.periods import Period, parse_period

__all__ = ["MEASURES", "Card", "Figure", "Goals", "Measure", "Period", "ReferralRecord",
           "compute", "measure", "parse_period"]
