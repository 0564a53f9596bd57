"""The filters of the referral lists: the worker's inbox, the supervisor's team view, the
hub's and the plan's lists. Each narrows a queryset the selectors already limited to
what the acting organisation may see; a choice of worker or organisation is offered from
that same queryset, so another organisation's id is refused, never matched."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from carehub.accounts.models import User
from carehub.core.referral_states import STATE_LABELS, State
from carehub.listing import ListFilterSet, SortFilter, search_members
from carehub.referrals.models import RankedList, RankedListEntry, Referral
from carehub.referrals.services.base import user_name
from carehub.tenancy.models import Organisation

OVERDUE_CHOICES = [("yes", "Overdue only"), ("no", "Not overdue")]


def state_choices(states: Any = None) -> list[tuple[str, str]]:
    chosen = [State(s) for s in (states or [s.value for s in State])]
    return [(s.value, STATE_LABELS[s]) for s in State if s in chosen]


class WorkerField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return user_name(obj)


class WorkerFilter(django_filters.ModelChoiceFilter):
    field_class = WorkerField


class ReferralFilterSet(ListFilterSet):
    """What every referral list filters by; each list adds its own."""

    q = django_filters.CharFilter(label="Member name or id", method="search")
    state = django_filters.ChoiceFilter(label="State", choices=state_choices,
                                        empty_label="Any state")
    service = django_filters.ChoiceFilter(label="Service", field_name="service_code",
                                          empty_label="Any service")
    overdue = django_filters.ChoiceFilter(label="Overdue", choices=OVERDUE_CHOICES,
                                          empty_label="Overdue or not", method="by_overdue")
    due_before = django_filters.DateFilter(label="Due before", method="by_due_before",
                                           widget=django_filters.widgets.forms.DateInput(
                                               attrs={"type": "date"}))

    class Meta:
        model = Referral
        fields: list[str] = []

    def __init__(self, *args: Any, states: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = self.queryset
        self.filters["state"].extra["choices"] = state_choices(states)
        # The services offered are those in the (already scoped) list itself.
        codes = sorted(set(base.order_by().values_list("service_code", flat=True).distinct()))
        self.filters["service"].extra["choices"] = [(c, c) for c in codes if c]

    def search(self, queryset: QuerySet[Referral], name: str, value: str) -> QuerySet[Referral]:
        return search_members(queryset, value, prefix="member__")

    def by_overdue(self, queryset: QuerySet[Referral], name: str,
                   value: str) -> QuerySet[Referral]:
        now = timezone.now()
        if value == "yes":
            return queryset.filter(due_at__lt=now)
        if value == "no":
            return queryset.exclude(due_at__lt=now)
        return queryset

    def by_due_before(self, queryset: QuerySet[Referral], name: str,
                      value: Any) -> QuerySet[Referral]:
        if not value:
            return queryset
        start = timezone.make_aware(datetime.combine(value, time.min))
        return queryset.filter(due_at__lt=start)


class InboxFilterSet(ReferralFilterSet):
    sort = SortFilter(fields=(("due_at", "due"), ("member__last_name", "member"),
                              ("state", "state"), ("service_code", "service")),
                      field_labels={"due_at": "Due", "member__last_name": "Member",
                                    "state": "State", "service_code": "Service"},
                      default="due")


class TeamFilterSet(ReferralFilterSet):
    """The supervisor's team view: every open referral of the CBO."""

    worker = WorkerFilter(label="Worker", field_name="assignee",
                                              queryset=User.objects.none(),
                                              empty_label="Anyone")
    unassigned = django_filters.BooleanFilter(label="Unassigned only", field_name="assignee",
                                              lookup_expr="isnull",
                                              widget=django_filters.widgets.forms.CheckboxInput)
    sort = SortFilter(fields=(("due_at", "due"), ("member__last_name", "member"),
                              ("state", "state"), ("assignee__last_name", "worker"),
                              ("service_code", "service")),
                      field_labels={"due_at": "Due", "member__last_name": "Member",
                                    "state": "State", "assignee__last_name": "Worker",
                                    "service_code": "Service"},
                      default="due")

    def __init__(self, *args: Any, workers: QuerySet[User] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The CBO's active staff, and whoever holds one of the list's referrals (someone
        # who has since left still has work to hand on).
        staff = workers.values("pk") if workers is not None else User.objects.none().values("pk")
        self.filters["worker"].queryset = User.objects.filter(
            Q(pk__in=staff) | Q(pk__in=self.queryset.order_by().values("assignee_id"))
        ).order_by("last_name", "first_name", "pk")

    def filter_queryset(self, queryset: QuerySet[Referral]) -> QuerySet[Referral]:
        # An unticked box means "everyone", not "assigned only".
        if not self.form.cleaned_data.get("unassigned"):
            self.form.cleaned_data["unassigned"] = None
        return super().filter_queryset(queryset)


def holders(queryset: QuerySet[Referral]) -> QuerySet[Organisation]:
    """The organisations holding the referrals of `queryset`, by name."""
    return Organisation.objects.filter(
        pk__in=queryset.order_by().values("organisation_id")).order_by("name")


class HubFilterSet(ReferralFilterSet):
    """The hub coordinator's list of the network's open referrals."""

    organisation = django_filters.ModelChoiceFilter(label="Organisation",
                                                    queryset=Organisation.objects.none(),
                                                    empty_label="Any organisation")
    sort = SortFilter(fields=(("due_at", "due"), ("member__last_name", "member"),
                              ("organisation__name", "organisation"), ("state", "state"),
                              ("created_at", "created")),
                      field_labels={"due_at": "Due", "member__last_name": "Member",
                                    "organisation__name": "Organisation", "state": "State",
                                    "created_at": "Referred"},
                      default="due")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["organisation"].queryset = holders(self.queryset)


class PlanFilterSet(ReferralFilterSet):
    """The plan's list of its members' referrals, open or finished."""

    organisation = django_filters.ModelChoiceFilter(label="Organisation",
                                                    queryset=Organisation.objects.none(),
                                                    empty_label="Any organisation")
    sort = SortFilter(fields=(("updated_at", "updated"), ("member__last_name", "member"),
                              ("service_code", "service"), ("organisation__name", "organisation"),
                              ("state", "state")),
                      field_labels={"updated_at": "Updated", "member__last_name": "Member",
                                    "service_code": "Service",
                                    "organisation__name": "Organisation", "state": "State"},
                      default="-updated")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["organisation"].queryset = holders(self.queryset)


YES_NO = [("yes", "Yes"), ("no", "No")]


class RankedListFilterSet(ListFilterSet):
    """The ranked lists a plan sent or a hub received."""

    q = django_filters.CharFilter(label="Name contains", field_name="name",
                                  lookup_expr="icontains")
    service = django_filters.ChoiceFilter(label="Service", field_name="service_code",
                                          empty_label="Any service")
    assigned = django_filters.ChoiceFilter(label="Assigned", choices=YES_NO,
                                           empty_label="Assigned or not", method="by_assigned")
    sort = SortFilter(fields=(("imported_at", "imported"), ("name", "name"),
                              ("service_code", "service"), ("members", "members")),
                      field_labels={"imported_at": "Received", "name": "Name",
                                    "service_code": "Service", "members": "Members"},
                      default="-imported")

    class Meta:
        model = RankedList
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = set(self.queryset.order_by().values_list("service_code", flat=True).distinct())
        self.filters["service"].extra["choices"] = [(c, c) for c in sorted(codes) if c]

    def by_assigned(self, queryset: QuerySet[RankedList], name: str,
                    value: str) -> QuerySet[RankedList]:
        if value == "yes":
            return queryset.filter(assigned_at__isnull=False)
        if value == "no":
            return queryset.filter(assigned_at__isnull=True)
        return queryset


class RankedEntryFilterSet(ListFilterSet):
    """The members of one ranked list."""

    q = django_filters.CharFilter(label="Member name or id", method="search")
    selected = django_filters.ChoiceFilter(label="Selected", choices=YES_NO,
                                           empty_label="Selected or not", method="by_selected")
    sort = SortFilter(fields=(("rank", "rank"), ("member__last_name", "member")),
                      field_labels={"rank": "Rank", "member__last_name": "Member"},
                      default="rank")

    class Meta:
        model = RankedListEntry
        fields: list[str] = []

    def search(self, queryset: QuerySet[RankedListEntry], name: str,
               value: str) -> QuerySet[RankedListEntry]:
        return search_members(queryset, value, prefix="member__")

    def by_selected(self, queryset: QuerySet[RankedListEntry], name: str,
                    value: str) -> QuerySet[RankedListEntry]:
        if value in ("yes", "no"):
            return queryset.filter(selected=value == "yes")
        return queryset
