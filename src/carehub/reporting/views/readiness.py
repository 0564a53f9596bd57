"""Readiness pages: a hub assesses its network's CBOs, plans technical assistance and funds
capacity building; a CBO supervisor sees its own and marks its tasks done; a plan reads
the readiness of its contracts' CBOs. Anyone else gets 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_scopes import scopes_disabled

from carehub.accounts.models import User
from carehub.contracts.models import ContractParty, PartyRole
from carehub.core.money import fmt
from carehub.reporting import readiness_questions as questions
from carehub.reporting.exports import FORMATS, table_download
from carehub.reporting.forms.readiness import AssessmentForm, FundForm, TaskForm
from carehub.reporting.models.readiness import TaStatus
from carehub.reporting.selectors import readiness as reads
from carehub.reporting.services import readiness as service
from carehub.tenancy.access import Acting, require_acting
from carehub.tenancy.models import Role

HUB = reads.HUB
READERS = reads.READERS
DEFINITIONS = (
    ("Answer", "0 not in place, 1 partly, 2 in place."),
    ("Domain score", "The domain's points over the most it could have (2 per question), as a "
                     "whole percent rounded half up."),
    ("Overall score", "Every point over every question's most: each question weighs the same."),
    ("Level", questions.THRESHOLDS_TEXT + "."),
    ("Paid", "A milestone's amount on the fund contract's issued statements of the month it "
             "was reached; before that month is issued, what the engine's settlement of the "
             "month pays."),
    ("Outstanding", "The fund's amount less what is paid."),
)


def _format(fmt_name: str) -> str:
    if fmt_name not in FORMATS:
        raise Http404("Not found")
    return fmt_name


def _score_cells(found) -> list[str]:  # type: ignore[no-untyped-def]
    if found is None:
        return ["", "", *["" for _ in questions.DOMAINS]]
    return [f"{found.overall}%", questions.level(found.overall),
            *[f"{found.by_domain.get(d.key, 0)}%" for d in questions.DOMAINS]]


def _cbo_rows(acting: Acting) -> list[dict[str, Any]]:
    rows = []
    with scopes_disabled():
        for cbo in reads.cbos_for(acting):
            found = reads.latest(acting, cbo)
            rows.append({"cbo": cbo, "latest": found,
                         "level": questions.level(found.overall) if found else "",
                         "scores": [(d, found.by_domain.get(d.key, 0) if found else None)
                                    for d in questions.DOMAINS],
                         "open_tasks": reads.tasks(acting, cbo, open_only=True).count()})
    return rows


@require_safe
@require_acting(*READERS)
def index(request: HttpRequest, acting: Acting) -> HttpResponse:
    if acting.has_role(Role.CBO_SUPERVISOR):
        return redirect("reporting:readiness_cbo", pk=acting.organisation.pk)
    contracts = []
    if acting.has_role(*reads.PLAN, *HUB):
        with scopes_disabled():
            contracts = list(ContractParty.objects.filter(
                organisation=acting.organisation, status="accepted",
                role__in=[PartyRole.PAYER, PartyRole.PROVIDER],
                contract__delivering_cbos__isnull=False).select_related("contract")
                .order_by("contract__code").distinct())
    with scopes_disabled():
        funds = list(reads.funds(acting))
    return render(request, "reporting/readiness/index.html", {
        "rows": _cbo_rows(acting), "domains": questions.DOMAINS, "funds": funds,
        "contracts": [p.contract for p in contracts], "thresholds": questions.THRESHOLDS_TEXT,
        "is_hub": acting.has_role(*HUB)})


@require_safe
@require_acting(*READERS)
def index_download(request: HttpRequest, acting: Acting, fmt_name: str) -> HttpResponse:
    header = ["CBO", "Assessed on", "Overall", "Level", *[d.label for d in questions.DOMAINS],
              "Open TA tasks"]
    rows = [[r["cbo"].name, r["latest"].assessed_on.isoformat() if r["latest"] else "",
             *_score_cells(r["latest"]), r["open_tasks"]] for r in _cbo_rows(acting)]
    return table_download("readiness", _format(fmt_name), header, rows, definitions=DEFINITIONS)


def _owners(acting: Acting, cbo) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        users = User.objects.filter(memberships__organisation__in=[acting.organisation, cbo],
                                    memberships__is_active=True).distinct().order_by(
            "first_name", "last_name")
        return [(u.pk, u.get_full_name() or u.get_username()) for u in users]


@require_safe
@require_acting(*READERS)
def cbo_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    with scopes_disabled():
        cbo = reads.get_cbo(acting, pk)
        history = list(reads.assessments(acting, cbo))
        tasks = list(reads.tasks(acting, cbo))
        funds = list(reads.funds(acting, cbo))
        latest = history[0] if history else None
        latest_rows = reads.answer_rows(latest) if latest else []
    is_hub = acting.has_role(*HUB)
    return render(request, "reporting/readiness/cbo.html", {
        "cbo": cbo, "history": history, "latest": latest, "latest_rows": latest_rows,
        "latest_level": questions.level(latest.overall) if latest else "",
        "tasks": tasks, "funds": funds, "is_hub": is_hub,
        "may_fund": acting.has_role(Role.HUB_ADMIN),
        "may_update": [t.pk for t in tasks if service.may_update_task(acting, t)],
        "statuses": TaStatus.choices,
        "task_form": TaskForm(owners=_owners(acting, cbo)) if is_hub else None,
        "domains": questions.DOMAINS, "thresholds": questions.THRESHOLDS_TEXT})


@require_safe
@require_acting(*READERS)
def cbo_download(request: HttpRequest, acting: Acting, pk: int, table: str,
                 fmt_name: str) -> HttpResponse:
    with scopes_disabled():
        cbo = reads.get_cbo(acting, pk)
        if table == "history":
            header = ["Assessed on", "Overall", "Level", *[d.label for d in questions.DOMAINS]]
            rows = [[a.assessed_on.isoformat(), *_score_cells(a)]
                    for a in reads.assessments(acting, cbo)]
        elif table == "tasks":
            header = ["Task", "Domain", "Owner", "Due", "Status", "Done on", "Milestone amount"]
            rows = [[t.title, t.get_domain_display(), t.owner_text,
                     t.due.isoformat() if t.due else "", t.get_status_display(),
                     t.done_on.isoformat() if t.done_on else "",
                     fmt(t.milestone_amount) if t.milestone_amount is not None else ""]
                    for t in reads.tasks(acting, cbo)]
        else:
            raise Http404("Not found")
    return table_download(f"{cbo.slug}-{table}", _format(fmt_name), header, rows,
                          definitions=DEFINITIONS)


@require_http_methods(["GET", "POST"])
@require_acting(*HUB)
def assess(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    with scopes_disabled():
        cbo = reads.get_cbo(acting, pk)
    form = AssessmentForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            with scopes_disabled():
                found = service.record_assessment(
                    cbo, form.cleaned_data["assessed_on"], form.answers(),
                    form.cleaned_data["notes"], acting=acting)
        except service.ReadinessError as exc:
            error = exc.message
        else:
            messages.success(request, f"Readiness of {cbo.name} recorded: {found.overall}% "
                                      f"({questions.level(found.overall)}).")
            return redirect("reporting:readiness_assessment", pk=found.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "reporting/readiness/assess.html", {
        "cbo": cbo, "form": form, "error": error, "answers": questions.ANSWERS,
        "thresholds": questions.THRESHOLDS_TEXT}, status=status)


@require_safe
@require_acting(*READERS)
def assessment_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    with scopes_disabled():
        found = reads.get_assessment(acting, pk)
        rows = reads.answer_rows(found)
    return render(request, "reporting/readiness/assessment.html", {
        "assessment": found, "rows": rows, "level": questions.level(found.overall),
        "thresholds": questions.THRESHOLDS_TEXT})


@require_POST
@require_acting(*HUB)
def task_add(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    with scopes_disabled():
        cbo = reads.get_cbo(acting, pk)
        form = TaskForm(request.POST, owners=_owners(acting, cbo))
        if form.is_valid():
            data = form.cleaned_data
            owner = User.objects.filter(pk=data["owner"]).first() if data["owner"] else None
            try:
                service.add_task(cbo, data["title"], domain=data["domain"], owner=owner,
                                 owner_name=data["owner_name"], due=data["due"],
                                 assessment=reads.latest(acting, cbo), acting=acting)
            except service.ReadinessError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Task added: {data['title']}.")
        else:
            messages.error(request, "; ".join(f"{form.fields[k].label or k}: "
                                              f"{' '.join(str(e) for e in v)}"
                                              for k, v in form.errors.items()))
    return redirect("reporting:readiness_cbo", pk=cbo.pk)


@require_POST
@require_acting(*HUB, Role.CBO_SUPERVISOR)
def task_status(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    with scopes_disabled():
        task = reads.get_task(acting, pk)
        try:
            done_on = date.fromisoformat(request.POST.get("done_on") or date.today().isoformat())
        except ValueError:
            messages.error(request, "Done on: write a date such as 2026-03-31.")
        else:
            try:
                service.set_task_status(task, request.POST.get("status", ""), done_on=done_on,
                                        acting=acting)
            except service.ReadinessError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{task.title}: saved.")
    return redirect("reporting:readiness_cbo", pk=task.cbo_id)


@require_http_methods(["GET", "POST"])
@require_acting(Role.HUB_ADMIN)
def fund_new(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    with scopes_disabled():
        cbo = reads.get_cbo(acting, pk)
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with scopes_disabled():
                fund = service.create_fund(cbo, data["purpose"], data["milestones"],
                                           starts=data["starts"], ends=data["ends"],
                                           acting=acting)
        except service.ReadinessError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"Fund proposed as contract {fund.contract.code}; "
                                      f"{cbo.name} accepts it on the contract's page.")
            return redirect("reporting:readiness_fund", pk=fund.pk)
    return render(request, "reporting/readiness/fund_new.html", {"cbo": cbo, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_safe
@require_acting(*READERS)
def fund_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    with scopes_disabled():
        fund = reads.get_fund(acting, pk)
        progress = reads.fund_progress(fund)
    return render(request, "reporting/readiness/fund.html", {
        "fund": fund, "progress": progress, "is_cbo": acting.organisation.pk == fund.cbo_id})


@require_safe
@require_acting(*READERS)
def fund_download(request: HttpRequest, acting: Acting, pk: int, fmt_name: str) -> HttpResponse:
    with scopes_disabled():
        fund = reads.get_fund(acting, pk)
        progress = reads.fund_progress(fund)
    header = ["Milestone", "Amount", "Due", "Reached", "Paid", "Paid according to"]
    rows = [[r.task.title, fmt(r.amount), r.task.due.isoformat() if r.task.due else "",
             r.reached.isoformat() if r.reached else "", fmt(r.paid), r.source]
            for r in progress.rows]
    return table_download(f"{fund.contract.code}-milestones", _format(fmt_name), header, rows,
                          definitions=DEFINITIONS)


def _contract_rows(acting: Acting, code: str):  # type: ignore[no-untyped-def]
    contract = reads.contract_for(acting, code)
    return contract, reads.contract_readiness(acting, contract, date.today())


@require_safe
@require_acting(*HUB, *reads.PLAN)
def contract_readiness(request: HttpRequest, acting: Acting, code: str) -> HttpResponse:
    with scopes_disabled():
        contract, rows = _contract_rows(acting, code)
    return render(request, "reporting/readiness/contract.html", {
        "contract": contract, "rows": rows, "domains": questions.CLAIMS_DOMAINS,
        "thresholds": questions.THRESHOLDS_TEXT})


@require_safe
@require_acting(*HUB, *reads.PLAN)
def contract_download(request: HttpRequest, acting: Acting, code: str,
                      fmt_name: str) -> HttpResponse:
    with scopes_disabled():
        contract, rows = _contract_rows(acting, code)
    header = ["CBO", "Billing now", "Billing from the latest terms", "From", "Assessed on",
              "Overall", "Billing", "Data and technology", "Open TA tasks", "Warnings"]
    out = [[r.cbo.name, r.billing_now, r.billing_next,
            r.next_from.isoformat() if r.next_from else "",
            r.assessment.assessed_on.isoformat() if r.assessment else "",
            f"{r.assessment.overall}%" if r.assessment else "",
            *[f"{r.assessment.by_domain.get(k, 0)}%" if r.assessment else ""
              for k in questions.CLAIMS_DOMAINS],
            len(r.open_tasks), " ".join(r.warnings)] for r in rows]
    return table_download(f"{contract.code}-readiness", _format(fmt_name), header, out,
                          definitions=DEFINITIONS)
