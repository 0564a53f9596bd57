"""Statement pages: settle a month (the `billing.settle` job), the list of the
organisation's contract statements, one statement with each line's basis in words (the
month's original and adjustments together with the net), its JSON and CSV, the member
lines of a claims contract (a read of member data, audited), and the MLR report.

Hub administrators and plan managers settle; they and plan analysts read. CBOs do not
see contract statements; another organisation's user gets 404 everywhere."""

from __future__ import annotations

import io
import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from carehub.audit import services as audit
from carehub.billing.forms.statements import MlrForm, SettleForm, StatementFilterSet
from carehub.billing.models import Statement
from carehub.billing.selectors import statements as selectors
from carehub.billing.tasks_statements import SETTLE_KIND, settle_task
from carehub.core.money import fmt as money_text
from carehub.core.spreadsheet import SafeWriter
from carehub.jobs import services as jobs
from carehub.jobs.models import Job
from carehub.listing import Column, listing
from carehub.tenancy.access import Acting, require_acting

CSV_COLUMNS = ("component", "label", "quantity", "rate", "amount", "basis", "mlr")
MEMBER_COLUMNS = ("component", "id", "provider", "member", "date", "service", "code",
                  "modifiers", "units", "delivered", "rate", "amount")
COLUMNS = [Column("Statement"), Column("Month", "period"), Column("Kind", css="hide-sm"),
           Column("Total", "total", "num"), Column("Issued", "issued", "hide-sm")]


def job_page(job: Job) -> str:
    try:
        return reverse("jobs:detail", args=[job.pk])
    except NoReverseMatch:
        return f"/jobs/{job.pk}/"


@require_acting(*selectors.SETTLERS)
def settle(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Pick a contract the organisation pays or provides and a month; the job issues
    the statement (or an adjustment, when the month was issued before)."""
    contracts = selectors.contracts_to_settle(acting)
    form = SettleForm(request.POST or None, contracts=contracts, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        contract = next(c for c in contracts if c.pk == form.cleaned_data["contract"])
        period = form.cleaned_data["period"]
        job = jobs.start_job(settle_task, kind=SETTLE_KIND,
                             title=f"Settle {contract.code} {period}", acting=acting,
                             params={"contract": contract.pk, "period": period})
        return redirect(job_page(job))
    recent = selectors.statements_for(acting).order_by("-issued_at", "-pk")[:10]
    response = render(request, "billing/statements/settle.html",
                      {"form": form, "recent": recent, "contracts": contracts})
    if request.method == "POST":
        response.status_code = 400
    return response


@require_safe
@require_acting(*selectors.READERS)
def statement_list(request: HttpRequest, acting: Acting) -> HttpResponse:
    found = listing(request, StatementFilterSet, selectors.statements_for(acting), COLUMNS,
                    contracts=selectors.contracts_for(acting))
    return render(request, "billing/statements/list.html",
                  {"statements": found.rows, "listing": found,
                   "may_settle": acting.has_role(*selectors.SETTLERS)})


@require_safe
@require_acting(*selectors.READERS)
def statement_detail(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    statement = selectors.get_statement(acting, pk)
    month = selectors.month_of(statement)
    net_lines, totals, net_total = selectors.month_net(month)
    lines = [(line, money_text(line.rate)) for line in selectors.lines_of(statement)]
    return render(request, "billing/statements/detail.html", {
        "statement": statement, "lines": lines, "month": month,
        "net_lines": net_lines, "totals": totals, "net_total": net_total,
        "member_lines": len(statement.document.get("member_lines", [])),
        "has_member_lines": "member_lines" in statement.document})


def _filename(statement: Statement, what: str, fmt: str) -> str:
    return f"{what}-{statement.contract.code}-{statement.period}-{statement.sequence}.{fmt}"


def _attachment(body: str, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
@require_acting(*selectors.READERS)
def statement_download(request: HttpRequest, acting: Acting, pk: int, fmt: str) -> HttpResponse:
    """The statement as issued: JSON (the engine's document, without member lines) or
    CSV (its lines)."""
    if fmt not in ("json", "csv"):
        raise Http404("Not found")
    statement = selectors.get_statement(acting, pk)
    if fmt == "json":
        data = {k: v for k, v in statement.document.items() if k != "member_lines"}
        body = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        response = _attachment(body, "application/json", _filename(statement, "statement", fmt))
    else:
        out = io.StringIO()
        writer = SafeWriter(out)  # labels come from the terms: never formulas
        writer.writerow(CSV_COLUMNS)
        for line in selectors.lines_of(statement):
            writer.writerow([line.component, line.label, line.quantity, money_text(line.rate),
                             money_text(line.amount), line.basis, line.mlr])
        writer.writerow(["total", "", "", "", money_text(statement.total), "", ""])
        response = _attachment(out.getvalue(), "text/csv", _filename(statement, "statement", fmt))
    audit.record("export", request=request, acting=acting, object_type="statement",
                 object_id=str(statement.pk), detail={"format": fmt})
    return response


@require_safe
@require_acting(*selectors.READERS)
def member_lines_download(request: HttpRequest, acting: Acting, pk: int) -> HttpResponse:
    """The statement's member-level lines as CSV: member data, so the read is audited
    with the members it names."""
    statement = selectors.get_statement(acting, pk)
    items: list[dict[str, Any]] = statement.document.get("member_lines") or []
    if "member_lines" not in statement.document:
        raise Http404("Not found")
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(MEMBER_COLUMNS)
    for item in items:
        writer.writerow([" ".join(item[c]) if c == "modifiers" else item[c]
                         for c in MEMBER_COLUMNS])
    audit.record("read", request=request, acting=acting, object_type="statement_member_lines",
                 object_id=str(statement.pk),
                 detail={"lines": len(items),
                         "member_ids": sorted({str(item["member"]) for item in items})})
    return _attachment(out.getvalue(), "text/csv",
                       _filename(statement, "member-lines", "csv"))


@require_safe
@require_acting(*selectors.READERS)
def mlr(request: HttpRequest, acting: Acting) -> HttpResponse:
    """Medical, quality-improvement and administrative spending per contract and year."""
    contracts = list(selectors.contracts_for(acting))
    data = request.GET if "contract" in request.GET else None
    if data is not None and data.get("contract") not in {str(c.pk) for c in contracts}:
        raise Http404("Not found")  # another organisation's contract is not disclosed
    form = MlrForm(data, contracts=contracts,
                   initial={"year": timezone.localdate().year})
    report = None
    if data is not None and form.is_valid():
        report = selectors.mlr_report(acting, form.cleaned_data["contract"],
                                      form.cleaned_data["year"], form.cleaned_data["premium"])
    response = render(request, "billing/statements/mlr.html",
                      {"form": form, "report": report, "contracts": contracts})
    if data is not None and not form.is_valid():
        response.status_code = 400
    return response
