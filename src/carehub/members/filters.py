"""The filters of the member list: they narrow the members the organisation may see
(`selectors.visible_members`); a county or product it has no member in is not offered."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from carehub.listing import ListFilterSet, SortFilter, search_members
from carehub.members.models import Member, Product


class MemberFilterSet(ListFilterSet):
    q = django_filters.CharFilter(label="Name or plan member id", method="search")
    product = django_filters.ChoiceFilter(label="Product", choices=Product.choices,
                                          empty_label="Any product")
    county = django_filters.ChoiceFilter(label="County", empty_label="Any county")
    sort = SortFilter(fields=(("last_name", "name"), ("member_id", "member_id"),
                              ("birth_date", "born"), ("county", "county")),
                      field_labels={"last_name": "Name", "member_id": "Member id",
                                    "birth_date": "Born", "county": "County"},
                      default="name")

    class Meta:
        model = Member
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        counties = (self.queryset.order_by().values_list("county", flat=True).distinct())
        self.filters["county"].extra["choices"] = [(c, c) for c in sorted(set(counties)) if c]

    def search(self, queryset: QuerySet[Member], name: str, value: str) -> QuerySet[Member]:
        return search_members(queryset, value)
