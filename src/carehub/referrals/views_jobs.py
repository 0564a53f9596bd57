"""Pages that start the referrals app's jobs (assigning a ranked list); the old
settlement address, which now sends to billing's statement pages. Imports start from
the upload page (views.upload); every one of them then shows the job's own page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST
from django.views.generic import RedirectView

from carehub.jobs.models import Job
from carehub.referrals import jobs_api, selectors, uploads
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting

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


# The settlement moved to billing (`/billing/statements/settle/`, `billing.settle`);
# the old address sends there. A path, not a reverse: referrals never import billing.
settle = RedirectView.as_view(url="/billing/statements/settle/", permanent=False)
