"""The eligibility run as a background job (`population.eligibility_run`): the same
analytics code as `carehub eligibility`, on DuckDB, over the dataset's files, with its
stages on the progress bar (reading, applying criteria, ranking, saving).

Idempotent: a finished run is not run again, and the list is written to a temporary file
renamed into place before the run row records it, so a job killed half-way leaves the
run unfinished and the re-run writes it whole."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from carehub.analytics.eligibility import run_eligibility
from carehub.analytics.engines import connect
from carehub.analytics.extracts import ExtractError, Workspace, extract
from carehub.core.eligibility import CriteriaError, parse_criteria
from carehub.core.textinput import TextInputError, parse_yaml
from carehub.jobs.models import Job
from carehub.jobs.progress import JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.population import extract_files, outputs, services
from carehub.population.models import EligibilityRun
from carehub.tenancy.access import Acting


def _check_inputs(run: EligibilityRun, roster: Path, claims: Path, progress: Progress) -> None:
    """A run made again must read the very files the first one read."""
    progress.stage("checking inputs", 2)
    for kind, path, recorded in (("roster", roster, run.roster_sha256),
                                 ("claims", claims, run.claims_sha256)):
        if not path.exists():
            raise JobFailed(f"The {kind} file of this dataset is gone.",
                            [{"where": kind, "message": "file missing"}])
        if extract_files.sha256_of(path) != recorded:
            raise JobFailed(f"The {kind} file has changed since the first run; the list "
                            "cannot be made again from the same inputs.",
                            [{"where": kind, "message": "checksum differs"}])
        progress.advance()


def eligibility_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    run = EligibilityRun.objects.select_related("dataset", "plan").get(pk=job.params["run"])
    url = services.run_url(run)
    if run.finished:
        return Outcome(summary={"eligible": run.members_eligible,
                                "selected": run.members_selected}, url=url,
                       message="Already finished.")
    dataset = run.dataset
    roster = extract_files.absolute(dataset.roster_path)
    claims = extract_files.absolute(dataset.claims_path)
    if run.rerun_of_id is not None:
        _check_inputs(run, roster, claims, progress)
    try:
        criteria = parse_criteria(parse_yaml(run.criteria_yaml))
        with Workspace(connect("duckdb")) as ws:
            result = run_eligibility(ws, extract("roster", roster, {}),
                                     extract("claims", claims, {}), criteria, steps=progress)
    except (CriteriaError, TextInputError) as exc:
        raise JobFailed(f"The criteria cannot be used: {exc}",
                        [{"where": "criteria", "message": str(exc)}]) from None
    except ExtractError as exc:
        text = (str(exc).replace(str(roster), dataset.roster_name)
                .replace(str(claims), dataset.claims_name))
        raise JobFailed(f"A file of the dataset cannot be read: {text}",
                        [{"where": "dataset", "message": text}]) from None
    progress.check_cancelled()
    progress.stage("saving", len(result.ranked))
    path = outputs.output_path(run.plan_id, run.pk)
    digest = outputs.write_list(result, path, progress.advance)
    with transaction.atomic():
        services.record_result(run, result, output=path, list_sha256=digest, acting=acting)
        progress.commit(done=len(result.ranked), checkpoint={"saved": True})
    return Outcome(
        summary={"read": result.members_read, "eligible": result.members_eligible,
                 "selected": result.members_selected},
        url=url,
        message=f"{result.members_eligible:,} eligible, {result.members_selected:,} selected "
                f"of {result.members_read:,} members.")


@task()
def eligibility_run_task(job_id: str) -> dict:
    return run_job(job_id, eligibility_body)
