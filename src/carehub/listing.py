"""List pages: filtered with django-filter, sorted by column, 50 rows a page.

A list view hands its scoped queryset (from the app's selectors: what the acting
organisation may see) to a `ListFilterSet` built on the request's query string; the
filters only narrow that queryset. A filter value the set does not offer (another
organisation's id, an unknown state or sort) makes the form invalid: the page shows the
error and no rows, never the unfiltered list. Filters, sort and page stay in the query
string, so a list can be bookmarked and the back button works.
docs/decisions/0008-django-filter.md says why django-filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django_filters
from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, QueryDict

PAGE_SIZE = 50
SORT = "sort"


class SortFilter(django_filters.OrderingFilter):
    """Ordering by one column; undated (null) values sort last either way, and the primary
    key breaks ties so that pages do not overlap. Without a choice, `default` applies."""

    def __init__(self, *args: Any, default: str = "", **kwargs: Any) -> None:
        self.default = default
        kwargs.setdefault("label", "Sort by")
        kwargs.setdefault("empty_label", None)
        super().__init__(*args, **kwargs)

    def build_choices(self, fields: Any, labels: Any) -> list[tuple[str, str]]:
        # The default first: it is what an empty choice shows.
        choices = list(super().build_choices(fields, labels))
        return sorted(choices, key=lambda c: c[0] != self.default)

    def get_ordering_value(self, param: str) -> Any:  # type: ignore[override]
        descending = param.startswith("-")
        name = self.param_map.get(param.removeprefix("-"), param.removeprefix("-"))
        column = F(name)
        return column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        chosen = [v for v in (value or []) if v] or ([self.default] if self.default else [])
        return qs.order_by(*[self.get_ordering_value(p) for p in chosen], "pk")


class ListFilterSet(django_filters.FilterSet):
    """A filter set whose `sort` filter (a `SortFilter`) names the sortable columns."""

    @property
    def form(self) -> Any:
        form = super().form
        # Its own ids: a list page often has another form with fields of the same names.
        form.auto_id = "filter-%s"
        return form

    def sorted_by(self) -> str:
        """The sort in effect: the chosen one when valid, else the default."""
        sort = self.filters.get(SORT)
        chosen = ""
        if self.is_bound and self.form.is_valid():
            chosen = (self.form.cleaned_data.get(SORT) or [""])[0]
        return chosen or getattr(sort, "default", "")


def search_members(queryset: QuerySet[Any], value: str, prefix: str = "") -> QuerySet[Any]:
    """Rows whose member's last or first name starts with the words given, or whose plan
    member id is exactly the value."""
    value = value.strip()[:64]
    if not value:
        return queryset
    match = Q(**{f"{prefix}member_id__iexact": value})
    words = value.replace(",", " ").split()
    names = Q()
    for word in words[:3]:
        names &= (Q(**{f"{prefix}last_name__istartswith": word})
                  | Q(**{f"{prefix}first_name__istartswith": word}))
    return queryset.filter(match | names)


@dataclass(frozen=True)
class Column:
    """A column of a list: its heading and, when it sorts, the sort value it stands for."""

    label: str
    sort: str = ""
    css: str = ""


@dataclass(frozen=True)
class Header:
    label: str
    href: str  # empty: the column does not sort
    aria_sort: str  # "ascending" | "descending" | "" (not the sorted column)
    css: str


@dataclass
class Listing:
    """What a list template needs: the filter form, the headers, the page of rows."""

    filterset: ListFilterSet
    headers: list[Header]
    page: Page
    rows: list[Any]
    rejected: bool  # a filter value was refused: no rows are shown

    @property
    def form(self) -> Any:
        return self.filterset.form

    @property
    def active(self) -> bool:
        """Did the query string choose any filter or sort?"""
        data = self.filterset.data
        return any(data.get(name) for name in self.filterset.form.fields)

    @property
    def problems(self) -> list[str]:
        """Each refused filter value, named by its field's label."""
        form = self.filterset.form
        return [f"{form[name].label}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items() if name in form.fields]


def _query(params: QueryDict, **changes: str) -> str:
    query = params.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query[key] = value
    return "?" + query.urlencode()


def headers(request: HttpRequest, columns: list[Column], current: str) -> list[Header]:
    """Column headings; a sortable one links to its sort, ascending first, and a second
    click on the sorted column reverses it. The page goes back to the first."""
    found = []
    for column in columns:
        if not column.sort:
            found.append(Header(column.label, "", "", column.css))
            continue
        aria = ("ascending" if current == column.sort
                else "descending" if current == f"-{column.sort}" else "")
        target = f"-{column.sort}" if aria == "ascending" else column.sort
        found.append(Header(column.label, _query(request.GET, **{SORT: target}), aria,
                            column.css))
    return found


def listing(request: HttpRequest, filterset_class: type[ListFilterSet], queryset: QuerySet[Any],
            columns: list[Column], *, per_page: int = PAGE_SIZE,
            **filterset_kwargs: Any) -> Listing:
    """Filter, sort and page `queryset` (already limited to what the acting organisation
    may see) by the request's query string."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request,
                                **filterset_kwargs)
    rejected = not filterset.is_valid()
    rows_qs = queryset.none() if rejected else filterset.qs
    page = Paginator(rows_qs, per_page).get_page(request.GET.get("page"))
    return Listing(filterset, headers(request, columns, filterset.sorted_by()), page,
                   list(page.object_list), rejected)
