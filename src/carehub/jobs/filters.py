"""The filters of "My jobs": they narrow `selectors.visible_jobs`."""

from __future__ import annotations

import django_filters

from carehub.jobs.models import Job, JobStatus
from carehub.listing import ListFilterSet, SortFilter


class JobFilterSet(ListFilterSet):
    status = django_filters.ChoiceFilter(label="Status", choices=JobStatus.choices,
                                         empty_label="Any status")
    sort = SortFilter(fields=(("created_at", "started"), ("title", "title"),
                              ("status", "status")),
                      field_labels={"created_at": "Started", "title": "Job",
                                    "status": "Status"},
                      default="-started")

    class Meta:
        model = Job
        fields: list[str] = []
