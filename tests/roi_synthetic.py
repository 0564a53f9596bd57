"""Synthetic roster and claims with a planted program effect, for the ROI tests.

Everyone is enrolled in the plan from 2024-01-01; program members' index date is
2025-07-15 (baseline 2025-01..06, follow-up 2025-08..2026-01); claims run to 2026-03.
After the index month every member's ED rate rises by 0.05 a year (a shared trend);
program members' ED rate falls by `ed_drop` a year (0.2 = 200 per 1,000 member-years)
and their allowed PMPM by `pmpm_drop` dollars (the ED visits' own cost included), so
the expected difference in differences is exactly -ed_drop*1000 and -pmpm_drop.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

INDEX_DATE = dt.date(2025, 7, 15)
ED_COST = 600  # dollars per ED visit
IP_COST = 3000
ROSTER_HEADER = ["member_id", "birth_date", "county", "product", "enroll_start", "enroll_end"]
CLAIMS_HEADER = ["claim_id", "line", "member_id", "setting", "service_from", "service_to",
                 "allowed_amount"]


def _months() -> list[dt.date]:
    return [dt.date(2025 + (m // 12), m % 12 + 1, 1) for m in range(15)]  # 2025-01..2026-03


def write(folder: Path, *, enrolled: int = 3000, comparison: int = 6000, ed_drop: float = 0.2,
          pmpm_drop: float = 40.0, seed: int = 7) -> dict[str, dt.date]:
    """Write roster.csv and claims.csv into `folder`; return the program members."""
    rng = np.random.default_rng(seed)
    program: dict[str, dt.date] = {}
    claim_no = 0
    with (folder / "roster.csv").open("w", newline="") as r, \
            (folder / "claims.csv").open("w", newline="") as c:
        roster, claims = csv.writer(r), csv.writer(c)
        roster.writerow(ROSTER_HEADER)
        claims.writerow(CLAIMS_HEADER)
        for i in range(enrolled + comparison):
            member_id = f"S{i:05d}"
            in_program = i < enrolled
            if in_program:
                program[member_id] = INDEX_DATE
            birth = dt.date(int(rng.integers(1945, 2000)), int(rng.integers(1, 13)), 1)
            county = ("Erie, NY", "Niagara, NY")[int(rng.random() < (0.3 if in_program else 0.6))]
            # program members are more often dsnp, whose members use more care: matching
            # on product (and the differences in differences) take that out
            dsnp = rng.random() < (0.7 if in_program else 0.4)
            product = "dsnp" if dsnp else "medicaid"
            roster.writerow([member_id, birth, county, product, "2024-01-01", ""])
            ed_rate = 0.3 + (0.2 if dsnp else 0.0) + rng.gamma(2.0, 0.1)
            base_cost = 150 + (150 if dsnp else 0) + rng.gamma(2.0, 50)
            for month in _months():
                after = month > INDEX_DATE
                rate = ed_rate + (0.05 if after else 0.0)
                office = base_cost
                if after and in_program:
                    rate -= ed_drop
                    # the ED drop saves ed_drop*ED_COST/12 a month; the rest of the
                    # planted PMPM drop comes off office care
                    office -= pmpm_drop - ed_drop * ED_COST / 12
                rows: list[tuple[str, float, dt.date]] = []
                rows.append(("professional", max(0.0, office + rng.normal(0, 40)), month))
                for _ in range(int(rng.poisson(rate / 12))):
                    rows.append(("ed", ED_COST, month + dt.timedelta(days=int(rng.integers(0, 28)))))
                for _ in range(int(rng.poisson(0.1 / 12))):
                    rows.append(("inpatient", IP_COST, month + dt.timedelta(days=3)))
                for setting, amount, day in rows:
                    claim_no += 1
                    end = day + dt.timedelta(days=2) if setting == "inpatient" else day
                    claims.writerow([f"K{claim_no}", 1, member_id, setting, day, end,
                                     f"{amount:.2f}"])
    return program
