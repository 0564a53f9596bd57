"""Identifier formats used by the synthetic data: NPI check digits and plan ids.

An NPI is 9 digits plus a Luhn check digit computed as if the number were prefixed by
the card issuer code 80840 (CMS, "Requirements for NPI check digit", 2005).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# Luhn sum contributed by the constant prefix 80840 when the check digit is computed.
_NPI_PREFIX_SUM = 24


def npi_check_digit(base9: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Check digits for an array of 9-digit NPI bases (vectorised Luhn)."""
    x = np.asarray(base9, dtype=np.int64).copy()
    total = np.full(x.shape, _NPI_PREFIX_SUM, dtype=np.int64)
    # Walk digits from the right; the rightmost base digit is doubled (check digit follows).
    for position in range(9):
        digit = x % 10
        x //= 10
        if position % 2 == 0:
            doubled = digit * 2
            digit = doubled - 9 * (doubled > 9)
        total += digit
    return (10 - total % 10) % 10


def make_npis(base9: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Full 10-digit NPIs (as integers) for 9-digit bases."""
    base = np.asarray(base9, dtype=np.int64)
    return base * 10 + npi_check_digit(base)


def is_valid_npi(npi: str) -> bool:
    """True for a 10-digit string whose last digit is the NPI Luhn check digit."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    expected = int(npi_check_digit(np.array([int(npi[:9])], dtype=np.int64))[0])
    return expected == int(npi[9])


def random_npis(rng: np.random.Generator, count: int, entity: int = 1) -> list[str]:
    """Distinct NPIs; entity 1 = individual (starts with 1), 2 = organisation (starts with 2)."""
    bases = rng.choice(10**8, size=count, replace=False).astype(np.int64) + entity * 10**8
    return [str(v) for v in make_npis(bases)]
