"""Reads, always for the acting plan: another organisation's rows are never found (404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django_scopes import scopes_disabled

from carehub.contracts import selectors as contract_selectors
from carehub.contracts.models import Contract, ServiceDefinition
from carehub.population.models import CriteriaSet, Dataset, EligibilityRun, Handoff
from carehub.tenancy.models import Organisation, OrganisationKind


def datasets(plan: Organisation) -> QuerySet[Dataset]:
    return Dataset.objects.filter(plan=plan)


def get_dataset(plan: Organisation, pk: int) -> Dataset:
    found = datasets(plan).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def criteria_sets(plan: Organisation) -> QuerySet[CriteriaSet]:
    return CriteriaSet.objects.filter(plan=plan)


def latest_criteria(plan: Organisation) -> list[CriteriaSet]:
    """The newest version of each named criteria set."""
    seen: dict[str, CriteriaSet] = {}
    for c in criteria_sets(plan).order_by("name", "-version"):
        seen.setdefault(c.name, c)
    return list(seen.values())


def get_criteria(plan: Organisation, pk: int) -> CriteriaSet:
    found = criteria_sets(plan).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def runs(plan: Organisation) -> QuerySet[EligibilityRun]:
    return EligibilityRun.objects.filter(plan=plan).select_related("dataset", "job")


def get_run(plan: Organisation, pk: int) -> EligibilityRun:
    found = runs(plan).filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def previous_run(run: EligibilityRun) -> EligibilityRun | None:
    """The run to compare with: the latest finished run of the same criteria set name for
    an earlier as-of day (last month's), else the latest finished one made before it."""
    name = run.criteria_set.name if run.criteria_set else run.criteria_name
    finished = (runs(run.plan).exclude(pk=run.pk).exclude(list_sha256="")
                .filter(criteria_set__name=name))
    earlier = finished.filter(as_of__lt=run.as_of).order_by("-as_of", "-created_at").first()
    return earlier or finished.filter(created_at__lt=run.created_at).order_by("-created_at").first()


def get_handoff(plan: Organisation, pk: int) -> Handoff:
    found = Handoff.objects.filter(plan=plan, pk=pk).select_related("run", "hub").first()
    if found is None:
        raise Http404("Not found")
    return found


def hubs(plan: Organisation) -> list[Organisation]:
    """Hubs the plan pays under a contract in effect."""
    return list(contract_selectors.providers_in_effect(plan, kind=OrganisationKind.HUB))


def contracts_with(plan: Organisation, hub_ids: list[int]) -> list[Contract]:
    """Contracts in effect between the plan and these hubs."""
    with scopes_disabled():
        return list(contract_selectors.in_effect().filter(payer=plan, provider_id__in=hub_ids)
                    .select_related("provider").order_by("code"))


def services_of(contracts: list[Contract]) -> list[ServiceDefinition]:
    with scopes_disabled():
        return list(ServiceDefinition.objects.filter(contract__in=contracts)
                    .select_related("contract").order_by("contract__code", "code"))
