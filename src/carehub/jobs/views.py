"""The job pages: one job's progress (polled by htmx), cancelling, and "My jobs".

Other apps' views start a job with `services.start_job(...)` and then either send the
person to its page with `redirect_to_job(job)` or show its bar in place with
`{% include "jobs/_progress.html" with job=job %}` (docs/jobs.md).
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from carehub.jobs import selectors, services
from carehub.jobs.filters import JobFilterSet
from carehub.jobs.health import health_report
from carehub.jobs.models import Job
from carehub.listing import Column, listing
from carehub.tenancy.access import Acting, require_acting

COLUMNS = [Column("Job", "title"), Column("Status", "status"), Column("Progress"),
           Column("Started", "started", "hide-sm")]


def redirect_to_job(request: HttpRequest, job: Job) -> HttpResponse:
    """After starting a job: to its page (an htmx request is told to go there too)."""
    url = job_url(job)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def job_url(job: Job) -> str:
    from django.urls import reverse

    return reverse("jobs:detail", kwargs={"pk": job.pk})


@require_safe
@require_acting()
def job_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    found = listing(request, JobFilterSet, selectors.visible_jobs(acting), COLUMNS)
    return render(request, "jobs/list.html", {
        "jobs": found.rows, "listing": found, "oversees": selectors.oversees(acting)})


@require_safe
@require_acting()
def job_detail(request: HttpRequest, acting: Acting, pk: UUID) -> HttpResponse:
    job = selectors.get_job(acting, pk)
    return render(request, "jobs/detail.html", {"job": job})


@require_safe
@require_acting()
def job_progress(request: HttpRequest, acting: Acting, pk: UUID) -> HttpResponse:
    """The bar alone, for htmx to swap in every second until the job has finished."""
    job = selectors.get_job(acting, pk)
    return render(request, "jobs/_progress.html", _bar(request, job))


@require_POST
@require_acting()
def job_cancel(request: HttpRequest, acting: Acting, pk: UUID) -> HttpResponse:
    job = selectors.get_job(acting, pk)
    services.request_cancel(job, acting=acting)
    job = selectors.get_job(acting, pk)
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_progress.html", _bar(request, job))
    return redirect(job_url(job))


def _bar(request: HttpRequest, job: Job) -> dict[str, object]:
    # On the job's own page the title is the page's heading, not a link in the bar.
    return {"job": job, "own_page": request.GET.get("own") == "1"}


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """For load balancers and monitors: no sign-in, counts only. 200 when healthy, 503
    when the database is unreachable or tasks wait with no live worker."""
    report = health_report()
    response = JsonResponse(report, status=200 if report["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response
