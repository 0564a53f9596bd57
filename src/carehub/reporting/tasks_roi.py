"""The ROI run as a background job (`reporting.roi`): the analytics ROI job over the
plan's dataset, with its stages on the progress bar. A finished run is not run again."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carehub.analytics.extracts import ExtractError
from carehub.analytics.roi import RoiError
from carehub.jobs.models import Job
from carehub.jobs.progress import JobCancelled, JobFailed, Progress
from carehub.jobs.queue import task
from carehub.jobs.runner import Outcome, run_job
from carehub.population import extract_files
from carehub.reporting.models import RoiRun, RoiStatus
from carehub.reporting.services import roi as services
from carehub.tenancy.access import Acting

STAGES = ("Reading the extracts", "Choosing the comparison group", "Summing claims per member",
          "Estimating")


class _Stages:
    """Maps the analytics job's named stages onto the bar (4 steps)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def stage(self, name: str, total: int | None = None, *, done: int = 0) -> None:
        self.progress.check_cancelled()
        self.progress.stage(name, len(STAGES), done=STAGES.index(name) if name in STAGES else 0)

    def advance(self, steps: int = 1) -> None:
        self.progress.advance(steps)


def roi_body(job: Job, acting: Acting, progress: Progress) -> Outcome:
    run = RoiRun.objects.select_related("contract", "contract__payer", "dataset").get(
        pk=job.params["run"])
    url = reverse("reporting:roi_run", args=[run.pk])
    if run.status == RoiStatus.DONE:
        return Outcome(summary={"run": run.pk}, url=url, message="Already finished.")
    services.mark_running(run)
    roster = extract_files.absolute(run.roster_path)
    claims = extract_files.absolute(run.claims_path)
    names = {str(roster): getattr(run.dataset, "roster_name", roster.name),
             str(claims): getattr(run.dataset, "claims_name", claims.name)}
    try:
        result = services.compute(run, roster, claims, acting=acting, steps=_Stages(progress))
    except (ExtractError, RoiError) as exc:
        text = str(exc)
        for path, name in names.items():
            text = text.replace(path, name)
        services.finish(run, error=text, acting=acting)
        raise JobFailed(f"The ROI cannot be estimated: {text}",
                        [{"where": "ROI", "message": text}]) from None
    except JobCancelled:
        services.finish(run, error="Cancelled.", acting=acting)
        raise
    except Exception:
        services.finish(run, error="An unexpected error stopped the run.", acting=acting)
        raise
    services.finish(run, result=result, acting=acting)
    progress.commit(done=len(STAGES))
    did = result["did"]["allowed_pmpm"]
    return Outcome(summary={"run": run.pk, "enrolled": result["counts"]["enrolled_matched"]},
                   url=url, message=f"{run.contract.code}: allowed PMPM difference "
                   f"{did['estimate']} (95% interval {did['low']} to {did['high']}).")


@task()
def roi_task(job_id: str) -> dict[str, Any]:
    return run_job(job_id, roi_body)
