"""Pages that start the referrals app's jobs (assigning a ranked list, settling a
contract's month) and the settled statement's page and downloads. Imports start from
the upload page (views.upload); every one of them then shows the job's own page."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from carehub.audit import services as audit
from carehub.jobs import services as jobs
from carehub.jobs.models import Job, JobStatus
from carehub.referrals import jobs_api, selectors, statements, uploads
from carehub.referrals.tasks import SETTLE_KIND, settle_task
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

SETTLERS = (Role.HUB_ADMIN, Role.PAYER_MANAGER)
ASSIGNERS = roles.REFERRAL_UPLOADERS


def job_page(job: Job) -> str:
    """The job's own page (progress, then its result or errors)."""
    try:
        return reverse("jobs:detail", args=[job.pk])
    except NoReverseMatch:  # the jobs pages' URL, should they be mounted without a name
        return f"/jobs/{job.pk}/"


@require_POST
@require_acting(*ASSIGNERS)
def assign_list(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """The ranked list's Assign button: the bulk assignment job, the rules checked first."""
    ranked = selectors.get_ranked_list(acting.organisation, pk)
    hubs = {h.pk: h for h in uploads.hubs_for(acting)}
    try:
        hub_pk = int(request.POST.get("hub") or ranked.hub_id or 0)
    except ValueError:
        hub_pk = 0
    hub = hubs.get(hub_pk)
    back = reverse("referrals:ranked_list", args=[pk])
    if hub is None:
        messages.error(request, "Choose a hub this plan has a contract in effect with.")
        return redirect(back)
    try:
        job = jobs_api.start_assignment(ranked, hub, acting=acting)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return redirect(job_page(job))


class SettleForm(forms.Form):
    contract = forms.TypedChoiceField(coerce=int, label="Contract")
    period = forms.ChoiceField(label="Month")

    def __init__(self, *args: Any, contracts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [  # type: ignore[attr-defined]
            (c.pk, f"{c.code} · {c.payer.name} → {c.provider.name}") for c in contracts]
        self.fields["period"].choices = statements.month_choices(  # type: ignore[attr-defined]
            timezone.localdate())


@require_acting(*SETTLERS)
def settle(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Pick a contract the organisation is party to and a month; the settlement job."""
    contracts = statements.contracts_to_settle(acting.organisation)
    form = SettleForm(request.POST or None, contracts=contracts)
    if request.method == "POST" and form.is_valid():
        contract = next(c for c in contracts if c.pk == form.cleaned_data["contract"])
        period = form.cleaned_data["period"]
        job = jobs.start_job(settle_task, kind=SETTLE_KIND,
                             title=f"Settle {contract.code} {period}", acting=acting,
                             params={"contract": contract.pk, "period": period})
        return redirect(job_page(job))
    recent = (Job.objects.filter(kind=SETTLE_KIND, status=JobStatus.SUCCEEDED)
              .order_by("-finished_at")[:10])
    response = render(request, "referrals/settle.html", {"form": form, "recent": recent,
                                                         "contracts": contracts})
    if request.method == "POST":
        response.status_code = 400
    return response


def _statement_job(acting: Acting, job_id: UUID) -> tuple[Job, dict[str, Any]]:
    # The job manager is scoped to the acting organisation: another's job is not found.
    job = Job.objects.filter(pk=job_id, kind=SETTLE_KIND, status=JobStatus.SUCCEEDED).first()
    data = statements.read_statement(job) if job is not None else None
    if job is None or data is None:
        raise Http404("Not found")
    return job, data


@require_acting(*SETTLERS)
def statement(request: HttpRequest, acting: Acting, job_id: UUID) -> HttpResponse:
    job, data = _statement_job(acting, job_id)
    return render(request, "referrals/statement.html",
                  {"job": job, "statement": data, "job_url": job_page(job)})


@require_acting(*SETTLERS)
def statement_download(request: HttpRequest, acting: Acting, job_id: UUID,
                       fmt: str) -> HttpResponse:
    if fmt not in ("json", "csv"):
        raise Http404("Not found")
    job, data = _statement_job(acting, job_id)
    name = f"statement-{data['contract']}-{job.params.get('period', '')}.{fmt}"
    if fmt == "json":
        response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                content_type="application/json")
    else:
        response = HttpResponse(statements.statement_csv(data), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    audit.record("export", request=request, object_type="statement", object_id=str(job.pk),
                 detail={"format": fmt})
    return response
