"""The filters of the hub administrator's organisation list: they narrow the
organisations the hub manages (`tenancy.access.organisations_managed_by`)."""

from __future__ import annotations

import django_filters

from carehub.listing import ListFilterSet, SortFilter
from carehub.tenancy.models import Organisation, OrganisationKind


class OrganisationFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label="Name contains", field_name="name",
                                  lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="Kind", choices=OrganisationKind.choices,
                                       empty_label="Any kind")
    sort = SortFilter(fields=(("name", "name"), ("kind", "kind"), ("staff", "staff")),
                      field_labels={"name": "Organisation", "kind": "Kind", "staff": "Staff"},
                      default="name")

    class Meta:
        model = Organisation
        fields: list[str] = []
