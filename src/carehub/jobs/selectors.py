"""Reads of job rows, always given the acting organisation: a person sees the jobs they
started; the organisation's administrators see all of its jobs."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from carehub.jobs.models import Job
from carehub.tenancy import roles
from carehub.tenancy.access import Acting


def oversees(acting: Acting) -> bool:
    return acting.has_role(*roles.ORGANISATION_ADMINS)


def visible_jobs(acting: Acting) -> QuerySet[Job]:
    jobs = Job.objects.filter(organisation=acting.organisation).select_related("user")
    if not oversees(acting):
        user_pk = getattr(acting.user, "pk", None)
        jobs = jobs.filter(user_id=user_pk) if user_pk is not None else jobs.none()
    return jobs


def get_job(acting: Acting, pk: UUID | str) -> Job:
    """One job the acting person may see, or 404 (another organisation's, or a
    colleague's for someone who does not administer the organisation)."""
    job = visible_jobs(acting).filter(pk=pk).first()
    if job is None:
        raise Http404("Not found")
    return job
