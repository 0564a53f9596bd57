"""Extracts from the demo generator and a plan whose roster holds their members."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django_scopes import scopes_disabled

from carehub.demo.generator import GenerateOptions, generate
from carehub.demo.seed import _members
from carehub.jobs.runner import run_job
from carehub.population import services
from carehub.population.models import Dataset, EligibilityRun
from carehub.population.tasks import eligibility_body
from tests.integration.conftest import Tenant, acting_as

MEMBERS = 300
SEED = 2026
CRITERIA = """\
population: post-discharge-meals
as_of: 2026-10-31
require:
  product: [medicare_advantage, dsnp, medicaid]
  enrolled: true
  age: {min: 40}
  conditions_any: {icd10: [I50, E11, J44], lookback_days: 365}
exclude:
  hospice: true
rank:
  - {by: risk_score, order: desc}
  - {by: ed_visits_12m, order: desc}
  - {by: member_id, order: asc}
cap: 15
"""


@pytest.fixture
def var_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "var"
    folder.mkdir()
    with override_settings(VAR_DIR=folder):
        yield folder


def write_extracts(folder: Path, fmt: str = "parquet", members: int = MEMBERS,
                   as_of: str | None = None) -> Path:
    from datetime import date

    options = GenerateOptions(members=members, seed=SEED, fmt=fmt,
                              **({"as_of": date.fromisoformat(as_of)} if as_of else {}))
    generate(options, folder, overwrite=True)
    return folder


@pytest.fixture(scope="session")
def extracts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("extracts")
    return {fmt: write_extracts(base / fmt, fmt) for fmt in ("parquet", "csv")}


def roster_members(t: Tenant, members: int = MEMBERS) -> None:
    """The extracts' members on the plan's roster (as the demo seeds them)."""
    with scopes_disabled():
        _members(t.payer, t.hub, members)


class Upload:
    """A stored file given to the service as an upload would be."""

    def __init__(self, path: Path, name: str | None = None) -> None:
        self.path = path
        self.name = name or path.name
        self.size = path.stat().st_size

    def chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as source:
            while block := source.read(64 * 1024):
                yield block


def dataset_from(t: Tenant, folder: Path, fmt: str = "parquet") -> Dataset:
    acting = acting_as(t.users["payer_manager"], t.payer)
    with scopes_disabled():
        return services.upload_dataset(
            t.payer, name=f"extract {fmt}", acting=acting,
            roster=Upload(folder / f"roster.{fmt}"),  # type: ignore[arg-type]
            claims=Upload(folder / f"claims.{fmt}"))  # type: ignore[arg-type]


def finish(run: EligibilityRun) -> EligibilityRun:
    """Run the run's job as a worker would."""
    assert run.job_id is not None
    out = run_job(str(run.job_id), eligibility_body)
    assert out["status"] == "succeeded", out
    with scopes_disabled():
        return EligibilityRun.objects.get(pk=run.pk)


def start(t: Tenant, dataset: Dataset, text: str = CRITERIA, name: str = "meals") -> EligibilityRun:
    acting = acting_as(t.users["payer_manager"], t.payer)
    with scopes_disabled():
        criteria = services.save_criteria(t.payer, name=name, text=text, acting=acting)
        return services.start_run(t.payer, dataset=dataset, criteria_set=criteria, acting=acting)
