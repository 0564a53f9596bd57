"""Options, limits and the claims window of the synthetic extract generator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from carehub.core.periods import add_months

GENERATOR_VERSION = "1"
CHUNK_MEMBERS = 100_000  # fixed: part of the output's definition for a seed
MAX_MEMBERS = 99_900_000  # claim ids reserve 3 digits for the chunk number
MIN_MONTHS, MAX_MONTHS = 6, 60
FORMATS = ("parquet", "csv")
DEFAULT_AS_OF = date(2026, 10, 31)
PCPS_PER_COUNTY = 250

EPOCH = date(1970, 1, 1)
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


class GenerateError(ValueError):
    """Bad options or an unusable output folder; the message is shown to the user."""


@dataclass(frozen=True)
class GenerateOptions:
    members: int
    seed: int
    fmt: str = "parquet"
    as_of: date = DEFAULT_AS_OF
    months: int = 12

    def validate(self) -> None:
        if self.members <= 0:
            raise GenerateError(f"--members must be a positive whole number, got {self.members}")
        if self.members > MAX_MEMBERS:
            raise GenerateError(f"--members must be at most {MAX_MEMBERS}, got {self.members}")
        if self.fmt not in FORMATS:
            raise GenerateError(f"unknown --format {self.fmt!r}; use parquet or csv")
        if not MIN_MONTHS <= self.months <= MAX_MONTHS:
            raise GenerateError(
                f"--months must be between {MIN_MONTHS} and {MAX_MONTHS}, got {self.months}"
            )
        if self.seed < 0:
            raise GenerateError(f"--seed must be zero or positive, got {self.seed}")


def days_since_epoch(d: date) -> int:
    return (d - EPOCH).days


def claims_window(as_of: date, months: int) -> tuple[date, date]:
    """First and last day of the claims window: the `months` months ending on as_of."""
    return add_months(as_of, -months) + timedelta(days=1), as_of
