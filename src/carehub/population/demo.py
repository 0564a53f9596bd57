"""Demo data: the plan's delivered dataset (the demo members' extracts, written by the
generator with the demo's seed, so its member ids are the seeded members') and one
criteria set to start from. The demo seed, above this app, hands over the generator as
`ctx.extra["write_extracts"](folder)`."""

from __future__ import annotations

from typing import Any

from carehub.population import extract_files, services
from carehub.population.models import CriteriaSet, Dataset
from carehub.tenancy.access import Acting

CRITERIA = """\
population: post-discharge-meals
as_of: 2026-10-31
require:
  product: [medicare_advantage, dsnp]
  enrolled: true
  age: {min: 65}
  conditions_any: {icd10: [I50, E11], lookback_days: 365}
exclude:
  hospice: true
rank:
  - {by: risk_score, order: desc}
  - {by: ed_visits_12m, order: desc}
  - {by: member_id, order: asc}
cap: 100
"""


def seed(ctx: Any) -> None:
    payer = ctx.payer
    acting = Acting.system(payer)
    if not Dataset.objects.filter(plan=payer, source=Dataset.Source.DELIVERED).exists():
        folder = extract_files.new_folder(payer.pk)
        ctx.extra["write_extracts"](folder)
        files = []
        for kind in ("roster", "claims"):
            path = folder / f"{kind}.parquet"
            files.append(extract_files.check(kind, path, name=path.name,
                                             sha256=extract_files.sha256_of(path)))
        services.record_dataset(payer, name="Delivered extract (demo)", files=files,
                                source=Dataset.Source.DELIVERED, acting=acting)
    if not CriteriaSet.objects.filter(plan=payer).exists():
        services.save_criteria(payer, name="post-discharge-meals", text=CRITERIA, acting=acting)
