"""Eligibility pages for a plan's program managers and analysts: datasets, the criteria
builder, runs with their progress, results, comparison and hand-off to a hub. Objects of
another organisation answer 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from carehub.audit import services as audit
from carehub.core.eligibility import CriteriaError
from carehub.jobs.services import request_cancel
from carehub.members.imports import ImportProblem
from carehub.members.models import Member
from carehub.population import criteria_form, equity, outputs, selectors, services
from carehub.population.extract_files import DatasetProblem
from carehub.population.forms import DatasetUploadForm, HandoffForm, RunForm
from carehub.population.models import CriteriaSet, EligibilityRun
from carehub.referrals.member_card import reason_in_words
from carehub.referrals.services.base import ReferralError
from carehub.tenancy import roles
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

PLAN = roles.PLAN
HANDERS = (Role.PAYER_MANAGER,)


@require_acting(*PLAN)
def index(request: HttpRequest, acting: Acting) -> HttpResponse:
    plan = acting.organisation
    return render(request, "population/index.html", {
        "datasets": selectors.datasets(plan)[:20],
        "criteria": selectors.latest_criteria(plan),
        "runs": selectors.runs(plan)[:20],
    })


@require_acting(*PLAN)
def dataset_upload(request: HttpRequest, acting: Acting) -> HttpResponse:
    form = DatasetUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                dataset = services.upload_dataset(acting.organisation, name=data["name"],
                                                  roster=data["roster"], claims=data["claims"],
                                                  acting=acting)
            except DatasetProblem as exc:
                form.add_error(exc.field,
                               f"{exc.file} was not kept: {exc.message}")
                status = 400
            else:
                messages.success(request, f"Dataset {dataset.name} stored: "
                                          f"{dataset.roster_rows:,} roster rows, "
                                          f"{dataset.claims_rows:,} claim lines.")
                return redirect("population:dataset", pk=dataset.pk)
        else:
            status = 400
    response = render(request, "population/dataset_upload.html", {"form": form})
    response.status_code = status
    return response


@require_acting(*PLAN)
def dataset_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    dataset = selectors.get_dataset(acting.organisation, pk)
    return render(request, "population/dataset.html", {
        "dataset": dataset, "runs": dataset.runs.order_by("-created_at")[:20]})


def _builder(request: HttpRequest, acting: Acting, *, source: CriteriaSet | None) -> HttpResponse:
    """The criteria builder: the form, the YAML beside it (refreshed by htmx as the form
    changes), and the YAML tab that fills the form or saves the text as typed."""
    plan = acting.organisation
    action = request.POST.get("action", "")
    yaml_form = criteria_form.CriteriaYamlForm(
        request.POST if action in {"from_yaml", "save_yaml"} else None,
        initial={"name": source.name if source else "", "yaml": source.yaml if source else ""})
    status = 200
    if action in {"from_yaml", "save_yaml"}:
        form = criteria_form.CriteriaForm(initial=_initial(source))
        if yaml_form.is_valid():
            text = yaml_form.cleaned_data["yaml"]
            if action == "save_yaml":
                saved = services.save_criteria(plan, name=yaml_form.cleaned_data["name"],
                                               text=text, acting=acting)
                messages.success(request, f"Saved {saved}.")
                return redirect("population:criteria", pk=saved.pk)
            try:
                initial = criteria_form.yaml_to_initial(text)
            except (criteria_form.NotOnTheForm, CriteriaError) as exc:
                yaml_form.add_error("yaml", str(exc))
                status = 400
            else:
                data = criteria_form.initial_as_data(
                    {**initial, "name": yaml_form.cleaned_data["name"]})
                form = criteria_form.CriteriaForm(data)
                form.is_valid()
        else:
            status = 400
    elif request.method == "POST":
        form = criteria_form.CriteriaForm(request.POST)
        if form.is_valid():
            text = criteria_form.to_yaml(criteria_form.form_to_data(form.cleaned_data))
            saved = services.save_criteria(plan, name=form.cleaned_data["name"], text=text,
                                           acting=acting)
            messages.success(request, f"Saved {saved}.")
            return redirect("population:criteria", pk=saved.pk)
        status = 400
    else:
        form = criteria_form.CriteriaForm(initial=_initial(source))
    preview = _preview(form)
    response = render(request, "population/criteria_builder.html", {
        "form": form, "yaml_form": yaml_form, "source": source, "preview": preview})
    response.status_code = status
    return response


def _initial(source: CriteriaSet | None) -> dict[str, Any]:
    if source is None:
        return {}
    try:
        return {**criteria_form.yaml_to_initial(source.yaml), "name": source.name}
    except (criteria_form.NotOnTheForm, CriteriaError):
        return {"name": source.name}


def _preview(form: criteria_form.CriteriaForm) -> dict[str, Any]:
    """The YAML the form stands for, or the problems in the way."""
    if not form.is_bound:
        data = criteria_form.initial_as_data({k: form.get_initial_for_field(f, k)
                                              for k, f in form.fields.items()})
        form = criteria_form.CriteriaForm(data)
    if form.is_valid():
        return {"yaml": criteria_form.to_yaml(criteria_form.form_to_data(form.cleaned_data))}
    problems = [(form.fields[k].label if k in form.fields else "", e)
                for k, errs in form.errors.items() for e in errs]
    return {"problems": problems}


@require_acting(*PLAN)
def criteria_new(request: HttpRequest, acting: Acting) -> HttpResponse:
    return _builder(request, acting, source=None)


@require_acting(*PLAN)
def criteria_edit(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    return _builder(request, acting, source=selectors.get_criteria(acting.organisation, pk))


@require_acting(*PLAN)
def criteria_preview(request: HttpRequest, acting: Acting) -> HttpResponse:
    """The YAML for the form as it is now; saves nothing."""
    data = request.POST if request.method == "POST" else request.GET
    return render(request, "population/_yaml_preview.html",
                  {"preview": _preview(criteria_form.CriteriaForm(data))})


@require_acting(*PLAN)
def criteria_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    plan = acting.organisation
    criteria = selectors.get_criteria(plan, pk)
    form = RunForm(datasets=selectors.datasets(plan), criteria=selectors.criteria_sets(plan),
                   initial={"criteria": criteria.pk})
    return render(request, "population/criteria.html", {
        "criteria": criteria, "run_form": form,
        "versions": selectors.criteria_sets(plan).filter(name=criteria.name)})


@require_acting(*PLAN)
def run_start(request: HttpRequest, acting: Acting) -> HttpResponse:
    plan = acting.organisation
    if request.method != "POST":
        return redirect("population:index")
    form = RunForm(request.POST, datasets=selectors.datasets(plan),
                   criteria=selectors.criteria_sets(plan))
    if not form.is_valid():
        messages.error(request, "Choose one of your datasets and criteria sets.")
        return redirect("population:index")
    run = services.start_run(plan, dataset=form.cleaned_data["dataset"],
                             criteria_set=form.cleaned_data["criteria"], acting=acting)
    return redirect("population:run", pk=run.pk)


def _names(plan_members: list[str], acting: Acting) -> dict[str, str]:
    return {m: f"{first} {last}".strip() for m, first, last in Member.objects.filter(
        plan=acting.organisation, member_id__in=plan_members).values_list(
        "member_id", "first_name", "last_name")}


@require_acting(*PLAN)
def run_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    plan = acting.organisation
    run = selectors.get_run(plan, pk)
    ctx: dict[str, Any] = {"run": run, "job": run.job}
    if run.finished:
        try:
            number = int(request.GET.get("page") or 1)
        except ValueError:
            number = 1
        page = outputs.page(run, number)
        names = _names([r["member_id"] for r in page.rows], acting)
        for row in page.rows:
            row["name"] = names.get(row["member_id"], "")
            row["reasons_words"] = [reason_in_words(p) for p in row["reasons"].split(";")
                                    if p.strip()]
        audit.record("view", request=request, object_type="eligibility_run", object_id=str(pk),
                     detail={"member_ids": [r["member_id"] for r in page.rows]})
        shared = request.GET.get("view") == "shared"
        ctx.update(page=page, shared=shared,
                   dimensions=equity.dimensions(run.equity, suppress=shared),
                   previous=selectors.previous_run(run),
                   handoffs=run.handoffs.select_related("hub").order_by("-created_at"))
        if acting.has_role(*HANDERS):
            ctx["handoff_form"] = _handoff_form(plan, None, request.GET.get("hub"))
    return render(request, "population/run.html", ctx)


def _handoff_form(plan: Any, data: Any, hub_choice: str | None = None) -> HandoffForm:
    hubs = selectors.hubs(plan)
    wanted = (data or {}).get("hub") or hub_choice
    hub_ids = [h.pk for h in hubs if str(h.pk) == str(wanted)] or [h.pk for h in hubs[:1]]
    contracts = selectors.contracts_with(plan, hub_ids)
    chosen = (data or {}).get("contract")
    narrowed = [c for c in contracts if str(c.pk) == str(chosen)] or contracts[:1]
    services_ = selectors.services_of(narrowed)
    initial = {"hub": hub_ids[0] if hub_ids else None}
    return HandoffForm(data, hubs=hubs, contracts=contracts, services=services_, initial=initial)


@require_acting(*HANDERS)
def handoff_pickers(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """The pickers again, narrowed to the chosen hub and contract (htmx)."""
    run = selectors.get_run(acting.organisation, pk)
    form = _handoff_form(acting.organisation, request.GET)
    return render(request, "population/_handoff_pickers.html", {"run": run, "handoff_form": form})


@require_acting(*PLAN)
def run_progress(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    run = selectors.get_run(acting.organisation, pk)
    # Once finished, the card links to the results (the page is not reloaded under the
    # reader's eyes).
    return render(request, "population/_progress.html", {"run": run, "job": run.job})


@require_POST
@require_acting(*PLAN)
def run_cancel(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    run = selectors.get_run(acting.organisation, pk)
    if run.job is not None and request_cancel(run.job, acting=acting):
        messages.info(request, "Asked the run to stop.")
    return redirect("population:run", pk=run.pk)


@require_POST
@require_acting(*PLAN)
def run_again(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    run = selectors.get_run(acting.organisation, pk)
    again = services.run_again(run, acting=acting)
    return redirect("population:run", pk=again.pk)


@require_acting(*PLAN)
def run_compare(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    plan = acting.organisation
    run = selectors.get_run(plan, pk)
    other_pk = request.GET.get("with")
    previous: EligibilityRun | None
    if other_pk and other_pk.isdigit():
        previous = selectors.get_run(plan, int(other_pk))
    else:
        previous = selectors.previous_run(run)
    comparison = None
    if previous is not None and run.finished and previous.finished:
        comparison = outputs.compare(run, previous)
        shown = [*comparison.new[:50], *comparison.dropped[:50]]
        names = _names(shown, acting)
        audit.record("view", request=request, object_type="eligibility_comparison",
                     object_id=f"{run.pk}:{previous.pk}", detail={"member_ids": shown})
        comparison_rows = {
            "new": [(m, names.get(m, "")) for m in comparison.new[:50]],
            "dropped": [(m, names.get(m, "")) for m in comparison.dropped[:50]],
        }
    else:
        comparison_rows = {}
    others = selectors.runs(plan).exclude(pk=run.pk).exclude(list_sha256="")[:30]
    return render(request, "population/compare.html", {
        "run": run, "previous": previous, "comparison": comparison, "rows": comparison_rows,
        "others": others})


@require_POST
@require_acting(*HANDERS)
def handoff(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    plan = acting.organisation
    run = selectors.get_run(plan, pk)
    form = _handoff_form(plan, request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(f"{reverse('population:run', args=[run.pk])}#hand")
    data = form.cleaned_data
    try:
        made = services.hand_to_hub(run, hub=data["hub_obj"], contract=data["contract_obj"],
                                    service=data["service_obj"], top=data.get("top"),
                                    acting=acting)
    except ImportProblem as exc:
        missing = "; ".join(message for _, _, message in exc.errors[:5])
        messages.error(request, f"Not handed over: {missing}")
        return redirect("population:run", pk=run.pk)
    except (services.HandoffRefused, ReferralError) as exc:
        messages.error(request, f"Not handed over: {exc}")
        return redirect("population:run", pk=run.pk)
    return redirect("population:handoff", pk=made.pk)


@require_acting(*PLAN)
def handoff_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    made = selectors.get_handoff(acting.organisation, pk)
    refused = made.outcome.get("refused") or []
    if refused:
        audit.record("view", request=request, object_type="eligibility_handoff",
                     object_id=str(pk), detail={"member_ids": [r[0] for r in refused]})
    return render(request, "population/handoff.html", {"handoff": made, "refused": refused})
