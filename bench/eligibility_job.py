"""Eligibility from the browser vs the command line, on the same 1M-member files.

    .venv/bin/python bench/eligibility_job.py [--members 1000000] [--repeat 2]

The extract is the one bench/eligibility.py generates (bench/out/gen-1m, made once with
`carehub generate`), the criteria its selection. Two paths, each from a cold process:

- command line: `python -m carehub.cli eligibility --roster --claims --criteria --out`
  in a child process, until it exits;
- job: the run recorded and put on the queue as the page's "Run" button does
  (`population.services.start_run`, the same call the view makes), then a real worker
  process (`django db_worker --batch`, the queue's own worker) picks it up, runs the
  `population.eligibility_run` job (reading, applying criteria, ranking, saving the list
  as Parquet and the run's counts) and exits; timed from the start to the worker's exit.

Set-up (not timed): a SQLite database of its own in a temporary var folder, a plan, its
program manager, the dataset registered as delivered (the files linked into the plan's
dataset folder and checked once, as an upload would be) and the criteria saved.

Prints both times, the ratio (target: job within 1.2x the command line) and whether both
lists are the same members in the same order.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from eligibility import CRITERIA, OUT, ensure_data  # noqa: E402


def child_env(var: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CAREHUB_VAR": str(var),
            "DATABASE_URL": "", "DJANGO_SETTINGS_MODULE": "carehub.settings"}


def run_cli(data: Path, criteria: Path, out: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "carehub.cli", "eligibility",
                    "--roster", str(data / "roster.parquet"),
                    "--claims", str(data / "claims.parquet"),
                    "--criteria", str(criteria), "--out", str(out)],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def set_up(var: Path, data: Path) -> tuple[object, object, object, object]:
    os.environ.update({"CAREHUB_VAR": str(var), "DATABASE_URL": "",
                       "DJANGO_SETTINGS_MODULE": "carehub.settings"})
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    call_command("migrate", verbosity=0)
    from carehub.accounts.models import User
    from carehub.population import extract_files, services
    from carehub.population.models import Dataset
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Membership, Organisation

    with scopes_disabled():
        plan = Organisation.objects.create(kind="payer", name="Bench Plan", slug="bench-plan",
                                           legal_name="Bench Plan Inc.")
        user = User.objects.create_user(username="bench-manager", password="x-bench-x-123")
        membership = Membership.objects.create(user=user, organisation=plan,
                                               role="payer_manager")
        acting = Acting.of(user, membership)
        folder = extract_files.new_folder(plan.pk)
        files = []
        t0 = time.perf_counter()
        for kind in ("roster", "claims"):
            path = folder / f"{kind}.parquet"
            os.link(data / path.name, path)
            files.append(extract_files.check(kind, path, name=path.name,
                                             sha256=extract_files.sha256_of(path)))
        print(f"dataset registered and checked (not timed): {time.perf_counter() - t0:.1f} s")
        dataset = services.record_dataset(plan, name="bench", files=files,
                                          source=Dataset.Source.DELIVERED, acting=acting)
        criteria = services.save_criteria(plan, name="bench", text=CRITERIA, acting=acting)
    return plan, dataset, criteria, acting


def run_job_path(plan: object, dataset: object, criteria: object, acting: object,
                 env: dict[str, str]) -> tuple[float, object]:
    from django_scopes import scopes_disabled

    from carehub.population import services
    from carehub.population.models import EligibilityRun

    t0 = time.perf_counter()
    with scopes_disabled():
        run = services.start_run(plan, dataset=dataset, criteria_set=criteria,  # type: ignore[arg-type]
                                 acting=acting)  # type: ignore[arg-type]
    subprocess.run([sys.executable, "-m", "django", "db_worker", "--batch",
                    "--no-startup-delay"], check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    took = time.perf_counter() - t0
    with scopes_disabled():
        run = EligibilityRun.objects.select_related("job").get(pk=run.pk)
    assert run.job is not None and run.job.status == "succeeded", run.job and run.job.message
    return took, run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    data = ensure_data(args.members)
    var = Path(tempfile.mkdtemp(prefix="carehub-bench-job-", dir=OUT))
    env = child_env(var)
    criteria_path = OUT / "bench-criteria.yaml"
    criteria_path.write_text(CRITERIA)
    plan, dataset, criteria, acting = set_up(var, data)
    load = os.getloadavg()[0]
    cli_times, job_times = [], []
    run = None
    for _ in range(args.repeat):
        cli_times.append(run_cli(data, criteria_path, OUT / "bench-job-cli.csv", env))
        took, run = run_job_path(plan, dataset, criteria, acting, env)
        job_times.append(took)
    import pyarrow.parquet as pq

    assert run is not None
    job_ids = pq.read_table(var / run.output_path).sort_by("rank").column("member_id").to_pylist()
    with (OUT / "bench-job-cli.csv").open() as source:
        cli_ids = [r["member_id"] for r in csv.DictReader(source)]
    cli, job = statistics.median(cli_times), statistics.median(job_times)
    print(f"data: {data} ({args.members:,} members), cores: {os.cpu_count()}, "
          f"load {load:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"command line: {', '.join(f'{t:.2f}' for t in cli_times)} s (median {cli:.2f} s)")
    print(f"job:          {', '.join(f'{t:.2f}' for t in job_times)} s (median {job:.2f} s)")
    print(f"ratio job / command line: {job / cli:.2f}x (target <= 1.2x)")
    print(f"eligible {run.members_eligible:,}, selected {run.members_selected:,}; "
          f"same members in the same order: {job_ids == cli_ids}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
